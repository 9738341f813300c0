"""Consent-based, anonymised referral packages (Qt-free core shared with the desk)."""
