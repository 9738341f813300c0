"""The unlocked state of the app: the open vault, its notebook and preferences.

Pages never hold the vault themselves; they ask the session for the current notebook and
listen to :attr:`Session.opened` / :attr:`Session.about_to_lock` to load and drop content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import warnings

from PySide6.QtCore import QObject, Signal

from advisor_desktop.app.preferences import UiPreferences, load_preferences, save_preferences
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.errors import VaultLocked
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import Vault

log = logging.getLogger(__name__)


class Session(QObject):
    """Owns the open vault between unlock and lock."""

    opened = Signal()
    """The vault was unlocked (or created); :attr:`notebook` is ready. Fires on the GUI thread."""

    about_to_lock = Signal()
    """The vault is about to close: save drafts into it and drop displayed content now."""

    locked = Signal()
    """The vault is closed and its key wiped; nothing can be read until :meth:`open`."""

    preferences_changed = Signal(object)
    """New :class:`UiPreferences` were stored (idle time, clipboard timeout)."""

    data_changed = Signal()
    """Records were added, edited, closed, deleted or purged (lists should refresh)."""

    def __init__(
        self,
        paths: AppPaths,
        policy: KdfPolicy | None = None,
        clock: Clock = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.policy = policy
        self.clock = clock
        self._workspace: Workspace | None = None
        self.preferences = UiPreferences()

    @property
    def is_open(self) -> bool:
        """True between :meth:`open` and :meth:`lock`."""
        return self._workspace is not None and self._workspace.is_open

    @property
    def workspace(self) -> Workspace:
        """The open workspace: vault, profile, notebook, referrals, guides (raises VaultLocked
        when locked)."""
        if self._workspace is None:
            raise VaultLocked(_("The vault is locked. Unlock it to continue."))
        return self._workspace

    @property
    def vault(self) -> Vault:
        """The open vault (raises VaultLocked when locked)."""
        return self.workspace.vault

    @property
    def notebook(self) -> Notebook:
        """The notebook over the open vault (raises VaultLocked when locked)."""
        return self.workspace.notebook

    def open(self, vault: Vault) -> None:
        """Take ownership of an unlocked ``vault`` and announce it."""
        self.open_workspace(Workspace(vault, self.paths, self.clock))

    def open_workspace(self, workspace: Workspace) -> None:
        """Take ownership of an open ``workspace`` and announce it."""
        self._workspace = workspace
        self.preferences = load_preferences(workspace.vault)
        log.info("session_opened")
        self.opened.emit()

    def reload_profile(self) -> None:
        """Use the profile now stored in the vault (after a profile or desk import)."""
        self.workspace.reload_profile()

    def today(self) -> dt.date:
        """Today by the session's clock."""
        return self.clock().date()

    def set_preferences(self, prefs: UiPreferences) -> None:
        """Store new preferences in the vault and announce them."""
        save_preferences(self.vault, prefs)
        self.preferences = prefs
        self.preferences_changed.emit(prefs)

    def detach_listeners(self) -> None:
        """Disconnect every slot from the session's signals (a window is being replaced)."""
        for signal in (
            self.opened,
            self.about_to_lock,
            self.locked,
            self.preferences_changed,
            self.data_changed,
        ):
            # PySide warns (and may raise) when nothing was connected.
            with warnings.catch_warnings(), contextlib.suppress(RuntimeError, TypeError):
                warnings.simplefilter("ignore", RuntimeWarning)
                signal.disconnect()

    def lock(self) -> None:
        """Let pages save and drop content, then close the vault (wipes the key)."""
        if self._workspace is None:
            return
        self.about_to_lock.emit()
        workspace, self._workspace = self._workspace, None
        workspace.close()
        log.info("session_locked")
        self.locked.emit()
