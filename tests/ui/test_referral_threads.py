"""The referral wizard keeps the GUI thread free: sealing and exporting run on the runner.

A stall probe (a 5 ms timer on the GUI thread) records the longest gap between its ticks while
the seal and the export run. The vault is real; the workspace's clock, which the seal and the
export call once each, is made slow (the edge of the world, passed in): had either run on the
GUI thread, the probe would see that delay as one long gap.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtWidgets import QWizard

from advisor_desktop.app.referrals import decide_redactions
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.desk.identity import keygen
from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import Desk, OrgProfile, with_desk
from advisor_desktop.protocol.referral_terms import Scope
from advisor_desktop.referral.anonymiser import DecisionKind, RedactionDecision
from advisor_desktop.storage.store import Vault
from advisor_desktop.ui.referral import ReferralWizard
from advisor_desktop.ui.shell.workers import Runner
from tests.conftest import TEST_KDF
from tests.helpers.records import make_record

pytestmark = pytest.mark.gui

DESK_NAME = "Central desk"
NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)
#: How long the seal and the export each wait in the clock: well above the 50 ms budget.
SLOW_S = 0.2
MAX_GAP_S = 0.050
# A long summary (close to the 20,000-character limit) with names, addresses and numbers, so
# the seal builds, checks, signs and encrypts a payload of real size.
PARAGRAPH = (
    "Maria Jansen (maria.jansen@example.org, +31 6 12345678) told me on 14 March 2026 that "
    "Pieter de Vries shouted at her in the weekly meeting; colleagues saw it. "
)
LONG_SUMMARY = PARAGRAPH * (19_000 // len(PARAGRAPH))


@dataclass
class SlowClock:
    """The workspace's clock: answers ``NOW``, after ``delay`` seconds; records the calling
    thread of every call."""

    delay: float = 0.0
    threads: list[int] = field(default_factory=list)

    def __call__(self) -> dt.datetime:
        self.threads.append(threading.get_ident())
        if self.delay:
            time.sleep(self.delay)
        return NOW


class StallProbe(QObject):
    """Ticks every 5 ms on the GUI thread and keeps the longest gap between two ticks."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self.ticks = 0
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now
        self.ticks += 1


@contextlib.contextmanager
def stall_probe() -> Iterator[StallProbe]:
    """A probe ticking for the duration of the block."""
    probe = StallProbe()
    probe._last = time.perf_counter()
    probe.timer.start()
    try:
        yield probe
    finally:
        probe._tick()  # the gap up to the end counts too
        probe.timer.stop()


@dataclass
class Setup:
    workspace: Workspace
    record: ConversationRecord
    clock: SlowClock
    runner: Runner


@pytest.fixture
def setup(
    qtbot, vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path
) -> Iterator[Setup]:
    desk = keygen(tmp_path / "desk", DESK_NAME, b"desk passphrase", TEST_KDF)
    public = desk.public
    clock = SlowClock()
    workspace = Workspace(vault, paths, clock)  # the vault fixture closes the vault
    workspace.set_profile(
        with_desk(profile, Desk(public.name, public.age_recipient, public.signing_key))
    )
    record_id = workspace.notebook.add(
        make_record(notes="See the summary.", identifiers=("Maria Jansen",))
    )
    runner = Runner()
    yield Setup(workspace, workspace.notebook.get(record_id), clock, runner)
    runner.wait()


def at_preview(qtbot, setup: Setup, **kwargs) -> ReferralWizard:  # type: ignore[no-untyped-def]
    """A wizard on the setup's runner, walked to a ticked preview of the long summary."""
    wizard = ReferralWizard(setup.workspace, setup.record, runner=setup.runner, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.desk_page.summary.setPlainText(LONG_SUMMARY)
    wizard.next()
    for scope in (Scope.CATEGORY, Scope.SUMMARY):
        wizard.consent_page.checks[scope].click()
    wizard.next()  # consent and draft recorded
    assert wizard.currentPage() is wizard.draft_page
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    wizard.preview_page.checked.click()
    # Lay out and paint the preview now: the probes measure the seal and the export, not the
    # first paint of a page holding 19,000 characters twice.
    for _round in range(3):
        QCoreApplication.processEvents()
    return wizard


def test_seal_and_export_never_block_the_gui_thread(qtbot, setup: Setup, tmp_path: Path) -> None:
    gui = threading.get_ident()
    usb = tmp_path / "usb"
    usb.mkdir()
    wizard = at_preview(qtbot, setup, choose_export_path=lambda: usb)
    seal = wizard.button(QWizard.WizardButton.CommitButton)
    assert seal.isEnabled()

    # Inside each probe window the test only clicks: every gap is the application's own.
    setup.clock.delay = SLOW_S
    setup.clock.threads.clear()
    with (
        stall_probe() as seal_probe,
        qtbot.waitSignal(wizard.referral_confirmed, timeout=10_000),
    ):
        qtbot.mouseClick(seal, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.done_page
    assert setup.workspace.referrals.get(wizard.referral_id).summary.state == "confirmed"
    seal_thread = setup.runner.last_task.thread_id
    assert seal_thread is not None
    assert seal_thread != gui
    assert setup.clock.threads
    assert gui not in setup.clock.threads
    assert seal_probe.ticks >= 10, seal_probe.ticks  # the event loop ran all along
    assert seal_probe.longest < MAX_GAP_S, f"GUI thread blocked {seal_probe.longest * 1000:.0f} ms"

    setup.clock.threads.clear()
    with (
        stall_probe() as export_probe,
        qtbot.waitSignal(wizard.referral_exported, timeout=10_000) as exported,
    ):
        qtbot.mouseClick(wizard.done_page.export_button, Qt.MouseButton.LeftButton)
    written = Path(exported.args[1])
    assert written.parent == usb
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert written.read_bytes() == setup.workspace.referrals.package(wizard.referral_id)
    assert setup.runner.last_task.thread_id not in (None, gui)
    assert setup.clock.threads
    assert gui not in setup.clock.threads
    assert export_probe.ticks >= 10, export_probe.ticks
    assert export_probe.longest < MAX_GAP_S, (
        f"GUI thread blocked {export_probe.longest * 1000:.0f} ms"
    )


def test_busy_until_the_worker_reports(qtbot, setup: Setup, tmp_path: Path) -> None:
    """Right after the click (before the event loop can deliver the worker's answer) the page
    is busy, stays where it is and offers nothing to press; afterwards all is back."""
    usb = tmp_path / "usb"
    usb.mkdir()
    wizard = at_preview(qtbot, setup, choose_export_path=lambda: usb)
    preview, done = wizard.preview_page, wizard.done_page
    seal = wizard.button(QWizard.WizardButton.CommitButton)
    back = wizard.button(QWizard.WizardButton.BackButton)
    assert back.isEnabled()
    with qtbot.waitSignal(wizard.referral_confirmed, timeout=10_000):
        qtbot.mouseClick(seal, Qt.MouseButton.LeftButton)
        assert wizard.flow.busy
        assert wizard.currentPage() is preview
        assert not seal.isEnabled()
        assert not back.isEnabled()
        assert not preview.checked.isEnabled()
        assert preview.message.text() == "Sealing the referral…"
        assert not wizard.validateCurrentPage()  # Enter again does nothing either
    assert wizard.currentPage() is done
    assert not wizard.flow.busy
    assert not preview.message.isVisibleTo(wizard)

    finish = wizard.button(QWizard.WizardButton.FinishButton)
    with qtbot.waitSignal(wizard.referral_exported, timeout=10_000):
        qtbot.mouseClick(done.export_button, Qt.MouseButton.LeftButton)
        assert wizard.flow.busy
        assert not done.export_button.isEnabled()
        assert not finish.isEnabled()
        assert done.status.text() == "Writing the file…"
        assert not done.export()  # one write at a time
    assert not wizard.flow.busy
    assert done.export_button.isEnabled()
    assert finish.isEnabled()
    assert done.status.text().startswith("Written to ")
    assert len(list(usb.iterdir())) == 1


def test_a_refused_seal_is_shown_on_the_page(qtbot, setup: Setup) -> None:
    wizard = at_preview(qtbot, setup)
    ref = wizard.referral_id
    assert ref is not None
    # The draft changes behind the preview's back: its digest no longer matches.
    source = wizard.draft_page.draft.source
    start = source.index("weekly meeting")
    decide_redactions(setup.workspace, ref, [RedactionDecision(DecisionKind.ADD, start, start + 6)])
    seal = wizard.button(QWizard.WizardButton.CommitButton)
    qtbot.mouseClick(seal, Qt.MouseButton.LeftButton)
    assert wizard.flow.busy
    qtbot.waitUntil(lambda: not wizard.flow.busy, timeout=10_000)
    message = wizard.preview_page.message
    assert message.isVisibleTo(wizard)
    assert "preview it again" in message.text()
    assert wizard.currentPage() is wizard.preview_page
    assert setup.workspace.referrals.get(ref).summary.state == "draft"
    # Back to the redactions and on to a fresh preview is the way forward.
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()


def test_a_refused_export_is_shown_on_the_page(qtbot, setup: Setup, tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "x.referral"
    wizard = at_preview(qtbot, setup, choose_export_path=lambda: missing)
    with qtbot.waitSignal(wizard.referral_confirmed, timeout=10_000):
        wizard.next()
    done = wizard.done_page
    assert done.export()
    qtbot.waitUntil(lambda: not wizard.flow.busy, timeout=10_000)
    assert "could not be saved" in done.status.text()
    assert done.exported_to is None
    assert done.export_button.isEnabled()
    assert setup.workspace.referrals.get(wizard.referral_id).summary.state == "confirmed"
