"""Child process of the crash-safety test: opens a vault and writes records until killed.

Usage: ``python crash_writer.py DATA_DIR TIME_COST MEMORY_KIB LANES FIRST_SEQ`` with the
passphrase in ``ADVISOR_PASSPHRASE``. Prints ``open`` once the vault is open, then one line
``<id> <seq>`` after each record's transaction has committed (flushed at once). Every fifth
record is then updated in place (its search rows are rewritten), so a kill can also land in
an update.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys


def note_text(seq: int, *, updated: bool = False) -> str:
    """The notes written for record ``seq`` (shared with the parent test)."""
    suffix = " revised" if updated else ""
    return f"crash record w{seq}x — запись {seq} — 记录{seq}{suffix}"


def main(argv: list[str]) -> int:
    """Write records forever (until killed, or the parent goes away)."""
    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
    from advisor_desktop.notebook.models import ContactChannel, ConversationRecord, VisitorRole
    from advisor_desktop.notebook.service import Notebook
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.storage.meta import load_vault_profile
    from advisor_desktop.storage.store import open_vault

    data_dir, time_cost, memory_kib, lanes, first = argv[1:6]
    policy = KdfPolicy.fixed(KdfParams(int(time_cost), int(memory_kib), int(lanes)))
    secret = bytearray(os.environ["ADVISOR_PASSPHRASE"].encode())
    vault = open_vault(resolve_paths(data_dir), secret, policy)
    notebook = Notebook(vault, load_vault_profile(vault))
    out = sys.stdout
    out.write("open\n")
    out.flush()
    seq = int(first)
    for _ in range(100_000):
        record = ConversationRecord(
            conv_date=dt.date(2026, 1, 1) + dt.timedelta(days=seq % 300),
            channel=ContactChannel.PHONE,
            role=VisitorRole.OTHER,
            categories=("other",),
            notes=note_text(seq),
            agreed="x" * (seq % 3000),  # varying sizes: some records span overflow pages
        )
        rid = notebook.add(record)
        out.write(f"{rid} {seq}\n")
        out.flush()
        if seq % 5 == 0:
            stored = notebook.get(rid)
            notebook.update(dataclasses.replace(stored, notes=note_text(seq, updated=True)))
        seq += 1
    vault.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:
        sys.exit(0)
