"""The referral wizard and a record's referral list (a thin skin over advisor_desktop.referral)."""

from advisor_desktop.ui.referral.list_widget import ReferralListWidget
from advisor_desktop.ui.referral.screenshots import render_referral_screenshots
from advisor_desktop.ui.referral.wizard import ReferralWizard

__all__ = ["ReferralListWidget", "ReferralWizard", "render_referral_screenshots"]
