"""Child process of the crash-safety tests of the passphrase change and the restore: does one
of them and is killed (or not) by the parent at a random moment.

Usage: ``python crash_switch.py passwd DATA_DIR`` (current passphrase in
``ADVISOR_PASSPHRASE``, the new one in ``ADVISOR_NEW_PASSPHRASE``) or ``python crash_switch.py
restore DATA_DIR BACKUP`` (the backup's passphrase in ``ADVISOR_PASSPHRASE``). Prints ``ready``
when about to start (the vault open, for passwd), then ``done`` when finished.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Change the passphrase or restore, as told."""
    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.storage.backup import restore_backup
    from advisor_desktop.storage.store import open_vault

    mode, data_dir = argv[1], argv[2]
    policy = KdfPolicy.fixed(KdfParams(1, 8192, 1))
    paths = resolve_paths(data_dir)
    secret = bytearray(os.environ["ADVISOR_PASSPHRASE"].encode())
    out = sys.stdout
    if mode == "passwd":
        new = bytearray(os.environ["ADVISOR_NEW_PASSPHRASE"].encode())
        with open_vault(paths, secret, policy) as vault:
            out.write("ready\n")
            out.flush()
            vault.change_passphrase(new)
    else:
        out.write("ready\n")
        out.flush()
        restore_backup(Path(argv[3]), paths, passphrase=secret, replace=True)
    out.write("done\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
