"""The guides as the application sees them: languages, loaded guides, filled text.

A :class:`GuideLibrary` reads from one :class:`GuideSource` and caches parsed guides, so
switching language in the browser does not touch the disk twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from advisor_desktop.guides.errors import GuideError
from advisor_desktop.guides.fill import fill_placeholders
from advisor_desktop.guides.languages import (
    EXPECTED_LOCALES,
    SOURCE_LOCALE,
    LanguageInfo,
    language_info,
)
from advisor_desktop.guides.model import Guide, GuideSection, discover_languages, load_guide
from advisor_desktop.guides.store import GuideSource, shipped_root
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import OrgProfile


def _order(code: str) -> tuple[int, str]:
    # The promised languages in their documented order, anything else after, by code.
    try:
        return (EXPECTED_LOCALES.index(code), code)
    except ValueError:
        return (len(EXPECTED_LOCALES), code)


@dataclass
class GuideLibrary:
    """Guides under one folder, with the organisation profile used to fill placeholders."""

    profile: OrgProfile
    source: GuideSource = field(default_factory=lambda: GuideSource(shipped_root(), 0, "shipped"))
    _cache: dict[str, Guide] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        """The folder guides are read from."""
        return self.source.root

    def languages(self) -> list[LanguageInfo]:
        """Every language with a guide, English first, then the documented order."""
        return [language_info(code) for code in sorted(discover_languages(self.root), key=_order)]

    def guide(self, lang: str) -> Guide:
        """The parsed guide in ``lang`` (cached)."""
        if lang not in self._cache:
            self._cache[lang] = load_guide(self.root, lang)
        return self._cache[lang]

    def filled(self, section: GuideSection) -> str:
        """The Markdown of ``section`` with its placeholders filled from the profile."""
        return fill_placeholders(section.body, self.profile, section.lang)

    def organisation_name(self, lang: str) -> str:
        """The organisation's name in ``lang`` (English when the profile has no translation)."""
        return self.profile.name(lang)

    def best_language(self, wanted: str) -> str:
        """``wanted`` if it has a guide, else its base language, else English."""
        codes = discover_languages(self.root)
        for candidate in (wanted, wanted.split("-")[0], SOURCE_LOCALE):
            if candidate in codes:
                return candidate
        if codes:
            return codes[0]
        raise GuideError(_("No guides are installed."))
