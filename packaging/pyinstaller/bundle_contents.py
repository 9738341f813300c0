"""What goes into the bundle: the parts of Qt that are kept, and the notices of what is in it.

Imported by ``packaging/advisor-desktop.spec``, which PyInstaller runs in the build
environment's Python. PyInstaller's Qt hooks collect every plugin a used Qt module *might*
load, and every translation; this module keeps what the application uses and drops the rest
(with the libraries only the dropped parts needed), so the bundle stays small.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

#: Qt's own translations shipped: the UI languages (translations/), in Qt's spelling.
QT_LANGUAGES = ("en", "nl", "fr", "es", "ar", "ru", "zh_CN")

#: Qt plugins kept, by folder; a plugin's name without ``lib`` and the file extension.
#: Left out: tls (no TLS yet), networkinformation, sqldrivers, qml*/quick*, virtual keyboard,
#: eglfs/linuxfb/vnc/evdev (kiosk devices), native Wayland (XWayland runs xcb), the GTK 3
#: theme (it pulls all of GTK), image formats the UI does not show, and the rest of PySide6.
KEEP_PLUGINS: dict[str, set[str] | None] = {
    # xcb for X11 and, through XWayland, for every Wayland desktop (the native wayland plugin
    # and its shell and decoration plugins would add 1.5 MB for the same window); offscreen
    # for tests and the PDF export without a display; windows and cocoa on the other systems.
    "platforms": {"qxcb", "qoffscreen", "qwindows", "qcocoa"},
    # the desktop portal gives native file dialogs (also in sandboxes), through D-Bus only
    "platformthemes": {"qxdgdesktopportal"},
    # dead keys and compose sequences (accents), and IBus for Chinese, Arabic, Russian input
    "platforminputcontexts": {
        "composeplatforminputcontextplugin",
        "ibusplatforminputcontextplugin",
    },
    # SVG icons of the desktop's icon theme (file dialogs, standard buttons)
    "imageformats": {"qsvg"},
    "iconengines": {"qsvgicon"},
    # printing the visitor's guide (the PDF writer itself is part of QtGui)
    "printsupport": None,
    # native look on Windows and macOS
    "styles": {"qmodernwindowsstyle", "qwindowsvistastyle", "qmacstyle"},
}

#: Qt libraries never needed, whatever a hook collected (names without ``lib``/``Qt6``).
DROP_QT_LIBRARIES = re.compile(
    r"(Qml|Quick|VirtualKeyboard|Pdf|Lottie|Labs|Designer|Help|UiTools|Test|Sql|"
    r"EglFS|Wayland|WlShell|Concurrent|Xml|OpenGLWidgets)"
)

#: Libraries loaded with dlopen, which no NEEDED entry names: the Python library (by the
#: bootloader). (libdbus-1, which QtDBus loads so, is the system's: SYSTEM_LIBRARIES.)
DLOPENED = re.compile(r"^libpython\d")

#: System libraries left to the system, with what they pull in: the bundle uses the ones of
#: the machine it runs on (the .deb depends on their packages; every Linux desktop has them).
#: The C++ runtime must be at least as new as the system's GPU drivers need; fontconfig and
#: FreeType must read the system's font configuration; GLib, D-Bus and systemd talk to the
#: system's services; CUPS to the system's print server (printing also pulls GnuTLS and
#: Kerberos, 10 MB); Kerberos (QtNetwork's GSSAPI) must read the system's krb5.conf; Xlib,
#: xcb and libwayland-client are the display server's own. The xcb utility libraries that
#: Qt needs and desktops often lack (xcb-cursor, ...) stay bundled.
SYSTEM_LIBRARIES = re.compile(
    r"^(libstdc\+\+|libgcc_s|libfontconfig|libfreetype|lib(glib|gthread|gobject|gio)-2\.0|"
    r"libdbus-1|libsystemd|libcups|libX11|libX11-xcb|libxcb|libXau|libXdmcp|libz|"
    r"libwayland-(client|cursor|egl)|libgssapi_krb5|libkrb5|libk5crypto|libkrb5support|"
    r"libcom_err|libkeyutils)\.so"
)

_QT_PLUGIN = re.compile(r"(^|/)plugins/(?P<folder>[^/]+)/(?P<file>[^/]+)$")
_QT_TRANSLATION = re.compile(r"(^|/)translations/(?P<stem>[a-z_]+?)_(?P<lang>[a-zA-Z_]+)\.qm$")


def _plugin_name(file: str) -> str:
    stem = file.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_qt_plugin(dest: str) -> bool:
    """False for a Qt plugin the application does not use (``dest``: path in the bundle)."""
    match = _QT_PLUGIN.search(dest.replace("\\", "/"))
    if not match or "PySide6" not in dest:
        return True
    names = KEEP_PLUGINS.get(match.group("folder"), set())
    return names is None or _plugin_name(match.group("file")) in names


def keep_qt_library(dest: str) -> bool:
    """False for a Qt library of a module the application does not use."""
    base = PurePosixPath(dest.replace("\\", "/")).name
    match = re.match(r"(lib)?Qt6?(?P<module>[A-Za-z0-9]+)", base)
    if "PySide6" not in dest or not match:
        return True
    return not DROP_QT_LIBRARIES.match(match.group("module"))


def keep_qt_translation(dest: str) -> bool:
    """Only Qt's base translations, for the UI languages."""
    match = _QT_TRANSLATION.search(dest.replace("\\", "/"))
    if not match or "PySide6" not in dest:
        return True
    return match.group("stem") == "qtbase" and match.group("lang") in QT_LANGUAGES


def filter_toc(
    toc: Iterable[tuple[str, str, str]], *, libraries: bool = True
) -> list[tuple[str, str, str]]:
    """The entries of a PyInstaller TOC that the bundle keeps. ``libraries=False`` keeps
    every Qt library (macOS: a framework is a folder of binaries and data, kept whole)."""
    return [
        entry
        for entry in toc
        if keep_qt_plugin(entry[0])
        and keep_qt_translation(entry[0])
        and (not libraries or keep_qt_library(entry[0]))
    ]


def prune_unreachable(
    binaries: list[tuple[str, str, str]], imports_of: object
) -> list[tuple[str, str, str]]:
    """Drop shared libraries that nothing kept links to any more (Linux).

    Roots are the Python extension modules, the kept Qt plugins and every library that a
    Python package ships outside Qt (found by ctypes or a hook); Qt's libraries and the
    system libraries PyInstaller pulled in stay only while a root still needs them.
    ``imports_of(path)`` returns the names a binary links to (PyInstaller's bindepend).
    """
    by_name = {
        PurePosixPath(dest).name: (dest, src, kind)
        for dest, src, kind in binaries
        if kind != "SYMLINK" and not SYSTEM_LIBRARIES.match(PurePosixPath(dest).name)
    }

    def is_root(dest: str, src: str, kind: str) -> bool:
        if kind == "EXTENSION" or "/plugins/" in dest or DLOPENED.match(PurePosixPath(dest).name):
            return True
        in_qt = dest.startswith(("PySide6/", "shiboken6/"))
        return not in_qt and "site-packages" in src

    keep: set[str] = set()
    todo = [name for name, entry in by_name.items() if is_root(*entry)]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        for linked in imports_of(by_name[name][1]):  # type: ignore[operator]
            base = PurePosixPath(linked).name
            if base in by_name and base not in keep:
                todo.append(base)
    kept = [e for e in binaries if e[2] != "SYMLINK" and PurePosixPath(e[0]).name in keep]
    return kept + drop_dangling_links(binaries, kept)


def drop_dangling_links(
    toc: list[tuple[str, str, str]], kept: list[tuple[str, str, str]]
) -> list[tuple[str, str, str]]:
    """The SYMLINK entries of ``toc`` whose target is among ``kept`` (PyInstaller links
    Qt's libraries into the top folder; a link to a dropped library would dangle)."""
    dests = {PurePosixPath(dest).as_posix() for dest, _src, _kind in kept}
    links = []
    for dest, target, kind in toc:
        if kind != "SYMLINK":
            continue
        resolved = os.path.normpath(os.path.join(os.path.dirname(dest), target)).replace("\\", "/")
        if resolved in dests:
            links.append((dest, target, kind))
    return links


def bundled_distributions(modules: Iterable[str], files: Iterable[str]) -> list[str]:
    """The distributions whose modules or files are in the bundle, from their top-level
    names (``importlib.metadata.packages_distributions``)."""
    import importlib.metadata

    owners = importlib.metadata.packages_distributions()
    tops = {m.split(".")[0] for m in modules}
    tops |= {PurePosixPath(f.replace("\\", "/")).parts[0] for f in files}
    found = {dist for top in tops for dist in owners.get(top, [])}
    # the build's own tools never run in the bundle
    found -= {"pyinstaller", "pyinstaller-hooks-contrib", "altgraph", "pip", "setuptools"}
    return sorted(found, key=str.lower)


def python_licence() -> tuple[str, str] | None:
    """The section for the Python runtime the bundle embeds (its LICENSE.txt)."""
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for candidate in (stdlib / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt"):
        if candidate.is_file():
            heading = f"Python {sys.version.split()[0]} (the interpreter and standard library)"
            return heading, candidate.read_text(encoding="utf-8", errors="replace")
    return None


def debian_library_sections(sources: Iterable[str]) -> list[tuple[str, str]]:
    """Sections for system libraries copied from a Debian system: each library's package
    and its copyright file (``/usr/share/doc/PKG/copyright``). Empty elsewhere."""
    paths = sorted({os.path.realpath(s) for s in sources if s.startswith(("/usr/", "/lib"))})
    if not paths or not Path("/usr/bin/dpkg").exists():
        return []
    owners: dict[str, set[str]] = {}
    for path in paths:
        names = {path, path.removeprefix("/usr"), f"/usr{path}"}
        result = subprocess.run(
            ["dpkg", "-S", *sorted(names)], capture_output=True, text=True, check=False
        )
        for line in result.stdout.splitlines():
            package, _sep, _file = line.partition(": ")
            owners.setdefault(package.split(":")[0], set()).add(Path(path).name)
    sections = []
    for package in sorted(owners):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        text = (
            copyright_file.read_text(encoding="utf-8", errors="replace")
            if copyright_file.is_file()
            else "(no copyright file found)"
        )
        files = ", ".join(sorted(owners[package]))
        sections.append((f"{package} (Debian package; {files})", text))
    return sections


def babel_locales(tags: Iterable[str]) -> set[str]:
    """The Babel locale files the languages ``tags`` need: each one, its parents, ``root``."""
    from babel.core import get_global

    exceptions = get_global("parent_exceptions")
    needed = {"root"}
    for tag in tags:
        name = tag.replace("-", "_")
        while name and name != "root":
            needed.add(name)
            parts = name.split("_")
            name = exceptions.get(name) or ("_".join(parts[:-1]) if len(parts) > 1 else "root")
    return needed


def keep_babel_data(dest: str, locales: set[str]) -> bool:
    """Only the CLDR locale files of the product's languages (Babel ships 1,000, 30 MB)."""
    path = PurePosixPath(dest.replace("\\", "/"))
    if path.parent.as_posix() != "babel/locale-data" or path.suffix != ".dat":
        return True
    return path.stem in locales


def strip_binaries(
    binaries: list[tuple[str, str, str]], folder: Path
) -> list[tuple[str, str, str]]:
    """Copies without symbols of the libraries (Linux: ``strip --strip-unneeded``).

    Python's extension modules, SQLCipher and Qt's ICU come with their symbol tables (the
    SQLCipher module shrinks from 21 to 8 MB). Qt's plugins are left as they are: Qt reads
    their metadata section (which strip keeps, but nothing is gained: they are stripped).
    """
    import shutil

    strip = shutil.which("strip")
    if strip is None:
        return binaries
    out = []
    for dest, src, kind in binaries:
        if kind in {"BINARY", "EXTENSION"} and "/plugins/" not in dest:
            target = folder / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [strip, "--strip-unneeded", "-o", str(target), src],
                capture_output=True,
                check=False,
            )
            if done.returncode == 0:
                out.append((dest, str(target), kind))
                continue
        out.append((dest, src, kind))
    return out


def needed_libraries(path: str) -> list[str]:
    """The libraries an ELF file links to directly (its NEEDED entries; ``ldd`` would list
    the whole closure, through libraries the bundle leaves to the system)."""
    out = subprocess.run(["objdump", "-p", path], capture_output=True, text=True, check=False)
    return re.findall(r"^\s*NEEDED\s+(\S+)", out.stdout, re.MULTILINE)


def keep_metadata_file(dest: str) -> bool:
    """Of a distribution's metadata, only what the programs read: METADATA (the versions
    ``advisor selftest`` prints) and the licence files (also in the notices)."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if len(parts) < 2 or not parts[0].endswith(".dist-info"):
        return True
    return parts[1] in {"METADATA", "licenses"} or bool(_LICENCE_FILE.match(parts[1]))


_LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
