"""Child process that holds a vault open: ``python hold_vault.py DATA_DIR`` with the
passphrase in ``ADVISOR_PASSPHRASE``. Prints ``open`` once the vault is open, then waits until
its stdin is closed (or it is killed)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    """Open the vault and hold it until stdin closes."""
    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.storage.store import open_vault

    policy = KdfPolicy.fixed(KdfParams(1, 8192, 1))
    secret = bytearray(os.environ["ADVISOR_PASSPHRASE"].encode())
    with open_vault(resolve_paths(argv[1]), secret, policy):
        sys.stdout.write("open\n")
        sys.stdout.flush()
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
