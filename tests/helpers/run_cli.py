"""Run ``advisor`` in a child process with a fast, fixed KDF (for tests that need a separate
process: other user rights, resource limits).

Usage: ``python run_cli.py ADVISOR_ARGS...``; the passphrase comes from the environment as
usual. Exits with the command's exit code.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run the command given on our command line."""
    from advisor_desktop.cli.advisor.main import main as advisor_main
    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy

    policy = KdfPolicy.fixed(KdfParams(time_cost=1, memory_kib=8192, lanes=1))
    return advisor_main(sys.argv[1:], policy=policy)


if __name__ == "__main__":
    sys.exit(main())
