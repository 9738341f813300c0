"""Signposting guides: discovery, parsing, completeness check, placeholders, search, packs.

Qt-free. Rendering lives in ``advisor_desktop.guides.render``; widgets in ``ui.guides``.
"""

from advisor_desktop.guides.check import LanguageStatus, Problem, check_guides, language_statuses
from advisor_desktop.guides.errors import (
    GuideError,
    GuideNotFound,
    GuidePackError,
    PackMalformed,
    PackNotNewer,
    PackNoTrustedKey,
    PackSignatureInvalid,
)
from advisor_desktop.guides.fill import fill_placeholders, markdown_to_text
from advisor_desktop.guides.languages import (
    EXPECTED_LOCALES,
    SOURCE_LOCALE,
    LanguageInfo,
    language_info,
)
from advisor_desktop.guides.library import GuideLibrary
from advisor_desktop.guides.model import SECTION_FILES, Guide, GuideSection, load_guide
from advisor_desktop.guides.notices import NoticeTable, load_notices, page_label, review_notice
from advisor_desktop.guides.pack import build_pack, read_pack, trusted_keys
from advisor_desktop.guides.search import GuideHit, search_guide
from advisor_desktop.guides.store import (
    GuideSource,
    active_source,
    install_pack,
    installed_version,
    shipped_root,
)

__all__ = [
    "EXPECTED_LOCALES",
    "SECTION_FILES",
    "SOURCE_LOCALE",
    "Guide",
    "GuideError",
    "GuideHit",
    "GuideLibrary",
    "GuideNotFound",
    "GuidePackError",
    "GuideSection",
    "GuideSource",
    "LanguageInfo",
    "LanguageStatus",
    "NoticeTable",
    "PackMalformed",
    "PackNoTrustedKey",
    "PackNotNewer",
    "PackSignatureInvalid",
    "Problem",
    "active_source",
    "build_pack",
    "check_guides",
    "fill_placeholders",
    "install_pack",
    "installed_version",
    "language_info",
    "language_statuses",
    "load_guide",
    "load_notices",
    "markdown_to_text",
    "page_label",
    "read_pack",
    "review_notice",
    "search_guide",
    "shipped_root",
    "trusted_keys",
]
