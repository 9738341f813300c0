"""The code-quality gates run with the tests: ruff (lint, format), mypy, import boundaries."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LINTED = ("src", "tests", "packaging", "translations", "setup.py")


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / cmd[0]
    exe = str(tool) if tool.exists() else shutil.which(cmd[0])
    if exe is None:
        pytest.fail(f"{cmd[0]} is not installed (pip install -e '.[test]')")
    return subprocess.run([exe, *cmd[1:]], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint() -> None:
    result = _run("ruff", "check", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_boundaries() -> None:
    """The core never imports Qt or the UI (pyproject.toml [tool.importlinter])."""
    result = _run("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr


def _tree_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package and its settings with ``line`` added to ``module``."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "src" / "advisor_desktop" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return copy


def _lint_imports_in(tree: Path) -> subprocess.CompletedProcess[str]:
    import os

    exe = BIN / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(exe) if exe.exists() else "lint-imports", "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a layer importing upwards: storage reaching the notebook feature
        ("storage/meta.py", "import advisor_desktop.notebook.models", "Layers"),
        # two sibling features: the notebook importing the guides
        ("notebook/models.py", "import advisor_desktop.guides.model", "Layers"),
        # the core importing Qt
        ("protocol/keys.py", "import PySide6.QtCore", "Qt"),
        # the desk importing an advisor feature, through a module that is allowed to import it
        ("desk/opener.py", "import advisor_desktop.referral.names", "desk"),
    ],
)
def test_a_wrong_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = _lint_imports_in(_tree_with(tmp_path, module, line))
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    broken = [row for row in result.stdout.splitlines() if "BROKEN" in row]
    assert any(contract in row for row in broken), result.stdout


def test_ruff_bans_qt_in_the_core(tmp_path: Path) -> None:
    tree = _tree_with(tmp_path, "notebook/models.py", "from PySide6.QtCore import QObject")
    result = _run("ruff", "check", "--select", "TID251", str(tree / "src"))
    assert result.returncode != 0
    assert "TID251" in result.stdout
    assert "notebook/models.py" in result.stdout
    clean = _run("ruff", "check", "--select", "TID251", "src")
    assert clean.returncode == 0, clean.stdout
