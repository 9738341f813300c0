"""The referral wizard end to end (desk → consent → redactions → preview → seal → export), opened
at a real desk with ``advisor-desk open``; the no-desk message; the record's referral list."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QRadioButton, QStyle, QWizard

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.cli.common import Console
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import DeskIdentity, keygen
from advisor_desktop.desk.registry import AdvisorRegistry
from advisor_desktop.guides.render.fonts import guide_font
from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import Desk, OrgProfile, with_desk
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope
from advisor_desktop.referral.anonymiser import RedactionKind
from advisor_desktop.referral.consent import load_statement, parse_scopes, statement_languages
from advisor_desktop.referral.draft import DraftInputs, DraftProblem, problem_message
from advisor_desktop.referral.review import RowState
from advisor_desktop.referral.service import ReferralService, render_preview
from advisor_desktop.storage.store import Vault
from advisor_desktop.ui.referral import ReferralListWidget, ReferralWizard
from advisor_desktop.ui.referral.text_view import from_view_offset, to_view_offset
from tests.conftest import TEST_KDF
from tests.helpers.records import make_record
from tests.helpers.referral_screenshots import render_referral_screenshots
from tests.ui.conftest import NOW, clock

pytestmark = pytest.mark.gui

DESK_NAME = "Central desk"
DESK_PASS = "desk passphrase for tests"
LISTED = "Maria Jansen"
PHONE = "+31 6 12345678"
EMAIL = "maria@example.org"
NOTES = (
    f"{LISTED} ({EMAIL}, {PHONE}) was insulted in the weekly meeting on 2026-03-14 "
    "and wants advice from the desk."
)


@dataclass
class Setup:
    workspace: Workspace
    service: ReferralService
    record: ConversationRecord
    profile: OrgProfile
    desk_dir: Path
    desk: DeskIdentity
    policy: KdfPolicy


@pytest.fixture
def setup(
    vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path, policy: KdfPolicy
) -> Setup:
    """A record with a listed identifier, phone and e-mail; a desk that enrolled this device."""
    desk_dir = tmp_path / "desk"
    identity = keygen(desk_dir, DESK_NAME, DESK_PASS.encode(), TEST_KDF)
    public = identity.public
    with_the_desk = with_desk(profile, Desk(public.name, public.age_recipient, public.signing_key))
    workspace = Workspace(vault, paths, clock)  # the vault fixture closes the vault
    workspace.set_profile(with_the_desk)
    service = workspace.referrals
    AdvisorRegistry(desk_dir).enrol("Advisor Lagos", service.device_keys.public_key().text, NOW)
    record_id = workspace.notebook.add(make_record(notes=NOTES, identifiers=(LISTED,)))
    record = workspace.notebook.get(record_id)
    return Setup(workspace, service, record, with_the_desk, desk_dir, identity, policy)


def desk_open(setup: Setup, path: Path) -> tuple[int, str, str]:
    """``advisor-desk open --json FILE`` in-process."""
    from advisor_desktop.cli.desk.main import main

    out, err = io.StringIO(), io.StringIO()
    console = Console(
        stdin=io.StringIO(""),
        stdout=out,
        stderr=err,
        env={"ADVISOR_DESK_PASSPHRASE": DESK_PASS},
    )
    argv = ["--desk-dir", str(setup.desk_dir), "open", str(path), "--json"]
    code = main(argv, console=console, policy=setup.policy)
    return code, out.getvalue(), err.getvalue()


def make_wizard(qtbot, setup: Setup, **kwargs) -> ReferralWizard:
    wizard = ReferralWizard(setup.workspace, setup.record, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def tick(wizard: ReferralWizard, *scopes: Scope) -> None:
    """Click the scope checkboxes like the visitor would."""
    for scope in scopes:
        box = wizard.consent_page.checks[scope]
        box.setFocus()
        box.click()


def test_wizard_end_to_end_opens_at_the_desk(qtbot, setup: Setup, tmp_path: Path) -> None:
    shown: list[str] = []
    out = tmp_path / "usb" / "carry.referral"
    out.parent.mkdir()
    wizard = make_wizard(
        qtbot, setup, request_visitor_view=shown.append, choose_export_path=lambda: out
    )
    # 1. desk
    assert wizard.currentId() == 0
    assert wizard.desk_page.desk_name() == DESK_NAME
    assert not wizard.desk_page.no_desk.isVisibleTo(wizard)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()

    # 2. consent, in the record's language, with the visitor view on request
    consent = wizard.consent_page
    assert wizard.currentPage() is consent
    assert consent.lang() == "en"
    assert consent.language.currentText() == "English"
    assert DESK_NAME in consent.text.toPlainText()
    qtbot.mouseClick(consent.visitor_button, Qt.MouseButton.LeftButton)
    assert shown == ["en"]
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert not commit.isEnabled()  # no scope yet
    tick(wizard, Scope.CATEGORY, Scope.ROLE, Scope.PERIOD, Scope.SUMMARY, Scope.REGION)
    assert not commit.isEnabled()  # the region is still empty
    assert consent.problem.isVisibleTo(wizard)  # and the core's rule says why
    assert consent.problem.text() == problem_message(DraftProblem.REGION_MISSING)
    qtbot.keyClicks(consent.region, "West Africa")
    assert not consent.problem.isVisibleTo(wizard)
    consent.period.setCurrentIndex(consent.period.findData("quarter"))
    consent.methods.button(1).click()  # verbal
    assert commit.isEnabled()
    with qtbot.waitSignal(wizard.referral_created) as created:
        qtbot.mouseClick(commit, Qt.MouseButton.LeftButton)
    ref_id = created.args[0]
    assert wizard.referral_id == ref_id
    stored = setup.service.get(ref_id)
    assert stored.consent.method is ConsentMethod.VERBAL
    assert stored.consent.scopes.to_text() == "category,role,region,period=quarter,summary"
    assert stored.consent.statement_text == consent.text.toPlainText()

    # 3. draft: every identifier highlighted; the listed one cannot be kept
    draft = wizard.draft_page
    assert wizard.currentPage() is draft
    kinds = {row.kind for row in draft.rows}
    assert {RedactionKind.NAME, RedactionKind.EMAIL, RedactionKind.PHONE} <= kinds
    assert len(draft.text.extraSelections()) == len(draft.rows)
    listed = next(i for i, r in enumerate(draft.rows) if r.kind is RedactionKind.NAME)
    draft.select_row(listed)
    assert draft.selected_row().original == LISTED
    assert draft.text.textCursor().selectedText() == LISTED
    qtbot.mouseClick(draft.undo_button, Qt.MouseButton.LeftButton)
    assert draft.message.isVisibleTo(wizard)
    assert "identifier" in draft.message.text()
    assert draft.rows[listed].removed
    qtbot.mouseClick(draft.accept_all_button, Qt.MouseButton.LeftButton)
    assert {row.state for row in draft.rows} == {RowState.ACCEPTED}
    assert not draft.accept_all_button.isEnabled()
    wizard.next()

    # 4. preview: exactly the payload, and no way on before the check
    preview = wizard.preview_page
    assert wizard.currentPage() is preview
    payload = setup.service.payload_bytes(ref_id)
    assert preview.view.toPlainText() == render_preview(payload)
    assert preview.digest in preview.digest_label.text()
    seal = wizard.button(QWizard.WizardButton.CommitButton)
    assert not seal.isEnabled()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.next()  # refused: nothing is confirmed without the check
    assert wizard.currentPage() is preview
    assert setup.service.get(ref_id).summary.state == "draft"
    preview.checked.click()
    assert seal.isEnabled()
    with qtbot.waitSignal(wizard.referral_confirmed):
        qtbot.mouseClick(seal, Qt.MouseButton.LeftButton)
    assert setup.service.get(ref_id).summary.state == "confirmed"

    # 5. export through the injected path chooser
    done = wizard.done_page
    assert wizard.currentPage() is done
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "Keep in outbox"
    with qtbot.waitSignal(wizard.referral_exported) as exported:
        qtbot.mouseClick(done.export_button, Qt.MouseButton.LeftButton)
    assert exported.args == [ref_id, str(out)]
    assert out.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert setup.service.get(ref_id).summary.state == "exported"
    assert [p.name for p in out.parent.iterdir()] == ["carry.referral"]  # no temp left
    wizard.button(QWizard.WizardButton.FinishButton).click()

    # At the desk: it decrypts, verifies and shows exactly what was previewed.
    code, text, err = desk_open(setup, out)
    assert code == 0, err
    opened = json.loads(text)
    assert opened["signer"] == "Advisor Lagos"
    assert opened["payload"] == json.loads(payload)
    assert opened["payload"]["referral_id"] == ref_id
    assert opened["payload"]["content"]["period"] == {"granularity": "quarter", "value": "2026-Q1"}
    for secret in (LISTED, "Maria", "Jansen", EMAIL, PHONE, "12345678"):
        assert secret not in text


def test_keyboard_and_added_and_undone_redactions(qtbot, setup: Setup) -> None:
    wizard = make_wizard(qtbot, setup)
    wizard.next()
    tick(wizard, Scope.SUMMARY)
    wizard.next()
    draft = wizard.draft_page
    phone = next(i for i, r in enumerate(draft.rows) if r.kind is RedactionKind.PHONE)
    draft.select_row(phone)
    qtbot.mouseClick(draft.undo_button, Qt.MouseButton.LeftButton)
    assert not draft.message.isVisibleTo(wizard)
    assert draft.selected_row().state is RowState.UNDONE
    source = draft.draft.source
    start = source.index("weekly meeting")
    draft.select_text(start, start + len("weekly meeting"))
    assert draft.add_button.isEnabled()
    qtbot.mouseClick(draft.add_button, Qt.MouseButton.LeftButton)
    assert any(r.state is RowState.ADDED and r.original == "weekly meeting" for r in draft.rows)
    summary = setup.service.get(wizard.referral_id).draft.summary_text()
    assert PHONE in summary
    assert "weekly meeting" not in summary
    # Accepting the undone phone redacts it again.
    draft.select_row(next(i for i, r in enumerate(draft.rows) if r.kind is RedactionKind.PHONE))
    qtbot.mouseClick(draft.accept_button, Qt.MouseButton.LeftButton)
    assert draft.selected_row().state is RowState.ACCEPTED
    assert PHONE not in setup.service.get(wizard.referral_id).draft.summary_text()
    qtbot.mouseClick(draft.reset_button, Qt.MouseButton.LeftButton)
    assert {r.state for r in draft.rows} == {RowState.PROPOSED}


def test_consent_page_right_to_left_and_required_fields(qtbot, setup: Setup) -> None:
    wizard = make_wizard(qtbot, setup)
    wizard.next()
    consent = wizard.consent_page
    consent.set_language("ar")
    statement = load_statement("ar", DESK_NAME)
    assert consent.text.toPlainText() == statement.text
    assert consent.panel.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert consent.checks[Scope.SUMMARY].text() == statement.scope_labels["summary"]
    names = [consent.language.itemText(i) for i in range(consent.language.count())]
    assert "العربية" in names
    assert "Nederlands" in names
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    tick(wizard, Scope.CONTACT)
    assert commit.isEnabled()  # through the advisor
    consent.via_contact.click()
    assert not commit.isEnabled()  # a typed contact must be typed
    assert consent.problem.text() == problem_message(DraftProblem.CONTACT_MISSING)
    qtbot.keyClicks(consent.contact, "via the union rep")
    assert commit.isEnabled()
    consent.set_language("en")
    assert consent.panel.layoutDirection() == Qt.LayoutDirection.LeftToRight
    wizard.next()
    ref = setup.service.get(wizard.referral_id)
    assert ref.consent.language == "en"
    assert ref.draft.contact == "via the union rep"


def _control_texts(consent) -> dict[str, object]:
    """What the visitor sees on the period choice, the contact choice and the field hints."""
    return {
        "periods": [consent.period.itemText(i) for i in range(consent.period.count())],
        "contact_advisor": consent.via_advisor.text(),
        "contact_typed": consent.via_contact.text(),
        "post_placeholder": consent.post.placeholderText(),
        "region_placeholder": consent.region.placeholderText(),
        "contact_placeholder": consent.contact.placeholderText(),
    }


def test_consent_controls_follow_the_visitor_language(qtbot, setup: Setup) -> None:
    wizard = make_wizard(qtbot, setup)
    wizard.next()
    consent = wizard.consent_page
    consent.period.setCurrentIndex(consent.period.findData("quarter"))
    english = _control_texts(consent)
    assert english["contact_typed"] == "At this contact:"
    seen = [english]
    for code, direction in (
        ("ar", Qt.LayoutDirection.RightToLeft),
        ("zh-Hans", Qt.LayoutDirection.LeftToRight),
    ):
        consent.set_language(code)
        controls = load_statement(code, DESK_NAME).controls
        assert controls is not None
        assert _control_texts(consent) == {
            "periods": [controls.day, controls.month, controls.quarter],
            "contact_advisor": controls.contact_advisor,
            "contact_typed": controls.contact_typed,
            "post_placeholder": controls.post_placeholder,
            "region_placeholder": controls.region_placeholder,
            "contact_placeholder": controls.contact_placeholder,
        }
        seen.append(_control_texts(consent))
        # The choice itself is kept; only its words change.
        assert consent.period.currentData() == Granularity.QUARTER.value
        assert consent.period.currentText() == controls.quarter
        assert consent.via_contact.accessibleName() == controls.contact_typed
        assert consent.panel.layoutDirection() == direction
        for widget in (consent.period, consent.via_advisor, consent.via_contact, consent.contact):
            assert widget.layoutDirection() == direction
            assert widget.font().family() == guide_font(code, 12.0).family()
    assert seen[0] != seen[1] != seen[2] != seen[0]
    # Advisor-facing controls stay in the UI language.
    assert [consent.methods.button(i).text() for i in range(3)] == [
        "On screen",
        "Verbally",
        "In writing",
    ]
    consent.set_language("en")
    assert _control_texts(consent) == english
    assert consent.panel.layoutDirection() == Qt.LayoutDirection.LeftToRight


def _visitor_buttons(consent) -> list:
    return [*consent.checks.values(), consent.via_advisor, consent.via_contact]


def _needed_height(button) -> int:
    """The height of ``button``'s label word-wrapped beside its indicator."""
    style = button.style()
    metric = QStyle.PixelMetric
    if isinstance(button, QRadioButton):
        indent = metric.PM_ExclusiveIndicatorWidth, metric.PM_RadioButtonLabelSpacing
    else:
        indent = metric.PM_IndicatorWidth, metric.PM_CheckBoxLabelSpacing
    width = button.width() - sum(style.pixelMetric(m, None, button) for m in indent)
    box = QRect(0, 0, width, 10_000)
    wrapped = button.fontMetrics().boundingRect(box, int(Qt.TextFlag.TextWordWrap), button.text())
    return wrapped.height()


def _fits(consent) -> bool:
    """Every visitor-facing label has the height its wrapped lines need, inside the panel."""
    panel = consent.panel
    for button in _visitor_buttons(consent):
        if button.height() < _needed_height(button):
            return False
        corner = button.mapTo(panel, button.rect().bottomRight())
        if corner.x() > panel.width() or corner.y() > panel.height():
            return False
    return True


def test_consent_labels_wrap_in_every_language(qtbot, setup: Setup) -> None:
    """No language's labels are cut off at the default size; wrapped labels get their lines."""
    wizard = make_wizard(qtbot, setup)
    wizard.next()
    consent = wizard.consent_page
    assert len(statement_languages()) == 25
    for code in statement_languages():
        consent.set_language(code)
        qtbot.waitUntil(lambda: _fits(consent), timeout=2000)
        for button in _visitor_buttons(consent):
            assert button.width() <= consent.panel.width(), code
    consent.set_language("ru")
    role = consent.checks[Scope.ROLE]
    qtbot.waitUntil(lambda: role.height() > 1.5 * role.fontMetrics().height(), timeout=2000)


def test_consent_page_scrolls_below_the_default_size(qtbot, setup: Setup) -> None:
    """At the wizard's minimum size the visitor's part scrolls instead of overlapping."""
    wizard = make_wizard(qtbot, setup)
    wizard.next()
    consent = wizard.consent_page
    consent.set_language("ar")
    wizard.resize(wizard.minimumSize())
    bar = consent.panel_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and _fits(consent), timeout=2000)
    layout = consent.panel.layout()
    assert consent.panel.height() >= layout.totalMinimumHeightForWidth(consent.panel.width())
    wizard.resize(1080, 680)
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=2000)
    assert consent.text.height() >= consent.text.minimumHeight()


def test_no_desk_explains_and_blocks(qtbot, setup: Setup, profile: OrgProfile) -> None:
    assert profile.desks == ()
    setup.workspace.set_profile(profile)
    wizard = ReferralWizard(setup.workspace, setup.record)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.desk_page.no_desk.isVisibleTo(wizard)
    assert "advisor profile import" in wizard.desk_page.no_desk.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.currentId() == 0


def _sealed_referral(setup: Setup) -> str:
    inputs = DraftInputs(desk=DESK_NAME, scopes=parse_scopes("category,summary"))
    draft = setup.service.create(
        setup.record, inputs, load_statement("en", DESK_NAME), ConsentMethod.ON_SCREEN
    )
    setup.service.confirm(draft.referral_id)
    return draft.referral_id


def test_list_widget_withdraw(qtbot, setup: Setup) -> None:
    ref_id = _sealed_referral(setup)
    answers = [False, True]
    asked: list[str] = []

    def fake_confirm(_parent, summary) -> bool:
        asked.append(summary.id)
        return answers.pop(0)

    widget = ReferralListWidget(setup.workspace, setup.record.id, confirm_withdraw=fake_confirm)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.tree.topLevelItemCount() == 1
    assert widget.tree.topLevelItem(0).text(2) == "Sealed, in the outbox"
    assert not widget.withdraw_button.isEnabled()  # nothing selected
    widget.select(ref_id)
    assert widget.withdraw_button.isEnabled()
    assert not widget.withdraw_selected()  # the advisor said no
    assert setup.service.outbox_ids() == [ref_id]
    with qtbot.waitSignal(widget.withdrawn) as signal:
        qtbot.mouseClick(widget.withdraw_button, Qt.MouseButton.LeftButton)
    assert signal.args == [ref_id]
    assert asked == [ref_id, ref_id]
    assert setup.service.get(ref_id).summary.state == "withdrawn"
    assert setup.service.get(ref_id).consent.withdrawn_at is not None
    assert setup.service.outbox_ids() == []
    assert widget.tree.topLevelItem(0).text(2) == "Consent withdrawn"
    assert not widget.withdraw_button.isEnabled()
    assert "removed from the outbox" in widget.message.text()
    other = ReferralListWidget(setup.workspace, (setup.record.id or 0) + 1000)
    qtbot.addWidget(other)
    other.show()
    assert other.tree.topLevelItemCount() == 0
    assert other.empty.isVisible()
    assert other.empty.text() == "No referrals from this record."
    assert not widget.empty.isVisible()  # the record with a referral shows its list instead


def test_view_offsets_round_trip() -> None:
    text = "a😀b\tc😀"
    for index in range(len(text) + 1):
        assert from_view_offset(text, to_view_offset(text, index)) == index
    assert to_view_offset(text, 2) == 3


def test_screenshots(qtbot, tmp_path: Path) -> None:
    files = render_referral_screenshots(tmp_path)
    assert [f.name for f in files] == [
        "referral-desk.png",
        "referral-consent-en.png",
        "referral-consent-ar.png",
        "referral-draft.png",
        "referral-preview.png",
    ]
    assert all(f.stat().st_size > 10_000 for f in files)


def test_resume_draft_and_sealed(qtbot, setup: Setup, tmp_path: Path) -> None:
    inputs = DraftInputs(desk=DESK_NAME, scopes=parse_scopes("summary"))
    draft = setup.service.create(
        setup.record, inputs, load_statement("en", DESK_NAME), ConsentMethod.WRITTEN
    )
    widget = ReferralListWidget(setup.workspace, setup.record.id)
    qtbot.addWidget(widget)
    widget.select(draft.referral_id)
    with qtbot.waitSignal(widget.resume_requested) as asked:
        qtbot.mouseClick(widget.resume_button, Qt.MouseButton.LeftButton)
    assert asked.args == [draft.referral_id]

    wizard = make_wizard(qtbot, setup, resume=draft.referral_id)
    assert wizard.currentPage() is wizard.draft_page
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert wizard.draft_page.rows
    wizard.next()
    wizard.preview_page.checked.click()
    with qtbot.waitSignal(wizard.referral_confirmed):  # sealed on the worker
        wizard.next()
    assert setup.service.get(draft.referral_id).summary.state == "confirmed"

    out = tmp_path / "later.referral"
    later = make_wizard(qtbot, setup, resume=draft.referral_id, choose_export_path=lambda: out)
    assert later.currentPage() is later.done_page
    with qtbot.waitSignal(later.referral_exported):  # written on the worker
        assert later.done_page.export()
    assert desk_open(setup, out)[0] == 0


def test_preview_shows_the_referral_as_the_desk_reads_it(qtbot, setup: Setup) -> None:
    """The words are the desk's reading of the exact payload the JSON view shows."""
    from advisor_desktop.protocol.referral_package import validate_payload
    from advisor_desktop.protocol.referral_words import referral_words

    inputs = DraftInputs(desk=DESK_NAME, scopes=parse_scopes("category,summary"))
    draft = setup.service.create(
        setup.record, inputs, load_statement("en", DESK_NAME), ConsentMethod.ON_SCREEN
    )
    wizard = make_wizard(qtbot, setup, resume=draft.referral_id)
    wizard.next()  # from the redactions to the preview
    page = wizard.preview_page
    payload = setup.service.payload_bytes(draft.referral_id)
    assert page.view.toPlainText() == render_preview(payload)
    words = page.words.toPlainText()
    lines = referral_words(
        validate_payload(json.loads(payload)), lambda k: setup.profile.category(k).label("en")
    )
    for line in lines:
        assert line.label in words
        assert line.text in words
    assert LISTED not in words
