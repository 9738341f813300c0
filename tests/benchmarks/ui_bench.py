"""Desktop UI benchmark (not a timed test): start-up, unlock and event-loop stalls.

    python tests/benchmarks/ui_bench.py [--records 100000] [--runs 5] [--quick] [--busy N]
                                        [--json FILE]

Measures, offscreen:

1. process start → unlock window shown, against a bare PySide6 "hello window" started the
   same way (``python -c …`` in a fresh process); reported as a ratio (aim ≤ 1.3×);
2. unlock → the notebook's first rows on a vault of ``--records`` records (aim ≤ 0.8 s), with
   the key derivation (Argon2id at the vault's calibrated cost) and the vault open reported
   separately;
3. the longest event-loop stall (a 5 ms heartbeat timer) during the unlock — from pressing
   Unlock until the window has settled: first rows shown, every delayed background load
   (retention, follow-ups) done, at least ``SETTLE_S`` after the first rows — and during
   search-as-you-type on that vault (aim ≤ 50 ms; ≤ 150 ms with both cores busy).

Each unlock runs in a fresh process, as the advisor's does, ``--runs`` times; the table shows
the medians and, for the stalls, also the worst run. ``--quick`` is for iterating (20,000
records, 2 runs). ``--busy N`` keeps N other processes spinning on the CPU for the whole run
(the loaded figures); they are ended afterwards. Prints a table and writes JSON (``--json``;
``*-bench.json`` is git-ignored). The vault is built once and kept in ``--vault-dir``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "benchmark passphrase for the ui"
# The unlock stall is measured until this long after the first rows (and no work pending), so
# that the loads the pages start a moment after unlock are inside the measurement.
SETTLE_S = 1.0
BUSY = "while True: pass"
BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow(); w.setCentralWidget(QLabel("Hello")); w.resize(1280, 720); w.show()
QTimer.singleShot(0, lambda: (print("SHOWN", time.time(), flush=True), app.quit()))
app.exec()
"""
APP = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from advisor_desktop.ui.shell.start import main
def shown(_window):
    QTimer.singleShot(0, lambda: (print("SHOWN", time.time(), flush=True),
                                  QApplication.instance().quit()))
sys.exit(main(["--data-dir", sys.argv[1]], on_first_window=shown))
"""


def build_vault(folder: Path, records: int) -> float:
    """Create the benchmark vault (real, calibrated KDF) unless present; returns build time."""
    from advisor_desktop.crypto.keyslots import KdfPolicy
    from advisor_desktop.notebook.demo import demo_records
    from advisor_desktop.notebook.service import Notebook
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.protocol.profile import load_profile
    from advisor_desktop.storage.meta import store_profile
    from advisor_desktop.storage.store import create_vault, vault_exists

    paths = resolve_paths(folder)
    marker = folder / f"records-{records}"
    if vault_exists(paths) and marker.exists():
        return 0.0
    start = time.perf_counter()
    for leftover in folder.glob("vault.*"):
        leftover.unlink()
    vault, _code = create_vault(paths, bytearray(PASSPHRASE.encode()), KdfPolicy())
    profile = load_profile()
    store_profile(vault, profile)
    notebook = Notebook(vault, profile)
    batch = demo_records(profile, records, seed=7)
    for i in range(0, len(batch), 5000):
        notebook.add_many(batch[i : i + 5000])
    vault.close()
    marker.touch()
    return time.perf_counter() - start


def compile_package() -> None:
    """Write the package's bytecode, as ``pip install`` does for an installed application (and
    as PySide6's own is, in site-packages): otherwise an editable checkout, or an environment
    with PYTHONDONTWRITEBYTECODE set, compiles every module from source at each start and the
    ratio measures the compiler, not the application."""
    import compileall

    import advisor_desktop

    compileall.compile_dir(Path(advisor_desktop.__file__).parent, quiet=1)


def time_start(code: str, args: list[str], runs: int) -> list[float]:
    """Seconds from spawning ``python -c code`` to its "SHOWN <time>" line."""
    times: list[float] = []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(runs):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("SHOWN"))
        times.append(float(line.split()[1]) - started)
    return times


class Heartbeat:
    """A 5 ms timer; the longest gap between ticks is the longest event-loop stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.longest = max(self.longest, now - self.last - 0.005)
        self.last = now

    def start(self) -> None:
        """Begin a measurement."""
        self.last = 0.0
        self.longest = 0.0
        self.timer.start()

    def stop(self) -> float:
        """End it; returns the longest stall in seconds."""
        self.timer.stop()
        return max(self.longest, 0.0)


def unlock_runs(folder: Path, query: str, runs: int) -> dict[str, float]:
    """:func:`in_process` in ``runs`` fresh processes: medians, and the worst stalls."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    results: list[dict[str, float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--unlock-child", str(folder), "--query", query],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=300,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    summary = {key: statistics.median(r[key] for r in results) for key in results[0]}
    for key in ("longest_stall_unlock_ms", "longest_stall_search_ms"):
        summary[key.replace("_ms", "_worst_ms")] = max(r[key] for r in results)
    return summary


def in_process(folder: Path, query: str) -> dict[str, float]:
    """Unlock → notebook, KDF and open separately, and stalls during unlock and search."""
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from advisor_desktop.crypto.keyslots import derive_key
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.storage.store import open_vault
    from advisor_desktop.ui.shell.application import DesktopApp, UnlockWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    paths = resolve_paths(folder)

    def wait_for(condition: object, limit_ms: int = 60_000) -> None:
        deadline = QDeadlineTimer(limit_ms)
        while not condition() and not deadline.hasExpired():  # type: ignore[operator]
            QCoreApplication.processEvents()
            time.sleep(0.001)

    vault = open_vault(paths, bytearray(PASSPHRASE.encode()))
    slot = vault.slot_file.slot("passphrase")
    vault.close()
    start = time.perf_counter()
    derive_key(bytearray(PASSPHRASE.encode()), slot.salt, slot.kdf)
    kdf = time.perf_counter() - start
    start = time.perf_counter()
    open_vault(paths, bytearray(PASSPHRASE.encode())).close()
    open_total = time.perf_counter() - start

    desktop = DesktopApp(paths, "en")
    window = desktop.start()
    assert isinstance(window, UnlockWindow)
    wait_for(lambda: window.isVisible())
    beat = Heartbeat()
    beat.start()
    window.form.passphrase.setText(PASSPHRASE)
    start = time.perf_counter()
    window.form.submit_passphrase()
    wait_for(lambda: desktop.main is not None and desktop.main.isVisible())
    main = desktop.main
    assert main is not None
    page = main.notebook.widget()
    wait_for(lambda: page.model.rowCount() > 0)
    unlock_to_notebook = time.perf_counter() - start
    rows_at = time.perf_counter()
    wait_for(lambda: time.perf_counter() - rows_at >= SETTLE_S and not desktop.runner.busy)
    unlock_stall = beat.stop()

    box = page.search_box
    box.setFocus()
    got: list[str] = []
    page.search.results.connect(lambda q, _h: got.append(q))
    beat.start()
    start = time.perf_counter()
    chars = list(query)

    def type_next() -> None:
        if chars:
            QTest.keyClick(box, chars.pop(0))
            QTimer.singleShot(120, type_next)

    type_next()
    wait_for(lambda: not chars and got and got[-1] == query.strip())
    typing_to_results = time.perf_counter() - start
    search_stall = beat.stop()
    main.close()
    desktop.runner.wait()
    app.processEvents()
    return {
        "kdf_s": kdf,
        "open_vault_s": open_total,
        "unlock_to_first_rows_s": unlock_to_notebook,
        "unlock_ui_overhead_s": unlock_to_notebook - open_total,
        "longest_stall_unlock_ms": unlock_stall * 1000,
        "search_typing_total_s": typing_to_results,
        "longest_stall_search_ms": search_stall * 1000,
    }


@contextlib.contextmanager
def busy_cpus(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPU while the block runs; ended afterwards."""
    spinners = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=None, help="default 100000")
    parser.add_argument("--runs", type=int, default=None, help="default 5")
    parser.add_argument("--quick", action="store_true", help="20000 records, 2 runs")
    parser.add_argument("--busy", type=int, default=0, metavar="N", help="N spinning processes")
    parser.add_argument("--query", default="visitor meeting")
    parser.add_argument(
        "--vault-dir",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "advisor-ui-bench",
    )
    parser.add_argument("--json", type=Path, default=Path("ui-bench.json"))
    parser.add_argument("--unlock-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.unlock_child is not None:
        print("RESULT " + json.dumps(in_process(args.unlock_child, args.query)), flush=True)
        return 0
    records = args.records or (20_000 if args.quick else 100_000)
    runs = args.runs or (2 if args.quick else 5)
    folder: Path = args.vault_dir.expanduser().resolve() / str(records)
    folder.mkdir(parents=True, exist_ok=True)
    built = build_vault(folder, records)
    with busy_cpus(args.busy):
        compile_package()
        bare = time_start(BARE, [], runs)
        ours = time_start(APP, [str(folder)], runs)
        result: dict[str, float | int] = {
            "records": records,
            "busy_processes": args.busy,
            "vault_build_s": built,
            "bare_window_start_s": statistics.median(bare),
            "unlock_window_start_s": statistics.median(ours),
        }
        result["start_ratio"] = result["unlock_window_start_s"] / result["bare_window_start_s"]
        result.update(unlock_runs(folder, args.query, runs))
    stall_aim = 150 if args.busy else 50
    aims = {
        "start_ratio": 1.3,
        "unlock_to_first_rows_s": 0.8,
        "longest_stall_unlock_ms": stall_aim,
        "longest_stall_unlock_worst_ms": stall_aim,
        "longest_stall_search_ms": stall_aim,
        "longest_stall_search_worst_ms": stall_aim,
    }
    print(f"{'measure':34} {'value':>12}  aim")
    for key, value in result.items():
        aim = aims.get(key)
        shown = f"{value:12.3f}" if isinstance(value, float) else f"{value:12d}"
        print(f"{key:34} {shown}  {'≤ ' + str(aim) if aim else ''}")
    args.json.write_text(json.dumps(result, indent=2))
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
