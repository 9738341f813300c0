"""Helpers shared by the bundle test and the bundle benchmark: building the installers once,
a clean environment for the bundled programs, and waiting for a mapped window under Xvfb."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
#: Reuse installers built earlier (a folder with the tarball and the .deb) instead of building.
REUSE_ENV = "ADVISOR_BUNDLE_DIST"
#: The build's work folder (its build environment and PyInstaller's cache); default build/bundle.
WORK_ENV = "ADVISOR_BUNDLE_WORK"
WINDOW_NAME = "Advisor Desktop"
#: ``unshare`` by its full path: the clean environment's PATH finds nothing.
UNSHARE = shutil.which("unshare") or "unshare"


def load_packaging_module(name: str, path: Path) -> ModuleType:
    """A module of packaging/ (not a package), by its path."""
    spec = importlib.util.spec_from_file_location(f"advisor_packaging_{name}", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Outputs:
    """What packaging/build.py wrote for Linux."""

    tarball: Path
    deb: Path
    build_seconds: float


def find_outputs(dist: Path) -> Outputs | None:
    """The tarball and .deb in ``dist``, if both are there."""
    tarballs = sorted(dist.glob("advisor-desktop-*-linux-*.tar.gz"))
    debs = sorted(dist.glob("advisor-desktop_*.deb"))
    if not tarballs or not debs:
        return None
    return Outputs(tarballs[-1], debs[-1], 0.0)


def build_outputs(dist: Path, log: Path) -> Outputs:
    """Run ``python packaging/build.py --dist DIST`` (with this interpreter); its output in
    ``log``. The build environment and PyInstaller's cache stay in the work folder."""
    reuse = os.environ.get(REUSE_ENV)
    if reuse:
        found = find_outputs(Path(reuse))
        if found is None:
            raise RuntimeError(f"{REUSE_ENV}={reuse} holds no tarball and .deb")
        return found
    cmd = [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist)]
    if os.environ.get(WORK_ENV):
        cmd += ["--work", os.environ[WORK_ENV]]
    env = dict(os.environ)
    # the real pip cache, not a test's empty HOME: the build environment installs from it
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=1800, check=False
        )
    if done.returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-40:])
        raise RuntimeError(f"packaging/build.py failed ({done.returncode}):\n{tail}")
    found = find_outputs(dist)
    if found is None:
        raise RuntimeError(f"packaging/build.py wrote no tarball and .deb into {dist}")
    return Outputs(found.tarball, found.deb, time.monotonic() - started)


def unpack(tarball: Path, into: Path) -> Path:
    """The tarball unpacked into ``into``; returns its top folder."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        top = archive.getnames()[0].split("/")[0]
        archive.extractall(into, filter="tar")
    return into / top


def can_unshare_network() -> bool:
    """True when ``unshare -n`` (a process without network) is permitted here."""
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run([UNSHARE, "-n", "true"], capture_output=True, check=False)
    return done.returncode == 0


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with nothing from this one: HOME and XDG folders in ``home``, a PATH
    with no Python (an empty folder), a UTF-8 locale."""
    empty = home / ".empty-path"
    for folder in (home, empty, home / ".local/share", home / ".config", home / ".cache"):
        folder.mkdir(parents=True, exist_ok=True)
    runtime = home / ".runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "PATH": str(empty),
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


@dataclass(frozen=True)
class WindowCheck:
    """How a start under Xvfb went."""

    mapped: bool
    title: str
    seconds: float
    log: str


# Runs under xvfb-run: start the program with exactly the given environment (env -i), then
# wait for a visible window named "Advisor Desktop" (bounded by `timeout`), then stop it.
_UNDER_XVFB = r"""
limit=$1; out=$2; shift 2
env -i DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" "$@" >"$out" 2>&1 &
app=$!
start=$(date +%s%N)
window=$(timeout "$limit" xdotool search --sync --onlyvisible --name "$WINDOW_NAME" | head -n 1)
end=$(date +%s%N)
if [ -n "$window" ]; then
    echo "MAPPED $(( (end - start) / 1000000 )) $(xdotool getwindowname "$window")"
else
    echo "NOWINDOW $(( (end - start) / 1000000 ))"
fi
kill "$app" 2>/dev/null; wait "$app" 2>/dev/null
exit 0
"""


def start_under_xvfb(
    program: Path,
    args: list[str],
    env: dict[str, str],
    log: Path,
    *,
    limit: int = 90,
    network: bool = True,
) -> WindowCheck:
    """Start ``program`` on a fresh virtual screen with ``env`` only (and no network unless
    ``network``), and wait until it maps its window."""
    inner = [UNSHARE, "-n"] if not network else []
    assignments = [f"{k}={v}" for k, v in env.items()]
    cmd = [
        "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
        "sh", "-c", _UNDER_XVFB, "under-xvfb", str(limit), str(log),
        *inner, "env", *assignments, str(program), *args,
    ]  # fmt: skip
    outer_env = {**os.environ, "WINDOW_NAME": WINDOW_NAME}
    outer_env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        cmd, capture_output=True, text=True, env=outer_env, timeout=limit + 60, check=False
    )
    words = (done.stdout.strip().splitlines() or ["NOWINDOW 0"])[-1].split(" ", 2)
    app_log = log.read_text(errors="replace") if log.exists() else ""
    return WindowCheck(
        mapped=words[0] == "MAPPED",
        title=words[2] if len(words) > 2 else "",
        seconds=int(words[1]) / 1000 if words[1].isdigit() else 0.0,
        log=app_log + done.stderr,
    )
