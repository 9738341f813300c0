"""Build the self-contained bundle and installers of Advisor Desktop for this operating system.

    python packaging/build.py [--dist DIR] [--work DIR] [--no-env] [--bundle-only]

One command, into ``dist/``:

- Linux: ``advisor-desktop-VERSION-linux-ARCH.tar.gz`` (runs from where it is unpacked, or
  ``./install.sh`` installs it per user into ``~/.local``) and ``advisor-desktop_VERSION_ARCH.deb``
  (built with dpkg-deb; the .desktop file and the AppStream metainfo are validated);
- Windows: ``advisor-desktop-VERSION-windows-x64-setup.exe`` (NSIS, per user, no admin
  rights) and a portable ``.zip``;
- macOS: ``Advisor Desktop.app`` in a ``.zip`` (the form notarisation takes) and a ``.dmg``.

The bundle is made by PyInstaller (packaging/advisor-desktop.spec) in a build environment of
its own, ``WORK/env``: a virtual environment with a regular install of this project and its
``bundle`` extra (``pip install '.[bundle]'``), so the bundle holds exactly the runtime
dependencies, the compiled catalogs and the resources, and nothing of a developer's venv.
``--no-env`` uses the running Python instead (it must have ``.[bundle]`` installed, not
editable). Signing: see packaging/README.md (``ADVISOR_SIGN_*`` environment variables).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APP_ID = "org.advisordesktop.AdvisorDesktop"
PROGRAMS = ("advisor-desktop", "advisor", "advisor-desk")
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"
LINUX = sys.platform.startswith("linux")

RENDER_ICONS = """
import sys
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(sys.argv[:1])
renderer = QSvgRenderer(sys.argv[1])
if not renderer.isValid():
    raise SystemExit("not a valid SVG: " + sys.argv[1])
for size in map(int, sys.argv[3:]):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(Path(sys.argv[2]) / f"{size}.png")):
        raise SystemExit(f"could not write the {size} px icon")
"""

PROJECT_FACTS = """
import importlib.metadata, json
dist = importlib.metadata.distribution("advisor-desktop")
texts = [f.read_text(encoding="utf-8") for f in dist.files or ()
         if ".dist-info/licenses/" in str(f) or ".dist-info/LICEN" in str(f)]
print(json.dumps({"version": dist.version, "licence": "\\n\\n".join(texts)}))
"""


_STARTED = time.monotonic()


def log(message: str) -> None:
    """A step of the build, on stderr, with the seconds since the start."""
    print(f"[build {time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def run(*cmd: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command with fixed arguments; fail the build when it fails."""
    argv = [str(c) for c in cmd]
    shown = ["***" if i and argv[i - 1] == "/p" else a for i, a in enumerate(argv)]  # passwords
    log("$ " + " ".join(shown))
    return subprocess.run(argv, check=True, text=True, **kwargs)  # type: ignore[call-overload,no-any-return]


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One build at a time in ``folder`` (two would share the build environment)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: CI runs one build per machine
        yield
        return
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --- the build environment and the facts taken from it ------------------------------------


def env_python(env: Path) -> Path:
    """The interpreter of a virtual environment."""
    return env / ("Scripts/python.exe" if WINDOWS else "bin/python")


def build_environment(work: Path, extras: list[str]) -> Path:
    """``WORK/env`` with a regular install of this project, its ``bundle`` extra and
    ``extras`` (the bundle then carries them: ``desk`` for ``advisor-desk serve/pull/push``)."""
    # one environment per set of extras: pip never removes what an earlier build installed
    env = work / "-".join(["env", *sorted(extras)])
    python = env_python(env)
    if not python.exists():
        run(sys.executable, "-m", "venv", env)
    # setuptools builds in ROOT/build/lib and never empties it: a module removed from src/
    # would still reach the wheel, and so the bundle.
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
    wanted = ",".join(["bundle", *extras])
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        f"{ROOT}[{wanted}]",
    )
    return python


def project_facts(python: Path) -> dict[str, str]:
    """The version and licence text from the installed project's metadata."""
    out = run(python, "-c", PROJECT_FACTS, capture_output=True).stdout
    facts: dict[str, str] = json.loads(out)
    return facts


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` → ``(0, 1, 0, 0)``; the numeric release part, for Windows and NSIS."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:4]]
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def release_date() -> str:
    """The date of the release: SOURCE_DATE_EPOCH, else the last commit's, else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date().isoformat()
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(
            ["git", "log", "-1", "--format=%cs"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if re.fullmatch(r"\d{4}-\d\d-\d\d", out):
            return out
    return datetime.date.today().isoformat()


# --- generated files: icons, version resources ---------------------------------------------


def render_icons(python: Path, out: Path, sizes: tuple[int, ...]) -> dict[int, Path]:
    """PNG renderings of resources/icons/advisor-desktop.svg (Qt's SVG renderer)."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    svg = ROOT / "resources" / "icons" / "advisor-desktop.svg"
    run(python, "-c", RENDER_ICONS, svg, out, *map(str, sizes), env=env)
    return {size: out / f"{size}.png" for size in sizes}


def write_ico(pngs: dict[int, Path], target: Path) -> None:
    """A Windows icon holding PNG images (Windows Vista and later read them)."""
    sizes = [s for s in sorted(pngs) if s <= 256]
    blobs = [pngs[s].read_bytes() for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries = b""
    for size, blob in zip(sizes, blobs, strict=True):
        edge = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    target.write_bytes(header + entries + b"".join(blobs))


def write_icns(pngs: dict[int, Path], target: Path) -> None:
    """A macOS icon holding PNG images (the types macOS 10.7 and later read as PNG)."""
    types = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
    body = b""
    for size, kind in types.items():
        if size in pngs:
            blob = pngs[size].read_bytes()
            body += kind + struct.pack(">I", len(blob) + 8) + blob
    target.write_bytes(b"icns" + struct.pack(">I", len(body) + 8) + body)


WINDOWS_VERSION = """# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,
                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'Advisor Desktop maintainers'),
      StringStruct('FileDescription', {description!r}),
      StringStruct('FileVersion', {version!r}),
      StringStruct('InternalName', {name!r}),
      StringStruct('LegalCopyright', 'EUPL-1.2; see THIRD-PARTY-NOTICES.txt for the components'),
      StringStruct('OriginalFilename', {name!r} + '.exe'),
      StringStruct('ProductName', 'Advisor Desktop'),
      StringStruct('ProductVersion', {version!r})])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
DESCRIPTIONS = {
    "advisor-desktop": "Advisor Desktop",
    "advisor": "Advisor Desktop command line",
    "advisor-desk": "Advisor Desktop: the central desk's command line",
}


def generate(python: Path, work: Path, facts: dict[str, str]) -> Path:
    """WORK/generated: what the spec reads (VERSION, icons, licence, version resources)."""
    out = work / "generated"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "VERSION").write_text(facts["version"] + "\n", encoding="utf-8")
    if facts["licence"].strip():
        (out / "LICENSE.txt").write_text(facts["licence"], encoding="utf-8")
    sizes = ICON_SIZES + ((1024,) if MACOS else ())
    pngs = render_icons(python, out / "icons", sizes)
    write_ico(pngs, out / "advisor-desktop.ico")
    write_icns(pngs, out / "advisor-desktop.icns")
    for name, description in DESCRIPTIONS.items():
        text = WINDOWS_VERSION.format(
            numbers=version_tuple(facts["version"]),
            version=facts["version"],
            name=name,
            description=description,
        )
        (out / f"version-{name}.txt").write_text(text, encoding="utf-8")
    return out


def pyinstaller(python: Path, work: Path, generated: Path) -> Path:
    """Run the spec; returns the bundle folder (or the .app on macOS)."""
    dist = work / "pyinstaller"
    cmd: list[str | Path] = [
        python, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", dist, "--workpath", work / "pyinstaller-work",
        HERE / "advisor-desktop.spec", "--", "--generated", generated,
    ]  # fmt: skip
    identity = os.environ.get("ADVISOR_SIGN_MACOS_IDENTITY")
    if MACOS and identity:
        cmd += ["--codesign-identity", identity]
    run(*cmd)
    return dist / ("Advisor Desktop.app" if MACOS else "advisor-desktop")


# --- Linux: tarball and .deb ---------------------------------------------------------------


def linux_arch() -> tuple[str, str]:
    """(the tarball's architecture name, Debian's) for this machine."""
    machine = platform.machine().lower()
    debian = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf"}.get(machine, machine)
    return machine, debian


def fill(template: Path, version: str, date: str) -> str:
    """A packaging template with its @VERSION@ and @DATE@ filled in."""
    return (
        template.read_text(encoding="utf-8").replace("@VERSION@", version).replace("@DATE@", date)
    )


def desktop_integration(root: Path, pngs: dict[int, Path], version: str, date: str) -> None:
    """share/applications, share/metainfo and share/icons/hicolor under ``root``."""
    apps = root / "share" / "applications"
    meta = root / "share" / "metainfo"
    apps.mkdir(parents=True, exist_ok=True)
    meta.mkdir(parents=True, exist_ok=True)
    linux = HERE / "linux"
    (apps / f"{APP_ID}.desktop").write_text(
        fill(linux / f"{APP_ID}.desktop", version, date), encoding="utf-8"
    )
    (meta / f"{APP_ID}.metainfo.xml").write_text(
        fill(linux / f"{APP_ID}.metainfo.xml", version, date), encoding="utf-8"
    )
    icons = root / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        folder = icons / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pngs[size], folder / f"{APP_ID}.png")
    (icons / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        ROOT / "resources" / "icons" / "advisor-desktop.svg",
        icons / "scalable" / "apps" / f"{APP_ID}.svg",
    )


def validate_linux_metadata(root: Path) -> None:
    """desktop-file-validate and appstreamcli validate (offline) on the generated files."""
    desktop = root / "share" / "applications" / f"{APP_ID}.desktop"
    metainfo = root / "share" / "metainfo" / f"{APP_ID}.metainfo.xml"
    for tool in ("desktop-file-validate", "appstreamcli"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is missing: sudo apt-get install desktop-file-utils appstream "
                "(packaging/system-packages.txt)"
            )
    run("desktop-file-validate", desktop)
    run("appstreamcli", "validate", "--no-net", "--explain", metainfo)


def normalise_modes(root: Path) -> None:
    """0755 for folders and executables, 0644 for the rest (a umask must not leak in)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)


def _reset(info: tarfile.TarInfo, mtime: int) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = mtime
    return info


def write_tarball(folder: Path, target: Path, mtime: int) -> None:
    """``folder`` as a gzip tarball with one top folder, sorted, owned by root (reproducible)."""
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in [folder, *sorted(folder.rglob("*"))]:
            arcname = str(Path(folder.name) / path.relative_to(folder))
            info = _reset(tar.gettarinfo(str(path), arcname), mtime)
            if info.isfile():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)


def linux_tarball(
    bundle: Path, pngs: dict[int, Path], version: str, date: str, dist: Path, work: Path
) -> Path:
    """The per-user tarball: app/, share/, install.sh, uninstall.sh, the notices."""
    machine, _debian = linux_arch()
    name = f"advisor-desktop-{version}-linux-{machine}"
    stage = work / "stage" / name
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(bundle, stage / "app", symlinks=True)
    desktop_integration(stage, pngs, version, date)
    validate_linux_metadata(stage)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copyfile(HERE / "linux" / script, stage / script)
        (stage / script).chmod(0o755)
    notices = bundle / "_internal" / "advisor_desktop" / "THIRD-PARTY-NOTICES.txt"
    shutil.copyfile(notices, stage / "THIRD-PARTY-NOTICES.txt")
    (stage / "README.txt").write_text(
        fill(HERE / "linux" / "README.txt", version, date), encoding="utf-8"
    )
    normalise_modes(stage)
    for script in ("install.sh", "uninstall.sh"):
        (stage / script).chmod(0o755)
    target = dist / f"{name}.tar.gz"
    write_tarball(stage, target, int(datetime.datetime.fromisoformat(date).timestamp()))
    return target


def _elf_files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


#: Packages of libraries the bundle leaves to the system that a build machine need not have
#: (the printing and Wayland plugins' libraries: a machine without them builds the same .deb).
KNOWN_PACKAGES = {
    "libcups.so.2": "libcups2",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


def debian_depends(bundle: Path) -> str:
    """The Depends of the .deb: the packages of the system libraries the bundle links to but
    does not carry (dpkg -S), and the C library at least as new as the build machine's."""
    carried = {p.name for p in bundle.rglob("*")}
    needed: set[str] = set()
    for elf in _elf_files(bundle):
        out = subprocess.run(
            ["objdump", "-p", str(elf)], capture_output=True, text=True, check=False
        ).stdout
        needed |= set(re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M))
    missing = sorted(needed - carried)
    cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True)
    arch_tag = "x86-64" if platform.machine() == "x86_64" else ""
    located: dict[str, str] = {}
    for line in cache.stdout.splitlines():
        match = re.match(r"\s*(\S+) \((.*?)\) => (\S+)", line)
        if match and match.group(1) not in located and arch_tag in match.group(2):
            located[match.group(1)] = match.group(3)
    packages: set[str] = set()
    for soname in missing:
        path = located.get(soname)
        if path is None and soname in KNOWN_PACKAGES:
            packages.add(KNOWN_PACKAGES[soname])
            continue
        if path is None:
            raise SystemExit(f"the bundle links to {soname}, which this machine does not have")
        real = os.path.realpath(path)
        names = sorted({path, real, real.removeprefix("/usr"), f"/usr{real}"})
        out = subprocess.run(["dpkg", "-S", *names], capture_output=True, text=True, check=False)
        owners = {line.split(":")[0] for line in out.stdout.splitlines() if ": " in line}
        if not owners:
            raise SystemExit(f"no Debian package owns {path} ({soname})")
        packages |= owners
    glibc = platform.libc_ver()[1] or "2.31"
    packages.discard("libc6")
    return ", ".join([f"libc6 (>= {glibc})", *sorted(packages)])


CONTROL = """Package: advisor-desktop
Version: {version}
Architecture: {arch}
Maintainer: Advisor Desktop maintainers <maintainers@advisordesktop.invalid>
Installed-Size: {size}
Depends: {depends}
Section: utils
Priority: optional
Description: encrypted notebook for confidential advisors
 Advisor Desktop is an offline-first, encrypted desktop notebook and signposting
 kit for confidential advisors at embassies and consulates. Conversations stay in
 an encrypted vault (SQLCipher, Argon2id); guides in 25 languages; consent-based,
 anonymised referrals to a central desk.
 .
 This package holds a self-contained bundle (Python, Qt and SQLCipher inside) of
 advisor-desktop, advisor and advisor-desk.
"""

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: advisor-desktop
Comment: The bundle in /usr/lib/advisor-desktop includes third-party software; its
 licences are in /usr/share/doc/advisor-desktop/THIRD-PARTY-NOTICES.txt.gz.

Files: *
Copyright: Advisor Desktop maintainers
License: EUPL-1.2
"""


def linux_deb(
    bundle: Path, pngs: dict[int, Path], version: str, date: str, dist: Path, work: Path
) -> Path:
    """The .deb: /usr/lib/advisor-desktop, /usr/bin links, desktop file, metainfo, icons."""
    _machine, arch = linux_arch()
    stage = work / "deb" / f"advisor-desktop_{version}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    lib = stage / "usr" / "lib" / "advisor-desktop"
    shutil.copytree(bundle, lib, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    for program in PROGRAMS:
        (stage / "usr" / "bin" / program).symlink_to(f"../lib/advisor-desktop/{program}")
    desktop_integration(stage / "usr", pngs, version, date)
    doc = stage / "usr" / "share" / "doc" / "advisor-desktop"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    notices = (bundle / "_internal" / "advisor_desktop" / "THIRD-PARTY-NOTICES.txt").read_bytes()
    (doc / "THIRD-PARTY-NOTICES.txt.gz").write_bytes(gzip.compress(notices, 9, mtime=0))
    normalise_modes(stage)
    size = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink())
    (stage / "DEBIAN").mkdir()
    control = CONTROL.format(
        version=version, arch=arch, size=(size + 1023) // 1024, depends=debian_depends(bundle)
    )
    (stage / "DEBIAN" / "control").write_text(control, encoding="utf-8")
    (stage / "DEBIAN").chmod(0o755)
    target = dist / f"advisor-desktop_{version}_{arch}.deb"
    run(
        "dpkg-deb",
        "--root-owner-group",
        "-Zxz",
        "--build",
        stage,
        target,
        stdout=subprocess.DEVNULL,
    )
    return target


# --- Windows: NSIS installer and portable zip; macOS: zip and dmg ---------------------------


def windows_sign_command() -> list[str] | None:
    """signtool's command line without the file, when ADVISOR_SIGN_PFX is set."""
    pfx = os.environ.get("ADVISOR_SIGN_PFX")
    if not pfx:
        return None
    return [
        os.environ.get("ADVISOR_SIGNTOOL", "signtool"), "sign", "/fd", "SHA256", "/td", "SHA256",
        "/tr", os.environ.get("ADVISOR_SIGN_TIMESTAMP_URL", "http://timestamp.example.invalid"),
        "/f", pfx, "/p", os.environ.get("ADVISOR_SIGN_PASSWORD", ""),
    ]  # fmt: skip


def sign_windows(files: list[Path]) -> None:
    """Sign the programs (the installer and uninstaller are signed by makensis's !finalize)."""
    command = windows_sign_command()
    if command:
        run(*command, *files)


def makensis() -> str:
    """The NSIS compiler: on PATH, or where its Windows installer puts it."""
    found = shutil.which("makensis")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        candidate = Path(base or "") / "NSIS" / "makensis.exe"
        if base and candidate.exists():
            return str(candidate)
    raise SystemExit("makensis is missing: install NSIS 3 (https://nsis.sourceforge.io)")


def nsis_installer(source: Path, icon: Path, version: str, target: Path) -> Path:
    """Compile packaging/windows/advisor-desktop.nsi over the bundle folder ``source``."""
    numbers = ".".join(map(str, version_tuple(version)))
    flag = "/" if WINDOWS else "-"
    defines = {
        "VERSION": version,
        "VERSION4": numbers,
        "SOURCE": str(source),
        "OUTFILE": str(target),
        "ICON": str(icon),
    }
    cmd = [makensis(), f"{flag}V2", *[f"{flag}D{k}={v}" for k, v in defines.items()]]
    env = dict(os.environ)
    sign = windows_sign_command()
    if sign:
        cmd.append(f"{flag}DSIGN")
        env["ADVISOR_SIGN_CMD"] = subprocess.list2cmdline(sign)
    run(*cmd, HERE / "windows" / "advisor-desktop.nsi", env=env)
    return target


def zip_folder(folder: Path, target: Path) -> None:
    """``folder`` as a zip with one top folder."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, Path(folder.name) / path.relative_to(folder))


def windows_outputs(bundle: Path, generated: Path, version: str, dist: Path) -> list[Path]:
    """The signed programs, the installer and the portable zip."""
    sign_windows([bundle / f"{p}.exe" for p in PROGRAMS])
    shutil.copyfile(
        bundle / "_internal" / "advisor_desktop" / "THIRD-PARTY-NOTICES.txt",
        bundle / "THIRD-PARTY-NOTICES.txt",
    )
    setup = dist / f"advisor-desktop-{version}-windows-x64-setup.exe"
    nsis_installer(bundle, generated / "advisor-desktop.ico", version, setup)
    portable = dist / f"advisor-desktop-{version}-windows-x64-portable.zip"
    zip_folder(bundle, portable)
    return [setup, portable]


def macos_outputs(app: Path, version: str, dist: Path) -> list[Path]:
    """The .app (copied to dist/), its zip (ditto keeps signatures) and a .dmg."""
    machine = platform.machine()
    target_app = dist / app.name
    if target_app.exists():
        shutil.rmtree(target_app)
    run("ditto", app, target_app)
    archive = dist / f"advisor-desktop-{version}-macos-{machine}.zip"
    run("ditto", "-c", "-k", "--sequesterRsrc", "--keepParent", target_app, archive)
    dmg = dist / f"advisor-desktop-{version}-macos-{machine}.dmg"
    dmg.unlink(missing_ok=True)
    run("hdiutil", "create", "-volname", "Advisor Desktop", "-srcfolder", target_app,
        "-ov", "-format", "UDZO", dmg)  # fmt: skip
    return [target_app, archive, dmg]


def checksums(files: list[Path], dist: Path) -> Path:
    """SHA256SUMS of the outputs that are files."""
    lines = []
    for path in files:
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.name}\n")
    target = dist / "SHA256SUMS"
    target.write_text("".join(lines), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Build everything for this operating system; prints the outputs, one per line."""
    parser = argparse.ArgumentParser(prog="python packaging/build.py", description=__doc__)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the outputs go")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "bundle", help="build environment, caches"
    )
    parser.add_argument("--no-env", action="store_true", help="use this Python, not WORK/env")
    parser.add_argument(
        "--extras",
        default="",
        help="optional dependencies to bundle as well, comma-separated (e.g. desk: the intake "
        "server and the workstation's pull/push; the advisors' bundle has none)",
    )
    parser.add_argument(
        "--bundle-only", action="store_true", help="stop after the bundle folder (no installers)"
    )
    args = parser.parse_args(argv)
    dist: Path = args.dist.resolve()
    work: Path = args.work.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    with locked(work):
        extras = [e.strip() for e in args.extras.split(",") if e.strip()]
        python = Path(sys.executable) if args.no_env else build_environment(work, extras)
        facts = project_facts(python)
        version, date = facts["version"], release_date()
        log(f"Advisor Desktop {version} ({date}) for {sys.platform} {platform.machine()}")
        generated = generate(python, work, facts)
        bundle = pyinstaller(python, work, generated)
        outputs: list[Path] = []
        if args.bundle_only:
            outputs.append(bundle)
        elif LINUX:
            pngs = {s: generated / "icons" / f"{s}.png" for s in ICON_SIZES}
            outputs += [
                linux_tarball(bundle, pngs, version, date, dist, work),
                linux_deb(bundle, pngs, version, date, dist, work),
            ]
        elif WINDOWS:
            outputs += windows_outputs(bundle, generated, version, dist)
        elif MACOS:
            outputs += macos_outputs(bundle, version, dist)
        if not args.bundle_only:
            outputs.append(checksums(outputs, dist))
    for path in outputs:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
