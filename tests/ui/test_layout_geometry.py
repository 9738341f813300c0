"""Every screen, as a person sees it, in six languages at 1280×720 and at the window's minimum
size: no text cut off by its widget, no widgets on top of each other, no sideways scroll bar, no
page that has to scroll, no standard button left in English (tests/helpers/geometry.py finds
them with Qt's geometry and font metrics). The PNGs are written to the test's folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from advisor_desktop.ui.shell.main_window import MINIMUM_SIZE

pytestmark = [pytest.mark.gui, pytest.mark.slow]

LANGS = ["en", "ar", "zh_Hans", "am", "hi", "en_XA"]
SIZES = ["1280x720", f"{MINIMUM_SIZE[0]}x{MINIMUM_SIZE[1]}"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_screen_fits(qapp, tmp_path: Path, lang: str, size: str) -> None:  # type: ignore[no-untyped-def]
    from tests import screenshots

    args = argparse.Namespace(out=tmp_path, lang=lang, size=size, check=True)
    width, _x, height = size.partition("x")
    screenshots.SIZE = (int(width), int(height))
    found = screenshots.collect(args)
    assert not found, "\n".join(found)
    assert len(list(tmp_path.glob("*.png"))) >= 15
