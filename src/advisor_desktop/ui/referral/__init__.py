"""The referral wizard and a record's referral list: a thin skin over the referral flow of
``advisor_desktop.app.referrals`` (the one ``advisor referral`` runs too)."""

from advisor_desktop.ui.referral.list_widget import ReferralListWidget
from advisor_desktop.ui.referral.referral_wizard import ReferralWizard

__all__ = ["ReferralListWidget", "ReferralWizard"]
