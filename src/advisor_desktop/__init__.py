"""Advisor Desktop: an offline-first, encrypted casebook for confidential advisors."""

__version__ = "0.1.0"
