"""Fonts for guide text: bundled Noto fonts for scripts desktops often lack, OS fonts for CJK.

``resources/fonts/`` holds a lean set of Noto fonts (SIL OFL, see ``OFL.txt``): Ethiopic,
Devanagari, Bengali, Thai and Naskh Arabic (also used for Urdu and Pashto). They are
registered with Qt once, at start, with :func:`load_bundled_fonts`; Chinese, Japanese and
Korean come from the OS (Windows and macOS ship them; on Debian ``fonts-noto-cjk``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase

from advisor_desktop.guides.languages import language_info
from advisor_desktop.platform.paths import resources_dir

log = logging.getLogger(__name__)

_loaded: dict[Path, list[str]] = {}

#: Preferred families per script, best first; Qt skips the ones not installed.
_SCRIPT_FAMILIES: dict[str, list[str]] = {
    "Arab": ["Noto Naskh Arabic", "Noto Sans Arabic", "Segoe UI", "Geeza Pro", "Tahoma"],
    "Deva": ["Noto Sans Devanagari", "Nirmala UI", "Kohinoor Devanagari"],
    "Beng": ["Noto Sans Bengali", "Nirmala UI", "Kohinoor Bangla"],
    "Ethi": ["Noto Sans Ethiopic", "Ebrima", "Kefa"],
    "Thai": ["Noto Sans Thai", "Leelawadee UI", "Thonburi"],
    "Hans": ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
             "Noto Serif CJK SC"],
    "Jpan": ["Noto Sans CJK JP", "Source Han Sans JP", "Yu Gothic", "Meiryo", "Hiragino Sans",
             "Noto Serif CJK JP"],
    "Kore": ["Noto Sans CJK KR", "Source Han Sans KR", "Malgun Gothic", "Apple SD Gothic Neo",
             "Noto Serif CJK KR"],
}  # fmt: skip
_LATIN = ["Noto Sans", "Segoe UI", "Helvetica Neue", "DejaVu Sans", "Arial"]
# Urdu is set in Naskh: Nastaliq needs much taller lines than Qt's layout gives it and
# collides between lines; Naskh is widely read in Urdu-speaking offices.
_PER_LANGUAGE: dict[str, list[str]] = {}
_CJK_SYSTEMS = {
    "Hans": QFontDatabase.WritingSystem.SimplifiedChinese,
    "Jpan": QFontDatabase.WritingSystem.Japanese,
    "Kore": QFontDatabase.WritingSystem.Korean,
}


def fonts_dir() -> Path:
    """The folder of bundled fonts."""
    return resources_dir() / "fonts"


def load_bundled_fonts(folder: Path | None = None) -> list[str]:
    """Register every bundled font with Qt (once per folder); returns the family names.

    Needs a ``QGuiApplication``. Also warns in the log when no CJK font is installed.
    """
    folder = folder or fonts_dir()
    if folder in _loaded:
        return _loaded[folder]
    families: list[str] = []
    for path in sorted(folder.glob("*.ttf")) + sorted(folder.glob("*.otf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("font_not_loaded file=%s", path.name)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    _loaded[folder] = sorted(set(families))
    for script, system in _CJK_SYSTEMS.items():
        if not QFontDatabase.families(system):
            log.warning("no_cjk_font script=%s", script)
    log.info("fonts_loaded count=%s", len(_loaded[folder]))
    return _loaded[folder]


def families_for(lang: str) -> list[str]:
    """Font families for guide text in ``lang``, best first, installed ones only."""
    info = language_info(lang)
    wanted = _PER_LANGUAGE.get(lang) or _SCRIPT_FAMILIES.get(info.script, [])
    installed = set(QFontDatabase.families())
    chosen = [family for family in wanted + _LATIN if family in installed]
    return chosen or [QFont().defaultFamily()]


def guide_font(lang: str, point_size: float) -> QFont:
    """The font for guide text in ``lang`` at ``point_size``, with per-script fallbacks."""
    font = QFont()
    font.setFamilies(families_for(lang))
    font.setPointSizeF(point_size)
    return font


def has_cjk_font() -> bool:
    """True when the OS provides a font for Simplified Chinese."""
    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
