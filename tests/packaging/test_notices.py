"""The licence and third-party notices the About box will show (platform/notices.py), and
the version every program prints."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from advisor_desktop import __version__
from advisor_desktop.platform.notices import (
    LICENCE_FILE,
    NOTICES_FILE,
    LicenceText,
    Notice,
    collect_notices,
    format_notices,
    licence_text,
    runtime_distributions,
    third_party_notices,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_runtime_closure_is_the_requirements_without_extras() -> None:
    names = runtime_distributions()
    assert {"pyside6-essentials", "shiboken6", "sqlcipher3", "cryptography", "pyrage"} <= set(names)
    assert {"babel", "platformdirs", "phonenumbers"} <= set(names)
    # the test and bundle extras are not what the application runs on
    assert not {"pytest", "mypy", "ruff", "pyinstaller", "hypothesis"} & set(names)
    assert "advisor-desktop" not in names


def test_computed_notices_name_every_distribution_with_its_licence_text() -> None:
    text = third_party_notices(folder=Path("/nonexistent"))
    for name in runtime_distributions():
        dist = importlib.metadata.distribution(name)
        assert f"{dist.metadata['Name']} {dist.version}" in text
    dist = importlib.metadata.distribution("cryptography")
    licence = next(f for f in dist.files or () if str(f).endswith("LICENSE.APACHE"))
    apache = licence.read_text(encoding="utf-8")
    assert apache.strip() in text
    assert "Apache-2.0 OR BSD-3-Clause" in text


def test_a_bundled_notices_file_wins(tmp_path: Path) -> None:
    (tmp_path / NOTICES_FILE).write_text("written at build time\n", encoding="utf-8")
    (tmp_path / LICENCE_FILE).write_text("the licence\n", encoding="utf-8")
    assert third_party_notices(folder=tmp_path) == "written at build time\n"
    assert licence_text(folder=tmp_path) == "the licence\n"


def test_the_licence_names_the_project_licence_without_a_bundle() -> None:
    # the licence file from the metadata, or (while the repository has none) a statement
    assert "EUPL" in licence_text(folder=Path("/nonexistent"))


def test_fallback_texts_fill_a_distribution_without_licence_files() -> None:
    qt = Notice("PySide6_Essentials", "6.0", "LGPL-3.0-only OR GPL-3.0-only", "", ())
    shiboken = Notice("shiboken6", "6.0", "LGPL-3.0-only OR GPL-3.0-only", "", ())
    own = Notice("babel", "2.0", "BSD-3-Clause", "https://babel", (LicenceText("LICENSE", "B"),))
    text = format_notices(
        [own, qt, shiboken],
        extra=[("Python 3", "PSF text")],
        fallback_texts={"LGPL-3.0-only": "LGPL text", "GPL-3.0-only": "GPL text"},
    )
    assert text.count("LGPL text") == 1  # given once, then referred to
    assert "the text is given above, under PySide6_Essentials" in text
    assert "ships no licence file" not in text
    assert "PSF text" in text
    assert "Home page: https://babel" in text


def test_collect_skips_names_that_are_no_distribution() -> None:
    notices = collect_notices(["babel", "no-such-distribution-here"])
    assert [n.name.lower() for n in notices] == ["babel"]


def test_the_version_comes_from_the_package_metadata() -> None:
    assert __version__ == importlib.metadata.version("advisor-desktop")


def test_a_frozen_bundle_reads_the_version_file_written_at_build_time(tmp_path: Path) -> None:
    package = tmp_path / "advisor_desktop"
    package.mkdir()
    source = ROOT / "src" / "advisor_desktop" / "__init__.py"
    (package / "__init__.py").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (package / "VERSION").write_text("9.8.7\n", encoding="utf-8")
    code = (
        "import sys; sys.frozen = True; sys.path.insert(0, sys.argv[1]); "
        "import advisor_desktop; print(advisor_desktop.__version__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "9.8.7"
