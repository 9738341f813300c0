"""The Outbox page and the sync on its worker, against the real intake server over TLS.

- the page updates while the sync runs (each item's row as the sender reports it);
- with the desk down (a closed port; a server that accepts and never answers) the event loop
  never stalls more than 50 ms (the stall probe of test_referral_threads);
- locking or quitting during a send waits a bounded time, and loses nothing: the next sync
  delivers every item exactly once;
- the indicator's words for each phase, delivery and the desk's status on the record's
  referral list, the visitor's status view, the connection settings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from advisor_desktop.app.outbox import ConnectionOptions, list_items
from advisor_desktop.app.outbox import sync as core_sync
from advisor_desktop.app.preferences import load_sync_settings
from advisor_desktop.app.workspace import Workspace, open_workspace
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.status_message import StatusMessage
from advisor_desktop.referral.outbox import Outbox, OutboxState
from advisor_desktop.referral.sender import ItemOutcome
from advisor_desktop.referral.status_texts import load_status_texts
from advisor_desktop.referral.transport import Timeouts
from advisor_desktop.ui.outbox.page import OutboxPage, SyncIndicator, indicator_text
from advisor_desktop.ui.outbox.sync import STOP_WAIT_MS, OutboxSync, Phase, SyncView
from advisor_desktop.ui.outbox.visitor_status import VisitorStatusView
from advisor_desktop.ui.referral.list_widget import ReferralListWidget
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner
from tests.conftest import PASSPHRASE
from tests.helpers.fault_proxy import Action, Fault, FaultProxy
from tests.intake.harness import Tls, make_tls
from tests.outbox.harness import OutboxWorld
from tests.ui.test_referral_threads import MAX_GAP_S, stall_probe

pytestmark = pytest.mark.gui

#: Short timeouts for the desk-down cases: a dead connection is given up quickly.
QUICK = Timeouts(connect=0.5, read=0.5, write=0.5, pool=0.5)
#: The quitting cases: the answer to a post is held longer than the client waits for it.
SLOW = Timeouts(connect=2.0, read=2.5, write=2.5, pool=2.0)
HOLD_S = 4.0


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy, tls: Tls) -> OutboxWorld:
    return OutboxWorld(tmp_path, policy, tls)


class Desktop:
    """The world's vault open in a session, with its sync and the Outbox page."""

    def __init__(self, qtbot, world: OutboxWorld, options: ConnectionOptions) -> None:  # type: ignore[no-untyped-def]
        self.world = world
        self.workspace = open_workspace(
            world.paths, bytearray(PASSPHRASE.encode()), world.policy, world.clock
        )
        self.session = Session(world.paths, world.policy, world.clock)
        self.runner = Runner()
        # No periodic or start-up sync in the tests: each starts its own.
        self.sync = OutboxSync(
            self.session, options=options, interval_ms=3_600_000, first_ms=3_600_000
        )
        self.page = OutboxPage(self.session, self.runner, self.sync)
        qtbot.addWidget(self.page)
        self.indicator = SyncIndicator(self.sync)
        qtbot.addWidget(self.indicator)
        self.session.open_workspace(self.workspace)
        qtbot.waitUntil(lambda: self.page.loads > 0)

    def close(self) -> None:
        self.sync.stop(wait_ms=30_000)
        self.sync.runner.wait()
        self.runner.wait()
        self.session.lock()


@contextlib.contextmanager
def desktop(qtbot, world: OutboxWorld, options: ConnectionOptions) -> Iterator[Desktop]:  # type: ignore[no-untyped-def]
    made = Desktop(qtbot, world, options)
    try:
        yield made
    finally:
        made.close()


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never answers (not even TLS)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def sending(workspace: Workspace) -> list[str]:
    """The ids of the items being sent now."""
    return [
        i.referral_id for i in Outbox(workspace.vault).items() if i.state is OutboxState.SENDING
    ]


def state_cells(page: OutboxPage) -> dict[str, str]:
    return {
        item.referral_id: row[1] for item, row in zip(page.items, page.row_texts(), strict=True)
    }


# -- the page while sending ----------------------------------------------------------------------


def test_the_page_updates_while_sending(qtbot, world: OutboxWorld) -> None:
    ids = world.seal(3)
    with world.server() as live, desktop(qtbot, world, world.options(server=live.url)) as app:
        page = app.page
        assert sorted(state_cells(page)) == sorted(ids)
        assert all("Waiting to be sent" in text for text in state_cells(page).values())
        seen: list[tuple[str, str, bool]] = []

        def on_item(outcome: object) -> None:
            # Connected after the page's own slot: the row already shows this item's state,
            # while the sync still runs.
            assert isinstance(outcome, ItemOutcome)
            cell = state_cells(page).get(outcome.referral_id, "")
            seen.append((outcome.referral_id, cell, app.sync.busy))

        app.sync.progress.connect(on_item)
        with qtbot.waitSignal(app.sync.started, timeout=5_000):
            assert page.send_now()
        assert app.indicator.text().startswith("↻")
        assert not page.send_button.isEnabled()
        with qtbot.waitSignal(app.sync.finished, timeout=30_000):
            pass
        assert sorted(s[0] for s in seen) == sorted(ids)
        assert all(cell.endswith("Delivered") for _id, cell, _busy in seen)
        assert all(busy for _id, _cell, busy in seen), "rows changed during the sync"
        qtbot.waitUntil(lambda: all(c == "✓ Delivered" for c in state_cells(page).values()))
        rows = page.row_texts()
        assert all(row[2] == "1" and row[5] for row in rows), rows  # attempts, delivered time
        assert "nothing waiting" in app.indicator.text()
        # The history of a delivered item, oldest first.
        page.select(ids[0])
        qtbot.waitUntil(lambda: page.history.count() >= 2)
        lines = [page.history.item(i).text() for i in range(page.history.count())]
        assert "Delivered" in lines[-1]
        assert page.send_button.isEnabled()
    world.assert_exactly_once(ids)


# -- the desk down: the GUI never waits ------------------------------------------------------------


@pytest.mark.parametrize("down", ["closed port", "never answers"])
def test_the_event_loop_never_stalls_with_the_desk_down(qtbot, world: OutboxWorld, down: str):
    ids = world.seal(2)
    with contextlib.ExitStack() as stack:
        if down == "closed port":
            url = f"https://127.0.0.1:{closed_port()}"
        else:
            url = stack.enter_context(silent_server())
        options = world.options(server=url, timeouts=QUICK)
        app = stack.enter_context(desktop(qtbot, world, options))
        with stall_probe() as probe:
            with qtbot.waitSignal(app.sync.finished, timeout=30_000):
                assert app.page.send_now()
            qtbot.waitUntil(lambda: app.page.loads >= 2)
        assert probe.ticks > 0  # a closed port is refused within milliseconds: few ticks
        assert probe.longest < MAX_GAP_S, f"the event loop stalled {probe.longest * 1000:.0f} ms"
        # Nothing delivered; the reason is shown on the page and in the indicator.
        qtbot.waitUntil(lambda: all(i.state is not OutboxState.SENDING for i in app.page.items))
        assert {i.referral_id for i in app.page.items} == set(ids)
        assert not any(i.delivered for i in app.page.items)
        assert app.sync.view.reason
        assert app.sync.view.phase in (Phase.FAILED, Phase.OFFLINE)
        assert app.indicator.text().startswith(("!", "⊘"))
        assert app.sync.view.reason[:20] in app.indicator.toolTip()
        assert "Delivered" not in " ".join(" ".join(r) for r in app.page.row_texts())


# -- quitting during a send -----------------------------------------------------------------------


@contextlib.contextmanager
def hanging_post(world: OutboxWorld) -> Iterator[tuple[str, str]]:
    """The intake server behind a fault proxy that holds the first POST of a package for
    longer than the client's read timeout, then passes it on (the server stores it: the
    client's answer is lost). Yields (the proxy's URL, the server's)."""
    with world.server() as live:
        proxy = FaultProxy(live.url, cert=world.tls.cert, key=world.tls.key, ca=world.tls.ca)
        with proxy:
            proxy.script(Action(Fault.DELAY, delay=HOLD_S, on="POST /v1/referrals"))
            yield proxy.url, live.url


def test_quitting_during_a_send_loses_nothing(qtbot, world: OutboxWorld) -> None:
    ids = world.seal(3)
    with hanging_post(world) as (url, server):
        app = Desktop(qtbot, world, world.options(server=url, timeouts=SLOW))
        with qtbot.waitSignal(app.sync.started, timeout=5_000):
            assert app.page.send_now()
        # An item is on its way (the answer to its post is held by the proxy)...
        qtbot.waitUntil(lambda: bool(sending(app.workspace)), timeout=10_000)
        held = sending(app.workspace)[0]
        # ...when the advisor quits: the window locks the vault, which stops the sync.
        started = time.monotonic()
        app.session.lock()
        waited = time.monotonic() - started
        assert waited < STOP_WAIT_MS / 1000 + 1.0, "quitting waited for the network"
        assert not app.session.is_open
        app.sync.runner.wait()  # the worker gives up on its own (its timeouts)
        app.runner.wait()
        # Nothing lost: every item is still in the outbox, none delivered without a receipt.
        with world.workspace() as ws:
            items = {i.referral_id: i for i in list_items(ws)}
            assert sorted(items) == sorted(ids)
            assert items[held].state is OutboxState.SENDING
            assert not items[held].delivered
        # The next sync (the app started again) asks for the lost answer's receipt first and
        # delivers each exactly once.
        with world.workspace() as ws:
            core_sync(ws, world.options(server=server))
    world.assert_exactly_once(ids)


def test_a_window_closed_during_a_send_closes_at_once(qtbot, world: OutboxWorld) -> None:
    """The whole window: closing it (Quit) during a held send returns within the bound."""
    from advisor_desktop.ui.outbox.page import add_sync_indicator
    from advisor_desktop.ui.outbox.sync import sync_for
    from advisor_desktop.ui.shell.build import build_main_window

    ids = world.seal(2)
    with hanging_post(world) as (url, _server):
        session = Session(world.paths, world.policy, world.clock)
        runner = Runner()
        sync = OutboxSync(
            session,
            options=world.options(server=url, timeouts=SLOW),
            interval_ms=3_600_000,
            first_ms=3_600_000,
        )
        session.outbox_sync = sync  # type: ignore[attr-defined]
        assert sync_for(session) is sync
        window = build_main_window(session, runner)
        qtbot.addWidget(window)
        session.open_workspace(
            open_workspace(world.paths, bytearray(PASSPHRASE.encode()), world.policy, world.clock)
        )
        indicator = add_sync_indicator(window, session)
        with qtbot.waitSignal(sync.started, timeout=5_000):
            assert sync.sync_now(force=True)
        assert indicator.text().startswith("↻")
        qtbot.waitUntil(lambda: bool(sending(session.workspace)), timeout=10_000)
        started = time.monotonic()
        window.close()
        assert time.monotonic() - started < STOP_WAIT_MS / 1000 + 1.5
        assert not session.is_open
        sync.runner.wait()
        runner.wait()
    with world.workspace() as ws:
        assert sorted(i.referral_id for i in list_items(ws)) == sorted(ids)


# -- words ---------------------------------------------------------------------------------------


def test_the_indicator_says_each_phase() -> None:
    when = dt.datetime(2026, 5, 3, 12, 0, tzinfo=dt.UTC)
    idle, _tip = indicator_text(SyncView(Phase.IDLE, last_sync=when))
    assert idle == "✓ Outbox: nothing waiting"
    assert indicator_text(SyncView(Phase.SENDING))[0] == "↻ Sending…"
    assert indicator_text(SyncView(Phase.SENDING, done=2))[0] == "↻ Sending… (2 done)"
    assert indicator_text(SyncView(Phase.WAITING, waiting=1))[0] == (
        "○ 1 referral waiting to be delivered"
    )
    assert indicator_text(SyncView(Phase.WAITING, waiting=4))[0] == (
        "○ 4 referrals waiting to be delivered"
    )
    failed, tip = indicator_text(SyncView(Phase.FAILED, waiting=2, reason="The proxy refused."))
    assert failed == "! Last sync failed: The proxy refused."
    assert "The proxy refused." in tip
    assert indicator_text(SyncView(Phase.OFFLINE, waiting=3))[0] == (
        "⊘ Offline: 3 referrals waiting to be delivered"
    )


def test_a_periodic_sync_waits_while_offline(qtbot, world: OutboxWorld) -> None:
    world.seal(1)
    with world.server() as live:
        app = Desktop(qtbot, world, world.options(server=live.url))
        try:
            app.sync._online = lambda: False
            assert not app.sync.sync_now(force=False, periodic=True)
            assert app.sync.view.phase is Phase.OFFLINE
            assert app.indicator.text().startswith("⊘ Offline")
            # Send now tries anyway.
            with qtbot.waitSignal(app.sync.finished, timeout=30_000):
                assert app.page.send_now()
        finally:
            app.close()


def _status(referral_id: str, device: str, desk: str, state: ReferralState, **kw) -> StatusMessage:  # type: ignore[no-untyped-def]
    return StatusMessage(
        referral_id=referral_id,
        sequence=kw.pop("sequence", 1),
        state=state,
        outcome=kw.pop("outcome", None),
        text=kw.pop("text", None),
        set_at="2026-05-03T09:00:00Z",
        desk_key_id=desk,
        device_key_id=device,
    )


def test_the_referral_list_shows_delivery_and_the_desk_status(qtbot, world: OutboxWorld) -> None:
    (delivered,) = world.seal(1)
    with world.server() as live, world.workspace() as ws:
        core_sync(ws, world.options(server=live.url), force=True)
    (fresh,) = world.seal(1)  # sealed after the sync: waits in the outbox
    with world.workspace() as ws:
        book = ws.referrals.statuses
        message = _status(
            delivered,
            "0" * 32,
            "1" * 32,
            ReferralState.CLOSED,
            outcome=Outcome.ADVICE_GIVEN,
            text="We spoke with the manager.",
        )
        book.record(message, b"signed document (test)")
        widget = ReferralListWidget(ws, world.record_id)
        qtbot.addWidget(widget)
        rows = {}
        for index in range(widget.tree.topLevelItemCount()):
            item = widget.tree.topLevelItem(index)
            assert item is not None
            ref = item.data(0, Qt.ItemDataRole.UserRole)
            rows[ref] = [item.text(c) for c in range(6)]
        assert rows[delivered][2] == "Delivered"
        assert rows[delivered][4].startswith("Delivered ")
        assert rows[delivered][5] == "Closed: advice given"
        assert rows[fresh][4] == "Waiting to be sent"
        assert rows[fresh][5] == ""
        assert "Delivered" not in rows[fresh][2] + rows[fresh][4]
        widget.select(delivered)
        assert widget.desk_message.text() == "The desk wrote: We spoke with the manager."
        assert widget.visitor_button.isEnabled()
        requested: list[str] = []
        widget.visitor_status_requested.connect(requested.append)
        widget.visitor_button.click()
        assert requested == [delivered]


@pytest.mark.parametrize("lang", ["ar", "nl", "zh-Hans"])
def test_the_visitor_sees_the_step_in_their_language(qtbot, lang: str) -> None:
    texts = load_status_texts(lang)
    view = VisitorStatusView(
        lang,
        ReferralState.IN_ASSESSMENT,
        since="2026-05-03T09:00:00Z",
        desk_message="Wir melden uns nächste Woche.",
    )
    qtbot.addWidget(view)
    rtl = lang == "ar"
    assert view.layoutDirection() == (
        Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
    )
    assert view.heading.text() == texts.states["in-assessment"].heading
    assert view.body.text() == texts.states["in-assessment"].text
    assert view.footer.text() == texts.footer
    assert view.message.text() == "Wir melden uns nächste Woche."
    assert view.message.textFormat() == Qt.TextFormat.PlainText
    current = [label.text() for label in view.step_labels if label.property("current")]
    assert current == ["● " + texts.steps["in-assessment"]]
    assert view.heading.font().pointSizeF() > 20
    # Leaving needs nothing here (no check set); with one, Escape asks for the passphrase.
    with qtbot.waitSignal(view.left, timeout=1000):
        view.ask_to_leave()


def test_leaving_the_visitor_status_needs_the_passphrase(qtbot) -> None:
    view = VisitorStatusView(
        "fa", ReferralState.CLOSED, Outcome.MEDIATION, verify_passphrase=lambda s: s == b"ok"
    )
    qtbot.addWidget(view)
    view.show()
    view.close()
    assert view.isVisible(), "closing is refused until the passphrase is given"
    assert not view.unlock_panel.isHidden()
    view.passphrase.setText("wrong")
    view.try_leave()
    qtbot.waitUntil(lambda: view.unlock_error.text() == "Wrong passphrase.")
    view.passphrase.setText("ok")
    with qtbot.waitSignal(view.left, timeout=5000):
        view.try_leave()
    assert view.heading.text() == load_status_texts("fa").outcomes["mediation"].heading


# -- settings -------------------------------------------------------------------------------------


def test_the_connection_settings_are_checked_and_stored(qtbot, world: OutboxWorld) -> None:
    from advisor_desktop.ui.settings.page import SettingsPage

    session = Session(world.paths, world.policy, world.clock)
    runner = Runner()
    page = SettingsPage(session, runner)
    qtbot.addWidget(page)
    workspace: Workspace = open_workspace(
        world.paths, bytearray(PASSPHRASE.encode()), world.policy, world.clock
    )
    session.open_workspace(workspace)
    try:
        page.reload()
        assert page.intake_url.text() == page.proxy.text() == ""
        page.proxy.setText("socks://proxy:1")
        assert not page.apply_sync_settings()
        assert page.sync_error.isVisibleTo(page)
        assert "http://host:port" in page.sync_error.text()
        assert load_sync_settings(workspace.vault).proxy is None
        page.intake_url.setText("https://intake.desk.example")
        page.proxy.setText("http://proxy.post.example:3128")
        assert page.apply_sync_settings()
        assert not page.sync_error.isVisibleTo(page)
        stored = load_sync_settings(workspace.vault)
        assert stored.proxy == "http://proxy.post.example:3128"
        assert stored.intake_url is not None
        assert stored.intake_url.startswith("https://intake")
        page.intake_url.setText("")
        page.proxy.setText("")
        assert page.apply_sync_settings()
        assert load_sync_settings(workspace.vault).proxy is None
    finally:
        runner.wait()
        session.lock()


# -- in the window --------------------------------------------------------------------------------


def test_the_window_has_the_outbox_and_its_indicator(qtbot, main) -> None:  # type: ignore[no-untyped-def]
    # The indicator comes a moment after the window is built (the network stack is imported
    # on the runner meanwhile).
    qtbot.waitUntil(lambda: getattr(main, "sync_indicator", None) is not None, timeout=10_000)
    indicator = main.sync_indicator
    assert indicator in main.statusBar().findChildren(SyncIndicator)
    qtbot.waitUntil(lambda: indicator.text() == "✓ Outbox: nothing waiting")
    assert not main.is_built("outbox")
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    assert main.current_page_key() == "outbox"
    page = main.page("outbox")
    assert isinstance(page, OutboxPage)
    qtbot.waitUntil(lambda: page.loads > 0)
    assert page.empty.isVisibleTo(page)
    assert not page.export_button.isEnabled()
    # Nothing about the outbox on the lock screen.
    main.lock()
    assert not indicator.isVisibleTo(main)


def test_show_the_visitor_opens_the_status_in_the_consent_language(qtbot, world: OutboxWorld):
    from advisor_desktop.ui.notebook.record_referrals import RecordReferrals

    (referral_id,) = world.seal(1)
    with world.server() as live, world.workspace() as ws:
        core_sync(ws, world.options(server=live.url))
    session = Session(world.paths, world.policy, world.clock)
    session.open_workspace(
        open_workspace(world.paths, bytearray(PASSPHRASE.encode()), world.policy, world.clock)
    )
    runner = Runner()
    panel = RecordReferrals(session, runner=runner)
    qtbot.addWidget(panel)
    try:
        panel.set_record(world.record_id)
        assert panel.list is not None
        panel.list.select(referral_id)
        with qtbot.waitSignal(panel.list.visitor_status_requested, timeout=1000):
            panel.list.visitor_button.click()
        view = panel.status_view
        assert view is not None
        qtbot.addWidget(view)
        texts = load_status_texts("en")  # the statement the visitor consented with
        assert view.texts.language == "en"
        # Delivered (a verified receipt), the desk has said nothing yet.
        assert view.heading.text() == texts.states["delivered"].heading
        # Locking closes it without the passphrase: the lock screen follows.
        session.lock()
        assert panel.status_view is None
        assert not view.isVisible()
    finally:
        runner.wait()
        session.lock()


def test_export_as_file_then_import_the_desks_receipt(qtbot, world: OutboxWorld, tmp_path: Path):
    import stat

    (ref,) = world.seal(1)
    target = tmp_path / "stick" / "to-desk.referral"
    target.parent.mkdir()
    receipts = tmp_path / "receipts"
    receipts.mkdir()
    chosen: list[Path] = []
    app = Desktop(qtbot, world, world.options(server="https://127.0.0.1:9"))
    try:
        page = app.page
        page._choose_export = lambda _parent: target
        page._choose_receipt = lambda _parent: chosen[0]
        page.select(ref)
        assert page.export_button.isEnabled()
        loads = page.loads
        assert page.export_selected() == target
        qtbot.waitUntil(lambda: page.loads > loads)
        assert target.read_bytes() == Outbox(app.workspace.vault).package(ref)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert state_cells(page)[ref] == "○ Exported, waiting for the desk's receipt"
        assert "waits for the desk's receipt" in page.status.text()
        # A forged receipt is refused, the item stays undelivered with the reason.
        assert world.desk("import", str(target), "--receipts", str(receipts)).code == 0
        (receipt,) = receipts.glob("*.receipt")
        forged = tmp_path / "forged.receipt"
        forged.write_bytes(receipt.read_bytes().replace(b'"received_at":"2', b'"received_at":"1'))
        chosen.append(forged)
        loads = page.loads
        assert page.import_receipt() == forged
        qtbot.waitUntil(lambda: page.loads > loads)
        assert not Outbox(app.workspace.vault).get(ref).delivered
        assert page.status.text()
        assert "Delivered" not in state_cells(page)[ref]
        # The desk's real receipt: delivered.
        chosen[0] = receipt
        loads = page.loads
        assert page.import_receipt() == receipt
        qtbot.waitUntil(lambda: page.loads > loads)
        assert Outbox(app.workspace.vault).get(ref).delivered
        assert state_cells(page)[ref] == "✓ Delivered"
        assert page.status.text().startswith("Receipt verified")
        assert not page.export_button.isEnabled()
    finally:
        app.close()
