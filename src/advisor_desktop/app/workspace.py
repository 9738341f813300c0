"""The workspace: what one unlock opens, shared by the desktop's session and the CLI's context.

A :class:`Workspace` owns the open vault and builds, once, everything that works over it: the
organisation profile stored in the vault, the notebook, the referral service, the guide
library with the profile's desk keys. Neither skin wires these objects itself; after a profile
or desk-key import, :meth:`Workspace.reload_profile` rebuilds what depends on the profile.
"""

from __future__ import annotations

import logging
from types import TracebackType

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.crypto.secret_text import Passphrase, candidate_forms
from advisor_desktop.guides.library import GuideLibrary
from advisor_desktop.guides.pack import trusted_keys
from advisor_desktop.guides.store import active_source
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.referral.service import ReferralService
from advisor_desktop.storage.meta import load_vault_profile, store_profile
from advisor_desktop.storage.store import Vault, open_vault

log = logging.getLogger(__name__)


class Workspace:
    """The open vault and the services over it, from unlock to lock."""

    def __init__(self, vault: Vault, paths: AppPaths, clock: Clock = utc_now) -> None:
        self.vault = vault
        self.paths = paths
        self.clock = clock
        self._profile = load_vault_profile(vault)
        self._notebook: Notebook | None = None
        self._referrals: ReferralService | None = None
        self._guides: GuideLibrary | None = None

    # -- what the vault holds ------------------------------------------------------------

    @property
    def profile(self) -> OrgProfile:
        """The organisation profile stored in the vault (the shipped one until one is)."""
        return self._profile

    @property
    def notebook(self) -> Notebook:
        """The notebook over the vault."""
        if self._notebook is None:
            self._notebook = Notebook(self.vault, self._profile, self.clock)
        return self._notebook

    @property
    def referrals(self) -> ReferralService:
        """The referral service over the vault (drafts, seal, export, device key)."""
        if self._referrals is None:
            self._referrals = ReferralService(self.vault, self._profile, self.clock)
        return self._referrals

    @property
    def guides(self) -> GuideLibrary:
        """The guides to show: an installed pack verified with the profile's desk keys, else
        the shipped guides; contacts filled from the profile."""
        if self._guides is None:
            keys = trusted_keys(self._profile)
            self._guides = GuideLibrary(self._profile, active_source(self.paths, keys))
        return self._guides

    def set_profile(self, profile: OrgProfile) -> None:
        """Store ``profile`` as the vault's profile and rebuild what depends on it."""
        store_profile(self.vault, profile)
        self.reload_profile()

    def reload_profile(self) -> None:
        """Read the profile from the vault again (after an import) and drop what used it."""
        self._profile = load_vault_profile(self.vault)
        self._notebook = self._referrals = self._guides = None

    def reload_guides(self) -> None:
        """Look for the guides to show again (after a guide pack was installed)."""
        self._guides = None

    # -- lifetime ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """True until :meth:`close`."""
        return self.vault.is_open

    def close(self) -> None:
        """Close the vault (its key is wiped); the workspace is unusable afterwards."""
        self._notebook = self._referrals = self._guides = None
        self.vault.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_workspace(
    paths: AppPaths,
    secret: Passphrase,
    policy: KdfPolicy | None = None,
    clock: Clock = utc_now,
) -> Workspace:
    """Unlock the vault in ``paths`` with ``secret`` (typed text in its byte forms, or exact
    bytes; wiped here) and open a workspace on it."""
    try:
        vault = open_vault(paths, secret, policy)
    finally:
        for form in candidate_forms(secret):
            wipe(form)
    try:
        return Workspace(vault, paths, clock)
    except BaseException:
        vault.close()
        raise
