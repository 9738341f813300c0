"""The three databases the vault benchmark compares, and the workload it runs on each.

- ``sqlcipher``         — the real vault: :func:`create_vault`, raw key, our PRAGMAs;
- ``sqlcipher-unkeyed`` — the same sqlcipher3 library and schema with no key (no encryption),
  which separates the cost of encryption from SQLite version differences;
- ``sqlite``            — the stdlib ``sqlite3`` module (older SQLite, see ``SQLITE_SCHEMA_NOTE``).

All three run the same :class:`~advisor_desktop.notebook.service.Notebook` code, the same
migrations, the same PRAGMAs (``apply_pragmas`` of storage/database.py) and the same records and
queries. The plain databases sit behind :class:`PlainVault`, which has the vault's ``read`` and
``write`` contract (a mutex, ``BEGIN IMMEDIATE`` … ``COMMIT``).
"""

from __future__ import annotations

import contextlib
import re
import resource
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlcipher3

from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
from advisor_desktop.notebook.demo import demo_records
from advisor_desktop.notebook.models import ConversationRecord, RecordId
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.database import apply_pragmas, connect
from advisor_desktop.storage.schema import migrate
from advisor_desktop.storage.store import VAULT, create_vault

BACKENDS = ("sqlcipher", "sqlcipher-unkeyed", "sqlite")
PASSPHRASE = b"benchmark passphrase, not a secret"
# Setup only: the workload never derives keys. Unlock is measured with the calibrated KDF.
FAST_KDF = KdfParams(time_cost=1, memory_kib=8192, lanes=1)
RARE_FLOOR = 1000  # rare terms are record numbers "#1234" (4+ digits: a handful of matches)
COMMON_TERM = "visitor"  # in 5 of the 12 demo templates: about 40 % of all records
SQLITE_SCHEMA_NOTE = (
    "stdlib SQLite {version} has no FTS5 contentless_delete (3.43+): its search table is a "
    "regular FTS5 table (it also stores the indexed text) so the same DELETE/INSERT statements "
    "work; tokenizer, prefix indexes, ranking and every query are identical."
)

Clock = Callable[[], float]
now: Clock = time.perf_counter


class PlainVault:
    """Stand-in for :class:`~advisor_desktop.storage.store.Vault` over an unencrypted database."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._mutex = threading.RLock()

    @contextlib.contextmanager
    def read(self) -> Iterator[Any]:
        """The connection, for reads."""
        with self._mutex:
            yield self._conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Any]:
        """The connection inside one IMMEDIATE transaction."""
        with self._mutex:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def checkpoint(self) -> None:
        """Fold the WAL into the database."""
        with self.read() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class _OldFts5Schema:
    """Connection proxy for stdlib SQLite: contentless FTS5 tables become regular ones."""

    _DROP = re.compile(r"(contentless_delete\s*=\s*1|content\s*=\s*'')\s*,", re.IGNORECASE)

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        """Run ``sql`` with the options SQLite 3.40 lacks removed."""
        return self._conn.execute(self._DROP.sub("", sql), *args)


def _plain_connect(backend: str, db_path: Path) -> Any:
    """Mirror of storage/database.py ``connect`` without a key."""
    module: Any = sqlite3 if backend == "sqlite" else sqlcipher3
    conn = module.connect(str(db_path), isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    apply_pragmas(VAULT, conn)
    return conn


def _migrate(backend: str, conn: Any) -> None:
    int(conn.execute("PRAGMA user_version").fetchone()[0])
    migrate(_OldFts5Schema(conn) if backend == "sqlite" else conn)


class Db:
    """One benchmark database: a notebook over it, and how to close and reopen it."""

    def __init__(self, backend: str, folder: Path, profile: OrgProfile) -> None:
        self.backend = backend
        self.paths = AppPaths(data=folder, config=folder / "config", logs=folder / "logs")
        self.key: bytearray | None = None
        self.vault: Any
        if backend == "sqlcipher":
            self.vault, _code = create_vault(
                self.paths, bytearray(PASSPHRASE), KdfPolicy.fixed(FAST_KDF)
            )
            self.key = bytearray.fromhex(self.vault.raw_key_hex())
        else:
            self.paths.ensure()
            conn = _plain_connect(backend, self.paths.vault_db)
            _migrate(backend, conn)
            self.vault = PlainVault(conn)
        self.notebook = Notebook(self.vault, profile)
        self.ids: list[RecordId] = []
        self.hits = 0
        self.searches = 0

    @property
    def mean_hits(self) -> float:
        """Mean number of hits of the searches counted since the last reset."""
        return round(self.hits / self.searches, 2) if self.searches else 0.0

    def close(self) -> None:
        """Close the database (checkpoint included for the vault)."""
        self.vault.close()

    def open_once(self) -> float:
        """Seconds to open the closed database with a known key, check the schema, close."""
        start = now()
        if self.key is not None:
            conn = connect(VAULT, self.paths.vault_db, self.key)
            int(conn.execute("PRAGMA user_version").fetchone()[0])
            migrate(conn)
        else:
            conn = _plain_connect(self.backend, self.paths.vault_db)
            _migrate(self.backend, conn)
        elapsed = now() - start
        conn.close()
        return elapsed

    def size_mib(self) -> float:
        """Database plus WAL on disk."""
        files = [self.paths.vault_db, Path(f"{self.paths.vault_db}-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50/p95/max/mean in milliseconds (p95 by the nearest-rank method)."""
    ordered = sorted(samples)
    rank95 = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[rank95] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "n": len(ordered),
    }


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _common_matches(db: Db) -> int:
    with db.vault.read() as conn:
        row = conn.execute(
            "SELECT count(*) FROM record_fts WHERE record_fts MATCH ?", (f'"{COMMON_TERM}"*',)
        ).fetchone()
    return int(row[0])


def _round_robin(
    dbs: dict[str, Db], jobs: list[Any], step: Callable[[Db, Any], float]
) -> dict[str, list[float]]:
    """Run ``step`` for each job on every database in turn, so background load hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in dbs}
    names = list(dbs)
    for n, job in enumerate(jobs):
        rotated = names[n % len(names) :] + names[: n % len(names)]
        for name in rotated:
            samples[name].append(step(dbs[name], job))
    return samples


def _search_step(db: Db, query: str) -> float:
    start = now()
    hits = db.notebook.search(query, limit=50)
    elapsed = now() - start
    db.hits += len(hits)
    return elapsed


def _add_step(db: Db, record: ConversationRecord) -> float:
    start = now()
    db.notebook.add(record)
    return now() - start


def _update_step(db: Db, job: tuple[int, int]) -> float:
    n, record_id = job
    record = db.notebook.get(RecordId(record_id))
    changed = replace(record, notes=f"{record.notes} Follow-up {n}.")
    start = now()
    db.notebook.update(changed)
    return now() - start


def _open_step(db: Db, _job: int) -> float:
    return db.open_once()


def run_timing(
    backends: tuple[str, ...], size: int, folder: Path, profile: OrgProfile, repeats: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Import ``size`` demo records into each database, then search, save and reopen them.

    Imports run one database after the other; every other operation runs round-robin over the
    databases, so the ratios between them hold even on a busy machine.
    """
    import random

    records = demo_records(profile, size, seed=1)
    extra = demo_records(profile, repeats["save"], seed=2)
    results: dict[str, dict[str, Any]] = {}
    dbs: dict[str, Db] = {}
    for backend in backends:
        db = Db(backend, folder / backend, profile)
        start, cpu = now(), time.process_time()
        db.ids = db.notebook.add_many(records)
        import_s, import_cpu_s = now() - start, time.process_time() - cpu
        dbs[backend] = db
        results[backend] = {
            "backend": backend,
            "records": size,
            "import_s": round(import_s, 3),
            "import_cpu_s": round(import_cpu_s, 3),
            "import_records_per_s": round(size / import_s),
        }
    del records

    rng = random.Random(size)
    floor = min(RARE_FLOOR, max(1, size // 10))
    rare = [str(rng.randrange(floor, size)) for _ in range(repeats["rare"])]
    warm = rare[:5] + [COMMON_TERM] * 3
    _round_robin(dbs, warm, _search_step)
    for name, samples in _round_robin(dbs, rare, _search_step_reset(dbs)).items():
        results[name]["search_rare"] = {**summary_ms(samples), "mean_hits": dbs[name].mean_hits}
    common = [COMMON_TERM] * repeats["common"]
    for name, samples in _round_robin(dbs, common, _search_step_reset(dbs)).items():
        results[name]["search_common_top50"] = {
            **summary_ms(samples),
            "mean_hits": dbs[name].mean_hits,
            "matches": _common_matches(dbs[name]),
        }
    for name, samples in _round_robin(dbs, extra, _add_step).items():
        results[name]["save_add"] = summary_ms(samples)
    targets = list(enumerate(rng.sample(range(1, size + 1), repeats["save"])))
    for name, samples in _round_robin(dbs, targets, _update_step).items():
        results[name]["save_update"] = summary_ms(samples)
    for name, db in dbs.items():
        results[name]["db_size_mib"] = round(db.size_mib(), 2)
        db.close()
        db.open_once()  # warm the page cache like a second unlock would
    opens = list(range(repeats["open"]))
    for name, samples in _round_robin(dbs, opens, _open_step).items():
        results[name]["open"] = summary_ms(samples)
    return results


def _search_step_reset(dbs: dict[str, Db]) -> Callable[[Db, str], float]:
    for db in dbs.values():
        db.hits, db.searches = 0, 0

    def step(db: Db, query: str) -> float:
        db.searches += 1
        return _search_step(db, query)

    return step


def run_memory(backend: str, size: int, folder: Path, profile: OrgProfile) -> dict[str, Any]:
    """Peak resident memory of a process that imports ``size`` records and searches them."""
    records = demo_records(profile, size, seed=1)
    rss_before = _rss_mib()
    db = Db(backend, folder / backend, profile)
    db.notebook.add_many(records)
    del records
    for query in (COMMON_TERM, "harass", "4242", COMMON_TERM):
        db.notebook.search(query, limit=50)
    db.close()
    return {
        "rss_before_db_mib": round(rss_before, 1),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }


def run_unlock(folder: Path, profile: OrgProfile, runs: int, calibrated: bool) -> dict[str, Any]:
    """Unlock (passphrase → Argon2id → unwrap → open) with the KDF calibrated on this machine."""
    from advisor_desktop.crypto.keyslots import derive_key
    from advisor_desktop.storage.store import open_vault

    paths = AppPaths(data=folder, config=folder / "config", logs=folder / "logs")
    policy = KdfPolicy() if calibrated else KdfPolicy.fixed(FAST_KDF)
    start = now()
    params = policy.params()
    calibrate_s = now() - start
    vault, _code = create_vault(paths, bytearray(PASSPHRASE), policy)
    Notebook(vault, profile).add_many(demo_records(profile, 100, seed=3))
    slot = vault.slot_file.slot("passphrase")
    vault.close()
    kdf_samples, unlock_samples = [], []
    for _ in range(runs):
        start = now()
        derive_key(bytearray(PASSPHRASE), slot.salt, slot.kdf)
        kdf_samples.append(now() - start)
        start = now()
        opened = open_vault(paths, bytearray(PASSPHRASE), policy)
        unlock_samples.append(now() - start)
        opened.close()
    return {
        "calibrated": calibrated,
        "kdf_params": {
            "time_cost": params.time_cost,
            "memory_kib": params.memory_kib,
            "lanes": params.lanes,
        },
        "calibrate_s": round(calibrate_s, 3),
        "kdf": summary_ms(kdf_samples),
        "unlock": summary_ms(unlock_samples),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }
