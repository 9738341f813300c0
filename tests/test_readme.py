"""The README's promises that CI and a newcomer rely on: one list of system packages, and the
two Quick start commands in the blocks .ci/run extracts."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

_spec = importlib.util.spec_from_file_location(
    "system_packages", ROOT / "packaging" / "system_packages.py"
)
assert _spec
assert _spec.loader
system_packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(system_packages)


def _block(name: str) -> str:
    match = re.search(rf"<!-- {name} -->\n(.*?)\n<!-- /{name} -->", README, re.S)
    assert match, f"README.md has no <!-- {name} --> block"
    return match.group(1)


def test_readme_shows_the_one_list_of_system_packages() -> None:
    assert _block("system-packages") == system_packages.readme_paragraph(), (
        "README.md's system packages differ from packaging/system-packages.txt; run: "
        "python3 packaging/system_packages.py --update-readme"
    )


def test_ci_installs_the_same_list_and_names_no_package_itself() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "packaging/system_packages.py run test" in ci
    listed = {p for group in system_packages.groups().values() for p in group}
    named_in_ci = set(re.findall(r"\blib[a-z0-9.+-]+\d\b|\bfonts-[a-z-]+", ci))
    assert not named_in_ci, f".ci/run names packages outside the list: {named_in_ci}"
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "xdotool"} <= listed


def test_every_shared_library_of_the_xcb_plugin_is_on_the_list() -> None:
    """The Qt plugin a desktop start needs: each system library it links is in a listed
    package (or one every Debian has), so the README's line is enough to start the app."""
    import shutil
    import subprocess

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists() or not shutil.which("ldd") or not shutil.which("dpkg"):
        import pytest

        pytest.skip("not a Debian-like Linux with the xcb plugin")
    linked = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True)
    libraries = [
        line.split("=>")[1].split("(")[0].strip()
        for line in linked.stdout.splitlines()
        if "=>" in line and "PySide6" not in line
    ]
    assert all("not found" not in lib for lib in libraries), linked.stdout
    listed = set(system_packages.groups()["run"])
    essential = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1", "libpcre2-8-0",
                 "libexpat1", "libpng16-16", "libfreetype6", "libbrotli1", "libxau6",
                 "libxdmcp6", "libx11-6", "libxcb1", "libbsd0", "libmd0", "libglvnd0",
                 "libglx0", "libxcb-util1", "libxcb-render0", "libsystemd0", "libcap2",
                 "libgcrypt20", "libgpg-error0", "liblzma5", "liblz4-1"}  # fmt: skip
    missing = set()
    for library in libraries:
        real = str(Path(library).resolve())
        # dpkg knows a file by the path its package installed (with or without merged /usr).
        names = {library, real, real.removeprefix("/usr"), f"/usr{library}"}
        owner = subprocess.run(
            ["dpkg", "-S", *sorted(names)], capture_output=True, text=True, check=False
        )
        packages = {line.split(":")[0] for line in owner.stdout.splitlines() if ":" in line}
        if not packages:
            missing.add(library)
        elif not packages & (listed | essential):
            missing.update(packages)
    assert not missing, f"add to packaging/system-packages.txt [run]: {sorted(missing)}"


def test_quick_start_has_the_two_commands() -> None:
    start = _block("start-command")
    assert start.splitlines()[1].endswith(".venv/bin/advisor-desktop")
    assert "pip install ." in start
    assert "pytest" in _block("test-command")
