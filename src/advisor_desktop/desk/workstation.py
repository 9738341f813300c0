"""The desk workstation's folder as one thing: its store and its identity, set up and unlocked
together with the one desk passphrase.

- :func:`init_desk` creates the store (and, given a name, the identity), imports an older
  desk's ``advisors.json`` and ``seen-ids`` and binds the identity to the store;
- :func:`unlock_desk` opens the store (and the identity, for commands that decrypt or sign).
  A folder from before the store (an identity bound to no store) is set up on this first
  unlock. A folder whose identity is bound to a store that is gone, or to another store, is
  refused: a deleted or swapped store never turns into an empty one that has seen nothing.
- :func:`settle_withdrawals` erases what the store holds of referrals their advisors withdrew
  and tells each advisor so (a last status message); every unlock with the identity runs it,
  so a withdrawal that came by ``pull`` is settled by the next such command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.errors import DeskError, DeskStoreCorrupt, DeskStoreMissing
from advisor_desktop.desk.identity import IDENTITY_FILE, DeskIdentity, bind_identity, keygen, unlock
from advisor_desktop.desk.legacy import (
    IMPORTED_META,
    LegacyImport,
    import_legacy,
    legacy_files,
    read_legacy,
    remove_legacy,
)
from advisor_desktop.desk.referrals import Erasure, erase_withdrawn
from advisor_desktop.desk.status import queue_status_message
from advisor_desktop.desk.store import (
    DeskStore,
    check_new_passphrase,
    create_store,
    open_store,
    store_exists,
)
from advisor_desktop.platform.i18n import _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetUp:
    """What setting up a desk store did: the recovery code to show once, what it imported."""

    recovery_code: str
    imported: LegacyImport | None
    identity_created: bool


@dataclass
class Desk:
    """An unlocked desk: the open store and, when asked for, the identity."""

    folder: Path
    store: DeskStore
    identity: DeskIdentity | None = None
    set_up: SetUp | None = None
    """Set when this unlock created the store (a desk folder from before the store)."""
    ignored_files: tuple[str, ...] = field(default=())
    """Older desk files found beside a store, not read (the store is what counts)."""
    erased: tuple[Erasure, ...] = field(default=())
    """Withdrawn referrals whose content this unlock erased (see :func:`settle_withdrawals`)."""

    def keys(self) -> DeskIdentity:
        """The identity, or :class:`DeskError` when the desk has none yet."""
        if self.identity is None:
            raise DeskError(
                _("This desk has no identity yet: run advisor-desk keygen --name NAME.")
            )
        return self.identity

    def close(self) -> None:
        """Close the store (its key is wiped)."""
        self.store.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _missing_store(folder: Path) -> DeskStoreMissing:
    return DeskStoreMissing(
        _(
            "The desk store is missing from {folder}, and this desk's identity belongs to one. "
            "Restore it from a backup (advisor-desk restore FILE): a new, empty store would "
            "not know which referrals were already received."
        ).format(folder=folder)
    )


def init_desk(
    folder: Path,
    passphrase: bytearray,
    policy: KdfPolicy,
    now: str,
    *,
    name: str | None = None,
) -> Desk:
    """Create the desk store in ``folder``; with ``name``, the identity too.

    An identity already in the folder must open with ``passphrase`` (the desk has one) and is
    bound to the new store; the older desk files are imported and then removed.
    """
    if store_exists(folder):
        raise DeskError(
            _("This desk is set up already: {folder} has a desk store.").format(folder=folder)
        )
    existing: DeskIdentity | None = None
    if (folder / IDENTITY_FILE).exists():
        if name is not None:
            raise DeskError(
                _("A desk identity already exists in {folder}.").format(folder=folder.name)
            )
        existing = unlock(folder, passphrase)
        if existing.store_id is not None:
            raise _missing_store(folder)
    else:
        # A new passphrase is being chosen; an older desk's identity keeps the one it has.
        check_new_passphrase(passphrase)
    legacy = read_legacy(folder)
    store, recovery = create_store(folder, passphrase, policy, now)
    try:
        imported = None
        if legacy is not None:
            with store.write() as conn:
                imported = import_legacy(conn, legacy, now)
        identity: DeskIdentity | None = None
        if existing is not None:
            identity = bind_identity(folder, passphrase, store.store_id)
        elif name is not None:
            identity = keygen(folder, name, passphrase, policy.params(), store_id=store.store_id)
        if imported is not None:
            remove_legacy(folder)
    except BaseException:
        store.close()
        raise
    log.info("desk_set_up imported=%s", imported is not None)
    return Desk(folder, store, identity, SetUp(recovery, imported, name is not None))


def add_identity(desk: Desk, name: str, passphrase: bytearray, policy: KdfPolicy) -> DeskIdentity:
    """Create the identity of a desk whose store exists without one, bound to that store."""
    if (desk.folder / IDENTITY_FILE).exists():
        raise DeskError(
            _("A desk identity already exists in {folder}.").format(folder=desk.folder.name)
        )
    desk.identity = keygen(
        desk.folder, name, passphrase, policy.params(), store_id=desk.store.store_id
    )
    return desk.identity


def unlock_desk(
    folder: Path,
    passphrase: bytearray,
    policy: KdfPolicy,
    now: str,
    *,
    need_identity: bool,
) -> Desk:
    """Open the desk in ``folder``: the store, and the identity when ``need_identity``."""
    if not store_exists(folder):
        if not (folder / IDENTITY_FILE).exists():
            raise DeskStoreMissing(
                _("No desk in {folder}: run advisor-desk init (or keygen --name NAME).").format(
                    folder=folder
                )
            )
        if unlock(folder, passphrase).store_id is not None:
            raise _missing_store(folder)
        # A desk from before the store: this first unlock sets the store up.
        desk = init_desk(folder, passphrase, policy, now)
        if not need_identity:
            desk.identity = None
        return desk
    store = open_store(folder, passphrase)
    desk = Desk(folder, store)
    try:
        leftovers = legacy_files(folder)
        if leftovers and store.meta(IMPORTED_META) is not None:
            remove_legacy(folder)  # imported before an interruption; their removal was not
        elif leftovers:
            desk.ignored_files = leftovers
        if need_identity:
            desk.identity = _bound_identity(folder, passphrase, store)
            desk.erased = tuple(settle_withdrawals(desk, now))
    except BaseException:
        store.close()
        raise
    return desk


def settle_withdrawals(desk: Desk, now: str) -> list[Erasure]:
    """Erase the content of every referral the store holds a withdrawal of (``desk/
    referrals.py``: :func:`erase_withdrawn`) and queue, for each, the status message of its last
    step (``closed``, ``withdrawn-by-reporter``) to its device (when it has an age key)."""
    identity = desk.keys()
    erased = erase_withdrawn(desk.store, now)
    for item in erased:
        queue_status_message(desk.store, identity, item.referral_id, item.closing, now)
    return erased


def _bound_identity(folder: Path, passphrase: bytearray, store: DeskStore) -> DeskIdentity:
    if not (folder / IDENTITY_FILE).exists():
        raise DeskError(_("This desk has no identity yet: run advisor-desk keygen --name NAME."))
    identity = unlock(folder, passphrase)
    if identity.store_id is None:
        # Set up before an interruption: the store opened with the passphrase, so bind it now.
        return bind_identity(folder, passphrase, store.store_id)
    if identity.store_id != store.store_id:
        raise DeskStoreCorrupt(
            _(
                "The desk store in {folder} is not the one this desk's identity belongs to (it "
                "was replaced or copied from elsewhere). Restore this desk's store from a backup."
            ).format(folder=folder)
        )
    return identity
