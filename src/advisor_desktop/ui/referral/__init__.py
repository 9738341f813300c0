"""The referral wizard and a record's referral list (a thin skin over advisor_desktop.referral)."""

from advisor_desktop.ui.referral.list_widget import ReferralListWidget
from advisor_desktop.ui.referral.referral_wizard import ReferralWizard
from advisor_desktop.ui.referral.screenshots import render_referral_screenshots

__all__ = ["ReferralListWidget", "ReferralWizard", "render_referral_screenshots"]
