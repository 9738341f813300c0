"""The wizard's draft page: every redaction is marked in the draft, the ones the advisor adds
too; "Mr Jansen" is proposed; invisible characters are shown as markers and never travel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import keygen
from advisor_desktop.desk.registry import AdvisorRegistry
from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import Desk, OrgProfile, with_desk
from advisor_desktop.protocol.referral_terms import Scope
from advisor_desktop.referral.anonymiser import RedactionKind
from advisor_desktop.referral.review import RowState
from advisor_desktop.storage.store import Vault
from advisor_desktop.ui.referral import ReferralWizard
from advisor_desktop.ui.referral.review_pages import (
    INVISIBLE_BACKGROUND,
    REMOVED_BACKGROUND,
    SELECTION_ALPHA,
    DraftPage,
)
from advisor_desktop.ui.referral.text_view import ViewMap
from tests.conftest import TEST_KDF
from tests.helpers.records import make_record
from tests.ui.conftest import NOW, clock

pytestmark = pytest.mark.gui


@dataclass
class Desktop:
    workspace: Workspace
    record: ConversationRecord


def _setup(vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path,
           notes: str, identifiers: tuple[str, ...]) -> Desktop:  # fmt: skip
    identity = keygen(tmp_path / "desk", "Central desk", b"desk passphrase", TEST_KDF)
    public = identity.public
    workspace = Workspace(vault, paths, clock)
    workspace.set_profile(
        with_desk(profile, Desk(public.name, public.age_recipient, public.signing_key))
    )
    AdvisorRegistry(tmp_path / "desk").enrol(
        "Advisor", workspace.referrals.device_keys.public_key().text, NOW
    )
    record_id = workspace.notebook.add(make_record(notes=notes, identifiers=identifiers))
    return Desktop(workspace, workspace.notebook.get(record_id))


def open_draft(qtbot, desktop: Desktop) -> ReferralWizard:
    wizard = ReferralWizard(desktop.workspace, desktop.record)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    box = wizard.consent_page.checks[Scope.SUMMARY]
    box.click()
    wizard.next()
    assert wizard.currentPage() is wizard.draft_page
    return wizard


def marked(page: DraftPage, start: int, end: int) -> list[tuple[QColor, bool]]:
    """(background, struck out) of each of the draft's marks covering exactly
    ``source[start:end]``."""
    view_start, view_end = page.view_map.to_view(start), page.view_map.to_view(end)
    out = []
    for selection in page.text.extraSelections():
        cursor = selection.cursor
        if (cursor.selectionStart(), cursor.selectionEnd()) == (view_start, view_end):
            fmt = selection.format
            out.append((QColor(fmt.background().color()), fmt.fontStrikeOut()))
    return out


def test_mr_jansen_is_proposed_and_an_added_redaction_is_marked(
    qtbot, vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path, policy: KdfPolicy
) -> None:
    notes = "Mr Jansen shouted at her in the weekly meeting."
    wizard = open_draft(qtbot, _setup(vault, paths, profile, tmp_path, notes, ()))
    page = wizard.draft_page
    source = page.draft.source
    jansen = next(r for r in page.rows if r.original == "Jansen")
    assert jansen.kind is RedactionKind.LIKELY_NAME
    assert marked(page, jansen.start, jansen.end) == [(REMOVED_BACKGROUND, True)]

    start = source.index("weekly meeting")
    end = start + len("weekly meeting")
    page.select_text(start, end)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    added = [r for r in page.rows if r.state is RowState.ADDED]
    assert [(r.start, r.end) for r in added] == [(start, end)]
    assert marked(page, start, end) == [(REMOVED_BACKGROUND, True)]
    # Nothing covers the new marking: the advisor's selection is gone, the cursor after it.
    cursor = page.text.textCursor()
    assert not cursor.hasSelection()
    assert cursor.position() == page.view_map.to_view(end)
    # Every row is marked, and only once.
    spans = [(r.start, r.end) for r in page.rows]
    assert all(len(marked(page, *span)) == 1 for span in spans)


def test_a_selected_row_still_shows_its_marking(
    qtbot, vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path, policy: KdfPolicy
) -> None:
    notes = "Maria Jansen was insulted twice."
    wizard = open_draft(qtbot, _setup(vault, paths, profile, tmp_path, notes, ("Maria Jansen",)))
    page = wizard.draft_page
    page.select_row(0)
    assert page.text.textCursor().selectedText() == "Maria Jansen"
    highlight = page.text.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    assert highlight.alpha() == SELECTION_ALPHA  # translucent over the yellow marking


def test_invisible_characters_are_shown_and_do_not_travel(
    qtbot, vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path, policy: KdfPolicy
) -> None:
    notes = "Jan\u200bsen came in. She said hello\u00ad there. می\u200cخواهم"
    wizard = open_draft(qtbot, _setup(vault, paths, profile, tmp_path, notes, ("Jansen",)))
    page = wizard.draft_page
    shown = page.text.toPlainText()
    assert "Jan⟨ZWSP⟩sen" in shown
    assert "hello⟨SHY⟩ there" in shown
    assert "می⟨ZWNJ⟩خواهم" in shown
    assert "\u200b" not in shown
    assert "\u00ad" not in shown
    assert "\u200c" not in shown
    assert page.invisible_hint.isVisibleTo(page)
    listed = next(r for r in page.rows if r.kind is RedactionKind.NAME)
    assert listed.original == "Jan\u200bsen"
    # The soft hyphen's marker is struck out (removed), the Persian joiner's is not (kept).
    source = page.draft.source
    shy = source.index("\u00ad")
    zwnj = source.index("\u200c")
    assert marked(page, shy, shy + 1) == [(INVISIBLE_BACKGROUND, True)]
    assert marked(page, zwnj, zwnj + 1) == [(INVISIBLE_BACKGROUND, False)]
    summary = page.draft.summary_text()
    assert "Jansen" not in summary
    assert "\u200b" not in summary
    assert "\u00ad" not in summary
    assert "\u200c" in summary  # the joiner Persian needs travels, and the preview shows it
    # Selecting across a marker maps back to whole source characters.
    page.select_text(source.index("hello"), shy + 1)
    assert page.text.textCursor().selectedText() == "hello⟨SHY⟩"


def test_view_map_round_trips_markers_and_surrogates() -> None:
    text = "a😀\u200bb\r\nc\u00ad😀"
    view = ViewMap(text)
    assert view.text() == "a😀⟨ZWSP⟩b \nc⟨SHY⟩😀"
    for index in range(len(text) + 1):
        assert view.from_view(view.to_view(index)) == index
    assert view.to_view(3) == len("a😀⟨ZWSP⟩".encode("utf-16-le")) // 2
