"""Print the system packages of ``packaging/system-packages.txt``, the one list of them.

    python3 packaging/system_packages.py run test   # the names, for apt-get install
    python3 packaging/system_packages.py --readme   # the README's paragraph about them
    python3 packaging/system_packages.py --update-readme   # write that paragraph into README.md

Standard library only: CI runs it before anything is installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

LIST = Path(__file__).resolve().parent / "system-packages.txt"
README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- system-packages -->\n", "\n<!-- /system-packages -->"


def groups(path: Path = LIST) -> dict[str, list[str]]:
    """Group name → package names, in file order."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = found.setdefault(line[1:-1], [])
        elif current is None:
            raise SystemExit(f"{path.name}: package {line!r} outside a [group]")
        else:
            current.append(line)
    return found


def readme_paragraph(path: Path = LIST) -> str:
    """The README's text about system packages, built from the list."""
    lists = groups(path)
    run = " ".join(lists["run"])
    test = " ".join(lists["test"])
    return (
        "**System packages** — Debian/Ubuntu, before the first command:\n"
        f"`sudo apt-get install {run}`;\n"
        f"for the tests also `sudo apt-get install {test}`\n"
        "(a virtual screen for screenshots and the start-up check, PDF rendering,\n"
        "the `age` tool, an HTTP proxy (squid), and the tools that build and check the\n"
        "installers). "
        "macOS and Windows: nothing extra (Qt ships in the wheel)."
    )


def main(argv: list[str]) -> int:
    """Print the packages of the named groups, or the README paragraph."""
    if argv == ["--readme"]:
        print(readme_paragraph())
        return 0
    if argv == ["--update-readme"]:
        text = README.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        README.write_text(head + BEGIN + readme_paragraph() + END + tail, encoding="utf-8")
        return 0
    lists = groups()
    unknown = [name for name in argv if name not in lists]
    if not argv or unknown:
        print(__doc__, file=sys.stderr)
        return 2
    print(" ".join(pkg for name in argv for pkg in lists[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
