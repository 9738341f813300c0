"""Every screen, as a person sees it, in six languages at 1280×720 and at the window's minimum
size: no text cut off by its widget, no widgets on top of each other, no sideways scroll bar, no
page that has to scroll at 1280×720, no standard button left in English
(tests/helpers/geometry.py finds them with Qt's geometry and font metrics). Each run is
``tests/screenshots.py --check`` in a process of its own, as the PNGs are made; they are left
in the test's folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor_desktop.ui.shell.main_window import MINIMUM_SIZE

pytestmark = [pytest.mark.gui, pytest.mark.slow]

LANGS = ["en", "ar", "zh_Hans", "am", "hi", "en_XA"]
SIZES = ["1280x720", f"{MINIMUM_SIZE[0]}x{MINIMUM_SIZE[1]}"]
SCRIPT = Path(__file__).resolve().parent.parent / "screenshots.py"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_screen_fits(tmp_path: Path, lang: str, size: str) -> None:
    out = tmp_path / "shots"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--lang", lang, "--size", size, "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    found = [line for line in run.stdout.splitlines() if not line.startswith(str(out))]
    assert run.returncode == 0, "\n".join(found) + run.stderr[-2000:]
    assert len(list(out.glob("*.png"))) >= 15
