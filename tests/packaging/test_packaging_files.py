"""The installers' parts that need no bundle: what the spec keeps of Qt, the icons, the Linux
desktop metadata, the per-user install scripts, and the Windows installer script (compiled
with Debian's makensis over a dummy payload)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.packaging.bundle_tools import ROOT, load_packaging_module

build = load_packaging_module("build", ROOT / "packaging" / "build.py")
contents = load_packaging_module(
    "bundle_contents", ROOT / "packaging" / "pyinstaller" / "bundle_contents.py"
)
APP_ID = build.APP_ID


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),  # XWayland runs xcb
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
    ],
)
def test_only_the_qt_plugins_the_application_uses_are_kept(dest: str, kept: bool) -> None:
    assert contents.keep_qt_plugin(dest) is kept


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6PrintSupport.so.6", True),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/lib/libQt6QuickControls2.so.6", False),
        ("PySide6/Qt6Pdf.dll", False),
        ("PySide6/Qt6Core.dll", True),
        ("PySide6/opengl32sw.dll", True),  # Qt's software OpenGL for machines without a GPU
        ("libxcb-cursor.so.0", True),
    ],
)
def test_qt_libraries_of_unused_modules_are_dropped(dest: str, kept: bool) -> None:
    assert contents.keep_qt_library(dest) is kept


def test_qt_translations_only_for_the_ui_languages() -> None:
    keep = contents.keep_qt_translation
    assert keep("PySide6/Qt/translations/qtbase_zh_CN.qm")
    assert keep("PySide6/Qt/translations/qtbase_ar.qm")
    assert not keep("PySide6/Qt/translations/qtbase_de.qm")
    assert not keep("PySide6/Qt/translations/qtdeclarative_fr.qm")
    assert not keep("PySide6/Qt/translations/qt_help_fr.qm")


def test_pruning_keeps_what_roots_link_and_leaves_system_libraries_out() -> None:
    toc = [
        ("PySide6/QtGui.abi3.so", "/sp/site-packages/PySide6/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/sp/site-packages/PySide6/Qt/lib/g", "BINARY"),
        ("PySide6/Qt/lib/libQt6Qml.so.6", "/sp/site-packages/PySide6/Qt/lib/q", "BINARY"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("libQt6Qml.so.6", "PySide6/Qt/lib/libQt6Qml.so.6", "SYMLINK"),
        ("libpython3.11.so.1.0", "/usr/lib/libpython3.11.so.1.0", "BINARY"),
        ("libstdc++.so.6", "/usr/lib/libstdc++.so.6", "BINARY"),
        ("libpng16.so.16", "/usr/lib/libpng16.so.16", "BINARY"),
    ]
    links = {
        "/sp/site-packages/PySide6/QtGui.abi3.so": ["libQt6Gui.so.6", "libstdc++.so.6"],
        "/sp/site-packages/PySide6/Qt/lib/g": ["libstdc++.so.6"],
    }
    kept = contents.prune_unreachable(toc, lambda path: links.get(path, []))
    names = {dest for dest, _src, _kind in kept}
    assert names == {
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libQt6Gui.so.6",  # the link to a kept library stays
        "libpython3.11.so.1.0",  # the bootloader loads it
    }


def test_babel_keeps_each_language_with_its_parents() -> None:
    locales = contents.babel_locales(["zh-Hans", "pt", "en"])
    assert {"zh_Hans", "zh", "pt", "en", "root"} <= locales
    assert contents.keep_babel_data("babel/locale-data/zh_Hans.dat", locales)
    assert not contents.keep_babel_data("babel/locale-data/de.dat", locales)
    assert contents.keep_babel_data("babel/global.dat", locales)


def test_version_numbers_for_windows() -> None:
    assert build.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert build.version_tuple("1.2.3rc4+local.5") == (1, 2, 3, 4)


def _pngs(tmp_path: Path) -> dict[int, Path]:
    pngs = {}
    for size in build.ICON_SIZES:
        path = tmp_path / f"{size}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([size % 256]) * size)
        pngs[size] = path
    return pngs


def test_icon_files_hold_every_size(tmp_path: Path) -> None:
    pngs = _pngs(tmp_path)
    build.write_ico(pngs, tmp_path / "a.ico")
    ico = (tmp_path / "a.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len([s for s in pngs if s <= 256]))
    width, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack("<BBBBHHII", ico[6:22])
    assert width == 16
    assert ico[offset : offset + length] == pngs[16].read_bytes()
    build.write_icns(pngs, tmp_path / "a.icns")
    icns = (tmp_path / "a.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic09" in icns  # 512 px


def test_the_icon_is_a_valid_svg_that_renders(tmp_path: Path) -> None:
    import sys

    pngs = build.render_icons(Path(sys.executable), tmp_path, (16, 64))
    for size, path in pngs.items():
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_desktop_file_and_metainfo_validate(tmp_path: Path) -> None:
    if not (shutil.which("desktop-file-validate") and shutil.which("appstreamcli")):
        pytest.skip("desktop-file-utils and appstream are not installed")
    build.desktop_integration(tmp_path, _pngs(tmp_path), "1.2.3", "2026-01-02")
    build.validate_linux_metadata(tmp_path)  # raises on an error
    metainfo = (tmp_path / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").read_text()
    assert '<release version="1.2.3" date="2026-01-02"/>' in metainfo
    assert (tmp_path / "share/icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    assert (tmp_path / "share/icons/hicolor/512x512/apps" / f"{APP_ID}.png").is_file()


def _fake_release(tmp_path: Path) -> Path:
    """A tarball's folder with a dummy bundle: shell scripts standing in for the programs."""
    release = tmp_path / "release"
    app = release / "app"
    (app / "_internal" / "advisor_desktop").mkdir(parents=True)
    (app / "_internal" / "advisor_desktop" / "VERSION").write_text("1.2.3\n")
    for program in build.PROGRAMS:
        (app / program).write_text(f"#!/bin/sh\necho {program} 1.2.3\n")
        (app / program).chmod(0o755)
    build.desktop_integration(release, _pngs(tmp_path), "1.2.3", "2026-01-02")
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy(ROOT / "packaging" / "linux" / script, release / script)
    (release / "THIRD-PARTY-NOTICES.txt").write_text("notices\n")
    return release


def _sh(*argv: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    return subprocess.run(
        ["sh", *map(str, argv)], env=env, capture_output=True, text=True, check=False
    )


def test_install_per_user_then_uninstall_keeps_the_notebook(tmp_path: Path) -> None:
    release = _fake_release(tmp_path)
    home = tmp_path / "home"
    vault = home / ".local" / "share" / "AdvisorDesktop"
    vault.mkdir(parents=True)
    (vault / "vault.db").write_text("the notebook")
    done = _sh(release / "install.sh", home=home)
    assert done.returncode == 0, done.stderr
    local = home / ".local"
    for program in build.PROGRAMS:
        link = local / "bin" / program
        assert link.is_symlink()
        ran = subprocess.run([str(link)], capture_output=True, text=True, check=True)
        assert ran.stdout.strip() == f"{program} 1.2.3"
    desktop = (local / "share" / "applications" / f"{APP_ID}.desktop").read_text()
    assert f"Exec={local}/lib/advisor-desktop/advisor-desktop\n" in desktop
    assert (local / "share/icons/hicolor/48x48/apps" / f"{APP_ID}.png").is_file()
    # a second install is an upgrade
    assert _sh(release / "install.sh", home=home).returncode == 0
    done = _sh(local / "lib" / "advisor-desktop" / "uninstall.sh", home=home)
    assert done.returncode == 0, done.stderr
    assert not (local / "lib" / "advisor-desktop").exists()
    assert not any((local / "bin").iterdir())
    assert not (local / "share" / "applications" / f"{APP_ID}.desktop").exists()
    assert not (local / "share" / "icons" / "hicolor" / "48x48").exists()
    assert (vault / "vault.db").read_text() == "the notebook"


def test_install_refuses_to_replace_a_program_that_is_not_ours(tmp_path: Path) -> None:
    release = _fake_release(tmp_path)
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "advisor").write_text("someone else's")
    done = _sh(release / "install.sh", home=home)
    assert done.returncode == 1
    assert "is not ours" in done.stderr
    assert (home / ".local" / "bin" / "advisor").read_text() == "someone else's"
    assert not (home / ".local" / "lib").exists()


def test_install_into_another_prefix(tmp_path: Path) -> None:
    release = _fake_release(tmp_path)
    prefix = tmp_path / "opt"
    done = _sh(release / "install.sh", "--prefix", prefix, home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert (prefix / "bin" / "advisor-desk").is_symlink()
    assert (
        _sh(
            prefix / "lib/advisor-desktop/uninstall.sh", "--prefix", prefix, home=tmp_path
        ).returncode
        == 0
    )
    assert not (prefix / "bin" / "advisor-desk").exists()


def test_the_windows_installer_script_compiles(tmp_path: Path) -> None:
    """Debian's makensis compiles the per-user installer over a dummy bundle (-WX: a warning
    fails the build), with its version information and uninstaller."""
    if shutil.which("makensis") is None:
        pytest.skip("makensis (Debian package nsis) is not installed")
    payload = tmp_path / "advisor-desktop"
    (payload / "_internal").mkdir(parents=True)
    for program in build.PROGRAMS:
        (payload / f"{program}.exe").write_bytes(b"MZ dummy")
    (payload / "_internal" / "data.txt").write_text("x")
    (payload / "THIRD-PARTY-NOTICES.txt").write_text("notices")
    pngs = _pngs(tmp_path)
    build.write_ico(pngs, tmp_path / "icon.ico")
    setup = tmp_path / "advisor-desktop-1.2.3-windows-x64-setup.exe"
    defines = {
        "VERSION": "1.2.3",
        "VERSION4": "1.2.3.0",
        "SOURCE": payload,
        "OUTFILE": setup,
        "ICON": tmp_path / "icon.ico",
    }
    done = subprocess.run(
        ["makensis", "-V2", "-WX", *[f"-D{k}={v}" for k, v in defines.items()],
         str(ROOT / "packaging" / "windows" / "advisor-desktop.nsi")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    blob = setup.read_bytes()
    assert blob[:2] == b"MZ"
    assert "1.2.3".encode("utf-16-le") in blob  # the version resource
    assert b"Nullsoft" in blob
