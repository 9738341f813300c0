"""The bundle benchmark (not a timed test): how big the self-contained bundle is, and how fast
the bundled desktop application shows its first window, against the installed package.

    python tests/benchmarks/bundle_bench.py [--dist DIR] [--runs 5] [--out bundle-bench.json]

1. The Linux installers: built with ``packaging/build.py`` into a temporary folder, or taken
   from ``--dist`` (a folder with the tarball and the .deb, as the build wrote them).
2. Size: the bundle folder as unpacked from the tarball (``app/``: the bytes of its files), the
   tarball (gzip) and the .deb (xz).
3. Start: spawn → the first mapped window named "Advisor Desktop" (``xdotool`` polled every
   20 ms on one Xvfb screen), on the unlock screen of the same vault, for the bundled
   ``advisor-desktop`` and for this environment's installed ``advisor-desktop``, alternating
   run by run so that a busy machine slows both alike. The first start of each is shown on its
   own (the files were just unpacked or installed, so it is the coldest start a test can make
   without dropping the machine's caches); the ratio compares the medians.

Aims: ≤ 150 MB unpacked, ≤ 70 MB compressed (the tarball), start ≤ 1.2× the installed package.
Prints a table (aim, measured, met) and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.packaging.bundle_tools import (
    WINDOW_NAME,
    build_outputs,
    clean_env,
    find_outputs,
    unpack,
)

MB = 1_000_000
AIMS = {"unpacked_mb": 150.0, "compressed_mb": 70.0, "start_ratio": 1.2}
PASSPHRASE = "bundle benchmark passphrase"


def folder_bytes(folder: Path) -> int:
    """The bytes of the files in ``folder`` (links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


class VirtualScreen:
    """One Xvfb display for every start."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=[write],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            self.display = f":{pipe.readline().strip()}"

    def close(self) -> None:
        """Stop the server."""
        self.process.terminate()
        self.process.wait(timeout=10)


def time_to_window(program: Path, args: list[str], env: dict[str, str], limit: float) -> float:
    """Seconds from spawning ``program`` to its first mapped window named WINDOW_NAME."""
    search = [
        shutil.which("xdotool") or "xdotool",
        "search",
        "--onlyvisible",
        "--name",
        WINDOW_NAME,
    ]
    started = time.perf_counter()
    app = subprocess.Popen(
        [str(program), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < limit:
            found = subprocess.run(search, env=env, capture_output=True, text=True, check=False)
            if found.returncode == 0 and found.stdout.strip():
                return time.perf_counter() - started
            if app.poll() is not None:
                raise RuntimeError(f"{program} ended ({app.returncode}) before a window")
            time.sleep(0.02)
        raise RuntimeError(f"{program}: no window within {limit:.0f} s")
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGTERM)
        app.wait(timeout=30)


def measure(dist: Path | None, runs: int, work: Path) -> dict[str, Any]:
    """Build or find the installers, then measure sizes and starts."""
    if dist is None:
        dist = work / "dist"
        dist.mkdir()
        outputs = build_outputs(dist, work / "build.log")
    else:
        found = find_outputs(dist)
        if found is None:
            raise SystemExit(f"{dist} holds no tarball and .deb (python packaging/build.py)")
        outputs = found
    release = unpack(outputs.tarball, work / "unpacked")
    bundled = release / "app" / "advisor-desktop"
    installed = Path(sys.executable).parent / "advisor-desktop"
    if not installed.exists():
        raise SystemExit(f"{installed} is missing: pip install -e . into this environment")

    home = work / "home"
    vault = work / "vault"
    env = clean_env(home)
    subprocess.run(
        [str(release / "app" / "advisor"), "init", "--data-dir", str(vault)],
        env={**env, "ADVISOR_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        check=True,
    )
    screen = VirtualScreen()
    times: dict[str, list[float]] = {"bundle": [], "installed": []}
    try:
        env = {**env, "DISPLAY": screen.display}
        for _ in range(runs):
            for name, program in (("bundle", bundled), ("installed", installed)):
                times[name].append(time_to_window(program, ["--data-dir", str(vault)], env, 120))
    finally:
        screen.close()

    start = {
        name: {
            "first_s": round(samples[0], 3),
            "median_s": round(statistics.median(samples), 3),
            "min_s": round(min(samples), 3),
            "runs": [round(s, 3) for s in samples],
        }
        for name, samples in times.items()
    }
    measured = {
        "unpacked_mb": round(folder_bytes(release / "app") / MB, 1),
        "compressed_mb": round(outputs.tarball.stat().st_size / MB, 1),
        "deb_mb": round(outputs.deb.stat().st_size / MB, 1),
        "bundle_start_s": start["bundle"]["median_s"],
        "installed_start_s": start["installed"]["median_s"],
        "bundle_first_start_s": start["bundle"]["first_s"],
        "installed_first_start_s": start["installed"]["first_s"],
        "start_ratio": round(start["bundle"]["median_s"] / start["installed"]["median_s"], 3),
        "first_start_ratio": round(start["bundle"]["first_s"] / start["installed"]["first_s"], 3),
    }
    return {
        "benchmark": "bundle",
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "tarball": outputs.tarball.name,
        "deb": outputs.deb.name,
        "build_s": round(outputs.build_seconds, 1),
        "runs": runs,
        "measured": measured,
        "start": start,
        "aims": AIMS,
        "aims_met": {key: measured[key] <= aim for key, aim in AIMS.items()},
    }


def print_table(doc: dict[str, Any]) -> None:
    """The results as a fixed-width table."""
    print(f"bundle benchmark — {doc['tarball']}, {doc['runs']} starts each, {doc['platform']}")
    print(f"{'measure':26} {'aim':>8} {'measured':>10}  met")
    for key, value in doc["measured"].items():
        aim = doc["aims"].get(key)
        met = ("yes" if doc["aims_met"][key] else "NO") if aim is not None else ""
        shown_aim = f"≤ {aim:g}" if aim is not None else ""
        print(f"{key:26} {shown_aim:>8} {value:>10}  {met}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write the JSON file."""
    parser = argparse.ArgumentParser(prog="python tests/benchmarks/bundle_bench.py")
    parser.add_argument("--dist", type=Path, help="installers built before (default: build now)")
    parser.add_argument("--runs", type=int, default=5, help="starts of each program")
    parser.add_argument("--out", type=Path, default=Path("bundle-bench.json"))
    args = parser.parse_args(argv)
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (packaging/system-packages.txt [test])")
    with tempfile.TemporaryDirectory(prefix="advisor-bundle-bench-") as tmp:
        doc = measure(args.dist, args.runs, Path(tmp))
    print_table(doc)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
