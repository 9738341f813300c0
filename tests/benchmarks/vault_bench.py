"""The vault benchmark: one command, a table on stdout and a JSON file.

    python -m tests.benchmarks.vault_bench [--quick] [--rekey-only] [--out FILE.json]

Runs the notebook workload (import, search, save, open) on the encrypted vault, on the same
sqlcipher3 library without a key, and on the stdlib ``sqlite3`` module, each in its own child
process (so peak memory is per database and size), then unlocks a vault with the Argon2id
parameters calibrated on this machine. Prints the measurements, the encryption overhead per
metric and the project's aims (met or not). See docs/benchmarks.md.

The rekey of a passphrase change (``storage/rekey.py``) is measured at each size: the whole
change as the app does it (``sqlcipher_export`` into a new file, row counts checked, the switch,
reopen), the export alone, and ``PRAGMA rekey`` in place on a copy, against a plain SQLite copy
of the same data (``VACUUM INTO``) and a byte copy of the file (both fsync'd). The Argon2id
runs of the new slots are left out (a fast fixed KDF): the unlock table gives their cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (10_000,)
BACKENDS = ("sqlite", "sqlcipher-unkeyed", "sqlcipher")  # baseline first, vault last
# Metrics compared between the vault and a plain database: (label, path into a result).
OVERHEAD_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("import", ("import_s",)),
    ("search rare p50", ("search_rare", "p50_ms")),
    ("search rare p95", ("search_rare", "p95_ms")),
    ("search common p50", ("search_common_top50", "p50_ms")),
    ("search common p95", ("search_common_top50", "p95_ms")),
    ("save add p50", ("save_add", "p50_ms")),
    ("save add p95", ("save_add", "p95_ms")),
    ("save update p50", ("save_update", "p50_ms")),
    ("save update p95", ("save_update", "p95_ms")),
    ("open p50", ("open", "p50_ms")),
)


def repeats_for(size: int, quick: bool) -> dict[str, int]:
    """How many timed runs of each operation."""
    if size < 5_000:
        return {"rare": 20, "common": 10, "save": 10, "open": 5}
    if quick:
        return {"rare": 300, "common": 60, "save": 300, "open": 60}
    return {"rare": 500, "common": 150, "save": 500, "open": 100}


# -- child processes --------------------------------------------------------------------------


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def run_rekey(size: int, folder: Path, runs: int) -> dict[str, Any]:
    """The rekey of a vault of ``size`` records, and a plain SQLite copy of the same data."""
    import shutil

    import sqlcipher3

    from advisor_desktop.crypto.keyslots import KdfPolicy
    from advisor_desktop.notebook.demo import demo_records
    from advisor_desktop.protocol.profile import load_profile
    from advisor_desktop.storage.database import connect
    from advisor_desktop.storage.rekey import export_copy
    from advisor_desktop.storage.store import VAULT, open_vault
    from tests.benchmarks.bench_backends import FAST_KDF, PASSPHRASE, Db, summary_ms

    profile = load_profile()
    records = demo_records(profile, size, seed=1)
    plain = Db("sqlite", folder / "sqlite", profile)
    plain.notebook.add_many(records)
    plain.close()
    vault_db = Db("sqlcipher", folder / "sqlcipher", profile)
    vault_db.notebook.add_many(records)
    vault_db.close()
    del records
    timings: dict[str, list[float]] = {
        "vacuum_into": [],
        "file_copy": [],
        "export": [],
        "pragma_rekey": [],
        "change": [],
    }
    plain_path = plain.paths.vault_db
    for n in range(runs):
        target = folder / f"plain-copy-{n}.db"
        start = time.perf_counter()
        conn = sqlite3.connect(str(plain_path))
        conn.execute("VACUUM INTO ?", (str(target),))
        conn.close()
        _fsync(target)
        timings["vacuum_into"].append(time.perf_counter() - start)
        target.unlink()
        start = time.perf_counter()
        shutil.copyfile(plain_path, target)
        _fsync(target)
        timings["file_copy"].append(time.perf_counter() - start)
        target.unlink()

    policy = KdfPolicy.fixed(FAST_KDF)
    paths = vault_db.paths
    secret = bytearray(PASSPHRASE)
    size_mib = paths.vault_db.stat().st_size / 2**20
    progress_calls = 0
    for n in range(runs):
        with open_vault(paths, bytearray(secret), policy) as vault:
            key = bytearray.fromhex(vault.raw_key_hex())
            target = folder / f"export-{n}.db"
            with vault.read() as conn:
                start = time.perf_counter()
                export_copy(conn, target, bytearray(os.urandom(32)))
                _fsync(target)
                timings["export"].append(time.perf_counter() - start)
            target.unlink()
            new_secret = bytearray(PASSPHRASE + f" {n}".encode())
            seen: list[float] = []
            start = time.perf_counter()
            vault.change_passphrase(bytearray(new_secret), progress=seen.append)
            timings["change"].append(time.perf_counter() - start)
            progress_calls = max(progress_calls, len(seen))
        secret = new_secret
        # PRAGMA rekey, in place, on a copy of the database (no WAL left: closed above).
        copy = folder / f"rekey-{n}.db"
        shutil.copyfile(paths.vault_db, copy)
        with open_vault(paths, bytearray(secret), policy) as vault:
            key = bytearray.fromhex(vault.raw_key_hex())
        conn = connect(VAULT, copy, key)
        start = time.perf_counter()
        try:
            conn.execute(f"PRAGMA rekey = \"x'{os.urandom(32).hex()}'\"")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            timings["pragma_rekey"].append(time.perf_counter() - start)
        except sqlcipher3.Error:
            pass  # not supported on this build in WAL mode: reported as missing
        conn.close()
        for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)
    return {
        "records": size,
        "db_size_mib": round(size_mib, 1),
        "plain_size_mib": round(plain_path.stat().st_size / 2**20, 1),
        "progress_reports": progress_calls,
        **{name: summary_ms(samples) for name, samples in timings.items() if samples},
    }


def _child(args: argparse.Namespace) -> int:
    from advisor_desktop.protocol.profile import load_profile
    from tests.benchmarks import bench_backends

    profile = load_profile()
    folder = Path(args.dir)
    result: Any
    if args.child == "rekey":
        result = run_rekey(args.records, folder, args.runs)
    elif args.child == "unlock":
        result = bench_backends.run_unlock(folder, profile, args.runs, not args.fast_kdf)
    elif args.child == "timing":
        repeats = json.loads(args.repeats)
        result = bench_backends.run_timing(BACKENDS, args.records, folder, profile, repeats)
    else:
        result = bench_backends.run_memory(args.child, args.records, folder, profile)
    print(json.dumps(result))
    return 0


def _spawn(argv: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.vault_bench", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child {argv[:2]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- analysis ---------------------------------------------------------------------------------


def _get(result: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = result
    for key in path:
        value = value[key]
    return float(value)


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def overhead(vault: dict[str, Any], plain: dict[str, Any]) -> dict[str, float]:
    """Ratio vault/plain per metric, and their geometric mean ("overall")."""
    ratios = {}
    for label, path in OVERHEAD_METRICS:
        base = _get(plain, path)
        ratios[label] = round(_get(vault, path) / base, 3) if base > 0 else float("nan")
    ratios["overall (geomean)"] = round(_geomean([v for v in ratios.values() if v > 0]), 3)
    return ratios


def aims(
    results: dict[str, Any], size: int, ratios: dict[str, float], unkeyed: dict[str, float]
) -> list[dict[str, Any]]:
    """The project's aims, measured on the vault at ``size`` records.

    The overhead aim is judged twice: against stdlib SQLite (another SQLite version and FTS5
    schema, see ``schema_note``) and against the same sqlcipher3 library without a key, which
    isolates the cost of encryption.
    """
    vault = results[str(size)]["sqlcipher"]
    scale = size / 100_000
    rows = [
        ("rare-term search p95", "ms", vault["search_rare"]["p95_ms"], 5.0),
        ("common-term top-50 search p95", "ms", vault["search_common_top50"]["p95_ms"], 50.0),
        (
            "note save p95 (add, update)",
            "ms",
            max(vault["save_add"]["p95_ms"], vault["save_update"]["p95_ms"]),
            10.0,
        ),
        ("open with known key p95", "ms", vault["open"]["p95_ms"], 5.0),
        ("import", "s", vault["import_s"], round(10.0 * scale, 3)),
        ("overhead vs stdlib SQLite (geomean)", "x", ratios["overall (geomean)"], 1.15),
        ("encryption overhead vs unkeyed (geomean)", "x", unkeyed["overall (geomean)"], 1.15),
    ]
    return [
        {
            "aim": name,
            "unit": unit,
            "limit": limit,
            "measured": value,
            "met": bool(value <= limit),
            "at_records": size,
        }
        for name, unit, value, limit in rows
    ]


# -- output -----------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    if value != value:  # nan
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def render(report: dict[str, Any]) -> str:
    """The human-readable table."""
    lines: list[str] = []
    meta = report["meta"]
    lines.append(
        f"Vault benchmark — {meta['mode']} — {meta['cpus']} CPUs, SQLCipher "
        f"{meta['sqlcipher_version']} (SQLite {meta['sqlcipher_sqlite']}), stdlib SQLite "
        f"{meta['stdlib_sqlite']}"
    )
    for size, by_backend in report["results"].items():
        lines.append("")
        lines.append(f"== {int(size):,} records ==")
        head = f"{'metric':<28}" + "".join(f"{b:>19}" for b in BACKENDS)
        head += f"{'x sqlite':>10}{'x unkeyed':>11}"
        lines.append(head)
        ratio_s = report["overhead"][size]["vs_sqlite"]
        ratio_u = report["overhead"][size]["vs_sqlcipher_unkeyed"]
        for label, path in OVERHEAD_METRICS:
            unit = "s" if path == ("import_s",) else "ms"
            row = f"{label + ' (' + unit + ')':<28}"
            row += "".join(f"{_fmt(_get(by_backend[b], path)):>19}" for b in BACKENDS)
            row += f"{_fmt(ratio_s[label]):>10}{_fmt(ratio_u[label]):>11}"
            lines.append(row)
        for label, key in (
            ("import CPU time (s)", "import_cpu_s"),
            ("database size (MiB)", "db_size_mib"),
            ("peak RSS (MiB)", "peak_rss_mib"),
        ):
            row = f"{label:<28}" + "".join(f"{_fmt(by_backend[b][key]):>19}" for b in BACKENDS)
            lines.append(row)
        hits = by_backend["sqlcipher"]
        lines.append(
            f"{'(rare hits / common matches)':<28}{hits['search_rare']['mean_hits']:>19}"
            f"{hits['search_common_top50']['matches']:>19}"
        )
        lines.append(
            f"{'overall overhead (geomean)':<28}{'':>57}"
            f"{_fmt(ratio_s['overall (geomean)']):>10}{_fmt(ratio_u['overall (geomean)']):>11}"
        )
    if report.get("rekey"):
        lines.append("")
        lines.extend(render_rekey(report["rekey"]))
    unlock = report["unlock"]
    kdf = unlock["kdf_params"]
    lines.append("")
    lines.append(
        f"== unlock (Argon2id t={kdf['time_cost']}, m={kdf['memory_kib'] // 1024} MiB, "
        f"p={kdf['lanes']}{'' if unlock['calibrated'] else ', NOT calibrated'}) =="
    )
    lines.append(
        f"key derivation p50 {unlock['kdf']['p50_ms']:.0f} ms · unlock (derive + unwrap + open) "
        f"p50 {unlock['unlock']['p50_ms']:.0f} ms · peak RSS {unlock['peak_rss_mib']:.0f} MiB"
    )
    lines.append("")
    lines.append(f"== aims (vault, {report['aims'][0]['at_records']:,} records) ==")
    for aim in report["aims"]:
        mark = "met" if aim["met"] else "NOT MET"
        value = aim["measured"]
        shown = f"{value:.3f}" if aim["unit"] == "x" else _fmt(value)
        measured = f"{shown} {aim['unit']}"
        lines.append(
            f"{aim['aim']:<40}{'≤ ' + str(aim['limit']) + ' ' + aim['unit']:>12}"
            f"{measured:>14}   {mark}"
        )
    load = report["meta"]["load_average_1min"]
    lines.append(
        f"\ntotal {report['meta']['elapsed_s']:.0f} s · load average {load['start']:.2f} at start,"
        f" {load['end']:.2f} at end"
    )
    if max(load.values()) > 0.5 * (meta["cpus"] or 1):
        lines.append("(the machine was busy: absolute times are inflated; ratios are round-robin)")
    return "\n".join(lines)


REKEY_ROWS = (
    ("passphrase change (rekey, as the app)", "change"),
    ("  sqlcipher_export alone", "export"),
    ("  PRAGMA rekey in place (copy)", "pragma_rekey"),
    ("baseline: plain SQLite VACUUM INTO", "vacuum_into"),
    ("baseline: byte copy of the file", "file_copy"),
)


def render_rekey(rekey: dict[str, Any]) -> list[str]:
    """The rekey table: one column per size, p50 in seconds."""
    sizes = list(rekey)
    lines = ["== rekey (passphrase change), p50 s =="]
    lines.append(f"{'':<40}" + "".join(f"{int(size):>16,}" for size in sizes))
    for label, key in REKEY_ROWS:
        cells = []
        for size in sizes:
            entry = rekey[size].get(key)
            cells.append(f"{entry['p50_ms'] / 1000:>16.2f}" if entry else f"{'-':>16}")
        lines.append(f"{label:<40}" + "".join(cells))
    lines.append(
        f"{'vault / plain database size (MiB)':<40}"
        + "".join(
            f"{str(rekey[s]['db_size_mib']) + ' / ' + str(rekey[s]['plain_size_mib']):>16}"
            for s in sizes
        )
    )
    ratios = []
    for size in sizes:
        base = rekey[size]["vacuum_into"]["p50_ms"]
        ratios.append(f"{rekey[size]['change']['p50_ms'] / base:>16.2f}" if base else f"{'-':>16}")
    lines.append(f"{'change ÷ plain VACUUM INTO':<40}" + "".join(ratios))
    return lines


def _meta(mode: str) -> dict[str, Any]:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    cipher_sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    conn.close()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    from tests.benchmarks.bench_backends import SQLITE_SCHEMA_NOTE

    return {
        "mode": mode,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlcipher_version": cipher,
        "sqlcipher_sqlite": cipher_sqlite,
        "stdlib_sqlite": sqlite3.sqlite_version,
        "schema_note": SQLITE_SCHEMA_NOTE.format(version=sqlite3.sqlite_version),
        "durability": "WAL, synchronous=FULL: every save is one fsync'd commit",
    }


def run(
    sizes: tuple[int, ...],
    quick: bool,
    workdir: Path | None = None,
    fast_kdf: bool = False,
    echo: bool = True,
    rekey_only: bool = False,
) -> dict[str, Any]:
    """Run every child, analyse, and return the report (also what is written as JSON)."""
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    mode = "quick" if quick else ("custom" if sizes not in (FULL_SIZES,) else "full")
    results: dict[str, dict[str, Any]] = {}
    rekey: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="vault-bench-", dir=workdir) as tmp:
        for size in sizes:
            if echo:
                print(f"… rekey at {size:,} records", file=sys.stderr, flush=True)
            runs = "3" if size <= 10_000 else "2"
            folder = str(Path(tmp) / f"rekey-{size}")
            rekey[str(size)] = _spawn(
                ["--child", "rekey", "--records", str(size), "--dir", folder, "--runs", runs]
            )
        if rekey_only:
            report: dict[str, Any] = {"meta": _meta(mode), "rekey": rekey, "unlock": None}
            report["meta"]["elapsed_s"] = round(time.perf_counter() - started, 1)
            report["meta"]["load_average_1min"] = {
                "start": round(load_start, 2),
                "end": round(os.getloadavg()[0], 2),
            }
            return report
        for size in sizes:
            if echo:
                print(f"… timing at {size:,} records", file=sys.stderr, flush=True)
            repeats = json.dumps(repeats_for(size, quick))
            folder = str(Path(tmp) / f"timing-{size}")
            timing = _spawn(
                ["--child", "timing", "--records", str(size), "--dir", folder, "--repeats", repeats]
            )
            for backend in BACKENDS:
                if echo:
                    print(f"… memory of {backend} at {size:,}", file=sys.stderr, flush=True)
                folder = str(Path(tmp) / f"memory-{size}")
                memory = _spawn(["--child", backend, "--records", str(size), "--dir", folder])
                timing[backend].update(memory)
            results[str(size)] = timing
        if echo:
            print("… unlock with the calibrated KDF", file=sys.stderr, flush=True)
        runs = "3" if quick or max(sizes) < 5_000 else "5"
        unlock_args = ["--child", "unlock", "--runs", runs, "--dir", str(Path(tmp) / "unlock")]
        unlock = _spawn([*unlock_args, *(["--fast-kdf"] if fast_kdf else [])])
    ratios = {
        size: {
            "vs_sqlite": overhead(by["sqlcipher"], by["sqlite"]),
            "vs_sqlcipher_unkeyed": overhead(by["sqlcipher"], by["sqlcipher-unkeyed"]),
        }
        for size, by in results.items()
    }
    largest = max(sizes)
    report = {
        "meta": _meta(mode),
        "results": results,
        "rekey": rekey,
        "unlock": unlock,
        "overhead": ratios,
        "aims": aims(
            results,
            largest,
            ratios[str(largest)]["vs_sqlite"],
            ratios[str(largest)]["vs_sqlcipher_unkeyed"],
        ),
    }
    report["meta"]["elapsed_s"] = round(time.perf_counter() - started, 1)
    report["meta"]["load_average_1min"] = {
        "start": round(load_start, 2),
        "end": round(os.getloadavg()[0], 2),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.vault_bench")
    parser.add_argument("--quick", action="store_true", help="10k records only (< 1 minute)")
    parser.add_argument("--records", type=int, help="one custom size instead (e.g. 500)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--dir", help="work folder (default: the system temp folder)")
    parser.add_argument("--fast-kdf", action="store_true", help="skip KDF calibration (tests)")
    parser.add_argument("--rekey-only", action="store_true", help="only the rekey measurements")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    if args.records:
        sizes: tuple[int, ...] = (args.records,)
    else:
        sizes = QUICK_SIZES if args.quick else FULL_SIZES
    report = run(
        sizes,
        args.quick,
        Path(args.dir) if args.dir else None,
        args.fast_kdf,
        rekey_only=args.rekey_only,
    )
    if args.rekey_only:
        load = report["meta"]["load_average_1min"]
        print("\n".join(render_rekey(report["rekey"])))
        print(f"load average {load['start']:.2f} at start, {load['end']:.2f} at end")
    else:
        print(render(report))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"JSON written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
