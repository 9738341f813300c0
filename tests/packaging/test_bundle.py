"""The self-contained Linux bundle, end to end (slow): ``python packaging/build.py`` builds the
tarball and the .deb once per run; then, as an advisor at a post would, the tarball is
installed per user, and the bundled programs run in a clean environment (no Python on PATH,
HOME and XDG folders in a temporary folder, no network through ``unshare -n`` where that is
permitted): selftest, a new vault, demo data, a search, a guide as PDF, the desk's keys, and the
desktop application's window on a virtual screen. The .deb is unpacked and registered by dpkg
in a temporary root (``dpkg --root``, so the test machine's own /usr stays untouched) and its
programs start from there.

Set ADVISOR_BUNDLE_DIST=DIR to test installers built before instead of building them, or
ADVISOR_BUNDLE_OUT=DIR to build them into DIR (CI then installs that .deb).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advisor_desktop import __version__
from tests.packaging.bundle_tools import (
    UNSHARE,
    Outputs,
    build_outputs,
    can_unshare_network,
    clean_env,
    start_under_xvfb,
    unpack,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux installers"),
]

PASSPHRASE = "bundle test passphrase, long enough"
PROGRAMS = ("advisor-desktop", "advisor", "advisor-desk")
NO_NETWORK = can_unshare_network()


def _tools_or_skip(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (packaging/system-packages.txt)")


@pytest.fixture(scope="session")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """The tarball and .deb, built once per test run."""
    _tools_or_skip("objdump", "dpkg-deb", "desktop-file-validate", "appstreamcli")
    # CI names the folder to build into (ADVISOR_BUNDLE_OUT) so that it can install the same
    # .deb for real with dpkg afterwards (.ci/deb-check); otherwise a temporary one.
    named = os.environ.get("ADVISOR_BUNDLE_OUT")
    dist = Path(named) if named else tmp_path_factory.mktemp("dist")
    built = build_outputs(dist, dist / "build.log")
    print(f"bundle built in {built.build_seconds:.0f} s: {built.tarball.name}, {built.deb.name}")
    return built


@pytest.fixture(scope="module")
def installed(outputs: Outputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tarball installed with its install.sh into a fresh HOME; yields that HOME."""
    base = tmp_path_factory.mktemp("user")
    release = unpack(outputs.tarball, base / "download")
    home = base / "home"
    home.mkdir()
    done = subprocess.run(
        ["sh", str(release / "install.sh")],
        env={"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def _run(home: Path, program: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """A bundled program, installed in ``home``, in the clean environment without network."""
    env = clean_env(home, **extra)
    assert shutil.which("python3", path=env["PATH"]) is None
    cmd = [str(home / ".local" / "bin" / program), *args]
    if NO_NETWORK:
        cmd = [UNSHARE, "-n", *cmd]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_tarball_carries_everything(outputs: Outputs, tmp_path: Path) -> None:
    release = unpack(outputs.tarball, tmp_path)
    internal = release / "app" / "_internal"
    package = internal / "advisor_desktop"
    assert (package / "VERSION").read_text().strip() == __version__
    notices = (package / "THIRD-PARTY-NOTICES.txt").read_text()
    for name in ("PySide6_Essentials", "sqlcipher3", "cryptography", "pyrage", "babel", "Python"):
        assert name in notices
    assert (release / "THIRD-PARTY-NOTICES.txt").read_text() == notices
    for lang in ("nl", "fr", "es", "ar", "ru", "zh_Hans"):
        assert (package / "locale" / lang / "LC_MESSAGES" / "advisor_desktop.mo").is_file()
    translations = internal / "PySide6" / "Qt" / "translations"
    for qt_lang in ("en", "nl", "fr", "es", "ar", "ru", "zh_CN"):
        assert (translations / f"qtbase_{qt_lang}.qm").is_file()
    assert (package / "resources" / "fonts" / "NotoNaskhArabic-Regular.ttf").is_file()
    assert (package / "resources" / "guides" / "en").is_dir()
    assert list((internal / "sqlcipher3").glob("_sqlite3*.so"))
    files = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    for left_out in ("Qml", "Quick", "WebEngine", "Multimedia", "3D", "plugins/tls", "geodata"):
        assert not [f for f in files if left_out in f], left_out
    for program in PROGRAMS:
        assert os.access(release / "app" / program, os.X_OK)
    # links from a relocated copy only: nothing points outside the bundle
    for link in (release / "app").rglob("*"):
        if link.is_symlink():
            assert link.resolve().is_relative_to(release.resolve()), link


def test_no_network_for_the_bundled_programs() -> None:
    if not NO_NETWORK:
        pytest.skip("unshare -n is not permitted here; the other checks ran with the network")


def test_the_programs_run_offline_without_python(installed: Path) -> None:
    home = installed
    for program in PROGRAMS:
        done = _run(home, program, "--version")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"{program} {__version__}"

    selftest = _run(home, "advisor", "selftest", QT_QPA_PLATFORM="offscreen")
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert "All checks passed." in selftest.stdout
    assert "SQLCipher 4" in selftest.stdout

    vault = home / "notebook"
    secret = {"ADVISOR_PASSPHRASE": PASSPHRASE}
    done = _run(home, "advisor", "init", "--data-dir", str(vault), **secret)
    assert done.returncode == 0, done.stderr
    done = _run(home, "advisor", "demo-data", "--count", "40", "--data-dir", str(vault), **secret)
    assert done.returncode == 0, done.stderr
    listed = json.loads(
        _run(home, "advisor", "list", "--json", "--data-dir", str(vault), **secret).stdout
    )
    assert len(listed) == 40
    found = _run(home, "advisor", "search", "visitor", "--json", "--data-dir", str(vault), **secret)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout), "the search found nothing in the demo data"

    pdf = home / "guide-ar.pdf"
    done = _run(home, "advisor", "guides", "pdf", "--lang", "ar", "--out", str(pdf))
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"

    desk = home / "desk"
    done = _run(
        home, "advisor-desk", "keygen", "--name", "Test desk", "--desk-dir", str(desk),
        ADVISOR_DESK_PASSPHRASE=PASSPHRASE,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_desktop_window_maps_offline(installed: Path, tmp_path: Path) -> None:
    _tools_or_skip("xvfb-run", "xdotool")
    home = installed
    check = start_under_xvfb(
        home / ".local" / "bin" / "advisor-desktop",
        ["--data-dir", str(home / "first-start")],
        clean_env(home),
        tmp_path / "app.log",
        network=not NO_NETWORK,
    )
    assert check.mapped, f"no window within the limit:\n{check.log[-3000:]}"
    assert "Advisor Desktop" in check.title


def test_the_menu_entry_and_uninstall(installed: Path, outputs: Outputs, tmp_path: Path) -> None:
    local = installed / ".local"
    desktop = local / "share" / "applications" / "org.advisordesktop.AdvisorDesktop.desktop"
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)
    assert f"Exec={local}/lib/advisor-desktop/advisor-desktop" in desktop.read_text()
    # a second HOME: install, keep a vault, uninstall
    release = unpack(outputs.tarball, tmp_path / "download")
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    subprocess.run(["sh", str(release / "install.sh")], env=env, check=True, capture_output=True)
    vault = home / "notebook"
    done = _run(home, "advisor", "init", "--data-dir", str(vault), ADVISOR_PASSPHRASE=PASSPHRASE)
    assert done.returncode == 0, done.stderr
    uninstall = home / ".local" / "lib" / "advisor-desktop" / "uninstall.sh"
    subprocess.run(["sh", str(uninstall)], env=env, check=True, capture_output=True)
    assert not (home / ".local" / "lib" / "advisor-desktop").exists()
    assert not (home / ".local" / "bin" / "advisor").exists()
    assert (vault / "vault.db").is_file()


def test_the_deb_installs_and_its_programs_start(outputs: Outputs, tmp_path: Path) -> None:
    """dpkg installs the package into a temporary root (``--root``: a real `dpkg -i` would
    change this machine's /usr); its dependencies are checked against this system with
    apt's simulation."""
    _tools_or_skip("dpkg", "dpkg-deb")
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(outputs.deb), "Package", "Version", "Depends"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Package: advisor-desktop" in fields
    assert f"Version: {__version__}" in fields
    assert "libc6 (>= " in fields
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(outputs.deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./usr/bin/advisor-desktop -> ../lib/advisor-desktop/advisor-desktop",
        "./usr/share/applications/org.advisordesktop.AdvisorDesktop.desktop",
        "./usr/share/metainfo/org.advisordesktop.AdvisorDesktop.metainfo.xml",
        "./usr/share/icons/hicolor/scalable/apps/org.advisordesktop.AdvisorDesktop.svg",
        "./usr/share/doc/advisor-desktop/copyright",
    ):
        assert path in contents, path
    assert " root/root " in contents

    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    for folder in (admin / "info", admin / "updates", admin / "triggers"):
        folder.mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    done = subprocess.run(
        ["dpkg", f"--root={root}", "--force-depends", "--force-not-root", "--log=/dev/null",
         "--install", str(outputs.deb)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    status = subprocess.run(
        ["dpkg", f"--root={root}", "--status", "advisor-desktop"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Status: install ok installed" in status

    home = tmp_path / "home"
    for program in PROGRAMS:
        cmd = [str(root / "usr" / "bin" / program), "--version"]
        done = subprocess.run(cmd, env=clean_env(home), capture_output=True, text=True, check=False)
        assert done.stdout.strip() == f"{program} {__version__}", done.stderr
    if shutil.which("xvfb-run") and shutil.which("xdotool"):
        check = start_under_xvfb(
            root / "usr" / "bin" / "advisor-desktop",
            ["--data-dir", str(home / "notebook")],
            clean_env(home),
            tmp_path / "app.log",
            network=not NO_NETWORK,
        )
        assert check.mapped, check.log[-3000:]

    if (
        os.geteuid() == 0
        and shutil.which("apt-get")
        and list(Path("/var/lib/apt/lists").glob("*Packages*"))
    ):
        simulated = subprocess.run(
            ["apt-get", "install", "--simulate", "--no-install-recommends", str(outputs.deb)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert simulated.returncode == 0, simulated.stdout + simulated.stderr
        assert "Inst advisor-desktop" in simulated.stdout
