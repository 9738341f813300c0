"""Creating a notebook: the one flow behind the first-run wizard and ``advisor init``."""

from __future__ import annotations

from dataclasses import dataclass

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.demo import demo_records
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault


@dataclass(frozen=True)
class NewNotebook:
    """A notebook just created: its open workspace and the one-time recovery code."""

    workspace: Workspace
    recovery_code: str


def create_notebook(
    paths: AppPaths,
    passphrase: bytearray,
    profile: OrgProfile,
    *,
    demo_records_count: int = 0,
    policy: KdfPolicy | None = None,
    clock: Clock = utc_now,
) -> NewNotebook:
    """Create the vault in ``paths`` under ``passphrase`` (wiped here), store ``profile`` in it
    and add ``demo_records_count`` fictional records; the vault stays open in the workspace.

    Raises VaultExists when there is one already; a failure after creation closes the vault.
    """
    try:
        vault, code = create_vault(paths, passphrase, policy)
    finally:
        wipe(passphrase)
    try:
        store_profile(vault, profile)
        workspace = Workspace(vault, paths, clock)
        if demo_records_count:
            workspace.notebook.add_many(demo_records(profile, demo_records_count))
    except BaseException:
        vault.close()
        raise
    return NewNotebook(workspace, code)
