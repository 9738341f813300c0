"""Crash safety: a writer killed with SIGKILL at random moments never loses a committed record
and never leaves a damaged vault.

The child (tests/helpers/crash_writer.py) prints each record id after its commit. The parent
reads a random number of those lines, then kills the child: mid-transaction, mid-fsync,
mid-update or even while it is still opening the vault. After every kill the vault is reopened:
every reported id must be there with its text, searchable, and both SQLite's and SQLCipher's
integrity checks must pass.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.models import RecordId
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault, open_vault

from .conftest import PASSPHRASE, TEST_KDF
from .helpers.crash_writer import note_text

WRITER = Path(__file__).parent / "helpers" / "crash_writer.py"
KILLS = 60
TIME_BUDGET = 50.0  # seconds; at least 50 kills must happen within it


class LineReader:
    """Reads complete lines from a child's stdout pipe, with a deadline (no blocking forever)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.buffer = b""

    def _fill(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def line(self, timeout: float = 20.0) -> str | None:
        """The next line, or None at end of stream or timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._fill(left):
                return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def rest(self) -> list[str]:
        """Every complete line still in the pipe (call after the child died)."""
        while self._fill(5.0):
            pass
        lines = self.buffer.split(b"\n")
        self.buffer = b""
        return [line.decode() for line in lines[:-1]]  # the last piece is incomplete or empty


def _spawn(data: Path, first_seq: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            str(WRITER),
            str(data),
            str(TEST_KDF.time_cost),
            str(TEST_KDF.memory_kib),
            str(TEST_KDF.lanes),
            str(first_seq),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "ADVISOR_PASSPHRASE": PASSPHRASE},
    )


def _check(
    paths: AppPaths, policy: KdfPolicy, profile: OrgProfile, committed: dict[int, int], context: str
) -> None:
    with open_vault(paths, bytearray(PASSPHRASE.encode()), policy) as vault:
        with vault.read() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
            assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == [], context
            conn.execute("INSERT INTO record_fts (record_fts) VALUES ('integrity-check')")
            present = {row[0] for row in conn.execute("SELECT id FROM records")}
        missing = set(committed) - present
        assert not missing, f"{context}: committed ids lost: {sorted(missing)[:10]}"
        notebook = Notebook(vault, profile)
        # Spot-check content and search rows of a few committed records, newest included.
        sample = sorted(committed)[-3:] + random.sample(sorted(committed), min(3, len(committed)))
        for rid in sample:
            seq = committed[rid]
            notes = notebook.get(RecordId(rid)).notes
            assert notes in (note_text(seq), note_text(seq, updated=True)), context
            assert rid in [h.summary.id for h in notebook.search(f"w{seq}x")], context


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and select() on pipes are POSIX")
def test_sigkill_never_loses_committed_records(
    paths: AppPaths, policy: KdfPolicy, profile: OrgProfile
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    vault, _code = create_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    store_profile(vault, profile)
    vault.close()

    committed: dict[int, int] = {}
    next_seq = 0
    kills = 0
    started = time.monotonic()
    while kills < KILLS and (kills < 50 or time.monotonic() - started < TIME_BUDGET):
        # Where to kill: while still opening (no line awaited), right after opening, or after
        # a random number of committed records.
        mode = rng.random()
        target = 0 if mode < 0.25 else rng.randint(1, 40)
        proc = _spawn(paths.data, next_seq)
        reader = LineReader(proc)
        context = f"seed={seed} kill={kills} target={target}"
        try:
            if mode >= 0.1:
                first = reader.line()
                assert first == "open", f"{context}: child did not start: {first!r}"
            got = 0
            while got < target:
                line = reader.line()
                assert line is not None, f"{context}: child stopped writing"
                rid, seq = map(int, line.split())
                committed[rid] = seq
                got += 1
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        for line in reader.rest():
            if line != "open":
                rid, seq = map(int, line.split())
                committed[rid] = seq
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        proc.stdout.close()  # type: ignore[union-attr]
        assert "Traceback" not in stderr, f"{context}: {stderr}"
        kills += 1
        next_seq = max(committed.values(), default=-1) + 1000 * kills
        _check(paths, policy, profile, committed, context)

    assert kills >= 50
    assert len(committed) > 100, "the child wrote too little to test anything"
    # Nothing but the vault's own files is left behind (no plaintext journals or temp files).
    leftovers = {p.name for p in paths.data.iterdir()} - {
        "vault.db",
        "vault.keys",
        "vault.lock",
        "vault.db-wal",
        "vault.db-shm",
        "config",
        "logs",
    }
    assert not leftovers


# -- the passphrase change and the restore ------------------------------------------------

SWITCHER = Path(__file__).parent / "helpers" / "crash_switch.py"
SWITCH_KILLS = 24


def _land_on_both_sides(
    outcomes: dict[bool, int],
    duration: float,
    rng: random.Random,
    kill_at: Callable[[float, str], None],
    context: str,
) -> None:
    """The kills must land on both sides of the switch, else the test proved little. Random
    delays over one timed run usually do; on a machine whose timing differs from that run,
    more kills aim early (before the switch) or late (after it) until both sides were hit."""
    for extra in range(12):
        if outcomes[True] and outcomes[False]:
            break
        if not outcomes[False]:
            delay = rng.uniform(0.0, duration * 0.3)
        else:
            delay = rng.uniform(duration * 0.7, duration * 1.5)
        kill_at(delay, f"{context} extra={extra}")
    assert outcomes[True], f"{context}: {outcomes}"
    assert outcomes[False], f"{context}: {outcomes}"


SWITCH_RECORDS = 400


def _secret(n: int) -> str:
    return f"crash passphrase number {n}"


def _run_switch(
    args: list[str], env: dict[str, str], kill_after: float | None, context: str
) -> bool:
    """Run the child; kill it ``kill_after`` seconds after it said ``ready`` (None: let it
    finish). Returns True when it finished before the kill."""
    proc = subprocess.Popen(
        [sys.executable, str(SWITCHER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    reader = LineReader(proc)
    try:
        assert reader.line() == "ready", f"{context}: child did not start"
        if kill_after is None:
            assert reader.line(timeout=120.0) == "done", f"{context}: child did not finish"
        else:
            time.sleep(kill_after)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finished = "done" in reader.rest() or kill_after is None
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.stdout.close()  # type: ignore[union-attr]
    assert "Traceback" not in stderr, f"{context}: {stderr}"
    return finished


def _opens(paths: AppPaths, secret: str, policy: KdfPolicy) -> bool:
    from advisor_desktop.platform.errors import VaultCorrupt, WrongPassphrase

    try:
        open_vault(paths, bytearray(secret.encode()), policy).close()
    except (WrongPassphrase, VaultCorrupt):
        return False
    return True


def _all_notes(paths: AppPaths, secret: str, policy: KdfPolicy, profile: OrgProfile) -> set[str]:
    with open_vault(paths, bytearray(secret.encode()), policy) as vault:
        with vault.read() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
        notebook = Notebook(vault, profile)
        return {notebook.get(s.id).notes for s in notebook.list_records()}


def _fill(paths: AppPaths, secret: str, policy: KdfPolicy, profile: OrgProfile, tag: str) -> None:
    from .helpers.records import make_record

    with open_vault(paths, bytearray(secret.encode()), policy) as vault:
        Notebook(vault, profile).add_many(
            make_record(notes=f"{tag} {i} " + "x" * 1500) for i in range(SWITCH_RECORDS)
        )


def _leftovers(paths: AppPaths) -> set[str]:
    return {p.name for p in paths.data.iterdir() if p.name.startswith((".vault", ".advisor"))}


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and select() on pipes are POSIX")
def test_sigkill_during_passphrase_change(
    paths: AppPaths, policy: KdfPolicy, profile: OrgProfile
) -> None:
    """Killed at random moments while changing the passphrase: afterwards exactly one of the
    old and the new passphrase opens the vault, with every record."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    vault, _code = create_vault(paths, bytearray(_secret(0).encode()), policy)
    store_profile(vault, profile)
    vault.close()
    _fill(paths, _secret(0), policy, profile, "record")
    expected = _all_notes(paths, _secret(0), policy, profile)
    current = 0
    # One run to the end: how long a change takes here, so kills spread over all of it.
    started = time.monotonic()
    env = {"ADVISOR_PASSPHRASE": _secret(0), "ADVISOR_NEW_PASSPHRASE": _secret(1)}
    _run_switch(["passwd", str(paths.data)], env, None, f"seed={seed} full run")
    duration = time.monotonic() - started
    current = 1
    outcomes = {True: 0, False: 0}

    def kill_at(delay: float, context: str) -> None:
        nonlocal current
        env = {
            "ADVISOR_PASSPHRASE": _secret(current),
            "ADVISOR_NEW_PASSPHRASE": _secret(current + 1),
        }
        finished = _run_switch(["passwd", str(paths.data)], env, delay, context)
        old_ok = _opens(paths, _secret(current), policy)
        new_ok = _opens(paths, _secret(current + 1), policy)
        assert old_ok != new_ok, f"{context} delay={delay:.3f}: old={old_ok} new={new_ok}"
        if finished:
            assert new_ok, context
        outcomes[new_ok] += 1
        current = current + 1 if new_ok else current
        assert _all_notes(paths, _secret(current), policy, profile) == expected, context
        assert not _leftovers(paths), f"{context}: {_leftovers(paths)}"

    for kill in range(SWITCH_KILLS):
        kill_at(rng.uniform(0.0, duration), f"seed={seed} kill={kill}")
    _land_on_both_sides(outcomes, duration, rng, kill_at, f"seed={seed}")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and select() on pipes are POSIX")
def test_sigkill_during_restore(
    paths: AppPaths, policy: KdfPolicy, profile: OrgProfile, tmp_path: Path
) -> None:
    """Killed at random moments while restoring over a vault: afterwards the vault is either
    the one before (its passphrase, its records) or the backup's, never a mix, never a
    database without its key file; whatever was replaced is kept."""
    from advisor_desktop.storage.backup import make_backup

    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    backup_secret, current_secret = _secret(100), _secret(200)
    vault, _code = create_vault(paths, bytearray(backup_secret.encode()), policy)
    store_profile(vault, profile)
    vault.close()
    _fill(paths, backup_secret, policy, profile, "backed-up")
    with open_vault(paths, bytearray(backup_secret.encode()), policy) as vault:
        backup = make_backup(vault, tmp_path / "vault.advisor")
    backup_notes = _all_notes(paths, backup_secret, policy, profile)

    def diverge() -> set[str]:
        """Make the vault differ from the backup: another passphrase and more records."""
        with open_vault(paths, bytearray(backup_secret.encode()), policy) as vault:
            vault.change_passphrase(bytearray(current_secret.encode()))
        _fill(paths, current_secret, policy, profile, "after the backup")
        return _all_notes(paths, current_secret, policy, profile)

    current_notes = diverge()
    started = time.monotonic()
    env = {"ADVISOR_PASSPHRASE": backup_secret}
    _run_switch(["restore", str(paths.data), str(backup)], env, None, f"seed={seed} full")
    duration = time.monotonic() - started
    assert _all_notes(paths, backup_secret, policy, profile) == backup_notes
    current_notes = diverge()
    outcomes = {True: 0, False: 0}

    def kill_at(delay: float, context: str) -> None:
        nonlocal current_notes
        kept_before = set(paths.data.glob("vault-replaced-*"))
        finished = _run_switch(["restore", str(paths.data), str(backup)], env, delay, context)
        restored = _opens(paths, backup_secret, policy)
        before = _opens(paths, current_secret, policy)
        assert restored != before, f"{context} delay={delay:.3f}: {restored=} {before=}"
        if finished:
            assert restored, context
        outcomes[restored] += 1
        if restored:
            assert _all_notes(paths, backup_secret, policy, profile) == backup_notes, context
            (kept,) = set(paths.data.glob("vault-replaced-*")) - kept_before
            kept_paths = AppPaths(data=kept, config=paths.config, logs=paths.logs)
            assert _all_notes(kept_paths, current_secret, policy, profile) == current_notes
            current_notes = diverge()
        else:
            assert _all_notes(paths, current_secret, policy, profile) == current_notes, context
        assert not _leftovers(paths), f"{context}: {_leftovers(paths)}"

    for kill in range(SWITCH_KILLS // 2):
        kill_at(rng.uniform(0.0, duration), f"seed={seed} kill={kill}")
    _land_on_both_sides(outcomes, duration, rng, kill_at, f"seed={seed}")
