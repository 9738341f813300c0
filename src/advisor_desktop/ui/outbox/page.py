"""The Outbox page and the sync indicator in the status bar.

The page lists every sealed referral in the outbox: its state in words ("Delivered" only with
a verified receipt), the network attempts, the last reason it did not go through, when it is
tried again and when it was delivered; below, the history of the selected item. "Send now"
starts a sync of every undelivered item on the worker (``ui/outbox/sync.py``); the list
updates as each item is handled. Without a network, "Export as file…" writes the same sealed
bytes (a neutral file name, in the documents folder by default) and "Import receipt…" takes
the desk's receipt file back.

Reading the outbox runs on the window's runner, so a sync holding the vault for a moment never
stalls painting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.app.outbox import (
    export_item,
    import_receipt_file,
    item_history,
    list_items,
)
from advisor_desktop.app.referrals import neutral_file_name
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.protocol.receipt import RECEIPT_SUFFIX
from advisor_desktop.referral.outbox import OutboxItem, OutboxState, Transition
from advisor_desktop.referral.sender import ItemOutcome
from advisor_desktop.ui.outbox.sync import OutboxSync, Phase, SyncView, sync_for
from advisor_desktop.ui.outbox.words import (
    STATE_WORDS,
    item_state_words,
    item_tone,
    time_words,
)
from advisor_desktop.ui.shell.common import documents_dir, heading, in_documents, named, note
from advisor_desktop.ui.shell.main_window import MainWindow
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

PathChooser = Callable[[QWidget], Path | None]

COLUMNS = 6
#: While a sync reports progress, the list is read again at most this often.
RELOAD_COALESCE_MS = 150
REFERRAL, STATE, ATTEMPTS, REASON, NEXT, DELIVERED = range(COLUMNS)


def ask_export_path(parent: QWidget) -> Path | None:
    """Where to write a package: a neutral name in the documents folder, proposed."""
    path, _filter = QFileDialog.getSaveFileName(
        parent,
        _("Export the referral as a file"),
        in_documents(neutral_file_name()),
        _("Referral packages (*.referral);;All files (*)"),
    )
    return Path(path) if path else None


def ask_receipt_path(parent: QWidget) -> Path | None:
    """The desk's receipt file to import."""
    path, _filter = QFileDialog.getOpenFileName(
        parent,
        _("Import a receipt from the desk"),
        str(documents_dir()),
        _("Receipts (*{suffix});;All files (*)").format(suffix=RECEIPT_SUFFIX),
    )
    return Path(path) if path else None


def indicator_text(view: SyncView) -> tuple[str, str]:
    """What the status bar says about the sync, and its tooltip."""
    waiting = ngettext(
        "{n} referral waiting to be delivered",
        "{n} referrals waiting to be delivered",
        view.waiting,
    ).format(n=view.waiting)
    last = (
        _("Last sync: {when}").format(when=time_words(view.last_sync.isoformat()))
        if view.last_sync is not None
        else _("No sync yet since unlocking.")
    )
    if view.phase is Phase.SENDING:
        text = (
            ngettext("Sending… ({n} done)", "Sending… ({n} done)", view.done).format(n=view.done)
            if view.done
            else _("Sending…")
        )
        return "↻ " + text, waiting
    if view.phase is Phase.OFFLINE:
        return "⊘ " + _("Offline: {waiting}").format(waiting=waiting), last
    if view.phase is Phase.FAILED:
        reason = view.reason or _("unknown reason")
        short = reason if len(reason) <= 80 else reason[:79] + "…"
        return "! " + _("Last sync failed: {reason}").format(reason=short), f"{reason}\n{last}"
    if view.phase is Phase.WAITING:
        return "○ " + waiting, last
    return "✓ " + _("Outbox: nothing waiting"), last


class SyncIndicator(QLabel):
    """The always-visible sync state in the main window's status bar."""

    clicked = Signal()

    def __init__(self, sync: OutboxSync, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncIndicator")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.sync = sync
        sync.view_changed.connect(self.show_view)
        self.show_view(sync.view)

    def show_view(self, view: object) -> None:
        """Show ``view`` (a :class:`SyncView`)."""
        if not isinstance(view, SyncView):
            return
        text, tip = indicator_text(view)
        self.setText(text)
        self.setToolTip(tip)
        self.setAccessibleName(text)
        self.setProperty("phase", view.phase.value)

    def mousePressEvent(self, event: object) -> None:  # Qt API
        """A click opens the Outbox page."""
        self.clicked.emit()


class OutboxPage(QWidget):
    """Items, their states and history; Send now, Export as file…, Import receipt…"""

    message = Signal(str)
    """A short sentence for the status bar."""

    changed = Signal()
    """An item changed here (export, receipt import, a sync): referral lists should refresh."""

    def __init__(
        self,
        session: Session,
        runner: Runner,
        sync: OutboxSync,
        *,
        choose_export_path: PathChooser = ask_export_path,
        choose_receipt_path: PathChooser = ask_receipt_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.sync = sync
        self._choose_export = choose_export_path
        self._choose_receipt = choose_receipt_path
        self.items: list[OutboxItem] = []
        self.loads = 0
        """How many times the list was filled (tests wait on it)."""
        # Progress reads the outbox again at most this often (a sync of many items).
        self._reload_soon = QTimer(self)
        self._reload_soon.setSingleShot(True)
        self._reload_soon.setInterval(RELOAD_COALESCE_MS)
        self._reload_soon.timeout.connect(self.reload)

        self.table = named(QTableWidget(0, COLUMNS), _("Referrals in the outbox"))
        self.table.setHorizontalHeaderLabels(
            [
                _("Referral"),
                _("State"),
                _("Attempts"),
                _("Last reason"),
                _("Next try"),
                _("Delivered"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        self.empty = note(_("The outbox is empty: no sealed referral waits or was sent."))
        self.history = named(QListWidget(), _("History of the selected referral"))
        self.history.setMaximumHeight(160)
        self.send_button = named(
            QPushButton(_("Send now")), _("Send every referral not delivered yet")
        )
        self.export_button = named(
            QPushButton(_("Export as file…")),
            _("Write the selected referral to a file, for a USB stick"),
        )
        self.import_button = named(
            QPushButton(_("Import receipt…")), _("Take the desk's receipt file for a referral")
        )
        self.status = note("")
        self.status.setObjectName("outboxStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Outbox")))
        layout.addWidget(
            note(
                _(
                    "A referral counts as delivered only when the desk's signed receipt for "
                    "its exact bytes is stored here."
                )
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(QLabel(_("History")))
        layout.addWidget(self.history)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.send_button.clicked.connect(self.send_now)
        self.export_button.clicked.connect(self.export_selected)
        self.import_button.clicked.connect(self.import_receipt)
        sync.progress.connect(self._on_progress)
        sync.finished.connect(self._on_finished)
        sync.view_changed.connect(self._on_view)
        session.opened.connect(self.reload)
        session.about_to_lock.connect(self.drop)
        self._on_view(sync.view)
        self._update_buttons()

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the outbox on the runner and fill the list when it answers."""
        if not self.session.is_open:
            return
        workspace = self.session.workspace
        self.runner.start(list_items, workspace, on_done=self._fill, on_error=self._error)

    def _fill(self, items: object) -> None:
        if not self.session.is_open or not isinstance(items, list):
            return
        keep = self.selected()
        keep_id = keep.referral_id if keep is not None else None
        self.items = items
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            self._fill_row(row, item)
            if item.referral_id == keep_id:
                self.table.selectRow(row)
        self.empty.setVisible(not items)
        self.table.setVisible(bool(items))
        self.loads += 1
        self._update_buttons()

    def _fill_row(self, row: int, item: OutboxItem) -> None:
        cells = [
            f"{item.referral_id[:8]} · {item.desk}",
            item_state_words(item),
            str(item.attempts),
            item.last_reason or "",
            time_words(item.next_attempt_at) if item.state is OutboxState.FAILED else "",
            time_words(item.received_at or item.delivered_at) if item.delivered else "",
        ]
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setData(Qt.ItemDataRole.UserRole, item.referral_id)
            if column == REFERRAL:
                cell.setToolTip(item.referral_id)
            if column == REASON and text:
                cell.setToolTip(text)
            if column == STATE:
                cell.setForeground(QColor(item_tone(item)))
            self.table.setItem(row, column, cell)

    def row_texts(self) -> list[list[str]]:
        """Every row's cell texts (tests, screen readers' view of the table)."""
        out = []
        for row in range(self.table.rowCount()):
            texts = []
            for column in range(COLUMNS):
                cell = self.table.item(row, column)
                texts.append(cell.text() if cell is not None else "")
            out.append(texts)
        return out

    def selected(self) -> OutboxItem | None:
        """The selected item."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self.items[row] if 0 <= row < len(self.items) else None

    def select(self, referral_id: str) -> None:
        """Select the row of ``referral_id``."""
        for row, item in enumerate(self.items):
            if item.referral_id == referral_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        self._update_buttons()
        current = self.selected()
        self.history.clear()
        if current is None or not self.session.is_open:
            return
        self.runner.start(
            item_history,
            self.session.workspace,
            current.referral_id,
            on_done=self._fill_history,
            on_error=self._error,
        )

    def _fill_history(self, transitions: object) -> None:
        self.history.clear()
        if not isinstance(transitions, list):
            return
        for step in transitions:
            if isinstance(step, Transition):
                self.history.addItem(history_line(step))

    def _update_buttons(self) -> None:
        current = self.selected()
        open_ = self.session.is_open
        self.export_button.setEnabled(open_ and current is not None and current.retryable)
        self.import_button.setEnabled(open_)
        self.send_button.setEnabled(open_ and not self.sync.busy)

    # -- the sync ----------------------------------------------------------------------------

    def send_now(self) -> bool:
        """Start a sync of every undelivered item (on the worker)."""
        started = self.sync.sync_now(force=True)
        if started:
            self._say(_("Sending…"))
        self._update_buttons()
        return started

    def _on_progress(self, outcome: object) -> None:
        if not isinstance(outcome, ItemOutcome):
            return
        # The row changes at once with what the sender says; the full row (attempts, times)
        # comes with the next read of the outbox.
        for row, item in enumerate(self.items):
            if item.referral_id == outcome.referral_id:
                cell = self.table.item(row, STATE)
                if cell is not None:
                    words = _(STATE_WORDS[outcome.state.value])
                    if outcome.state is OutboxState.DELIVERED:
                        words = _("Delivered")  # the sender reports it only with a receipt
                    cell.setText(words)
                reason = self.table.item(row, REASON)
                if reason is not None:
                    reason.setText(outcome.reason or "")
        if not self._reload_soon.isActive():
            self._reload_soon.start()

    def _on_finished(self, reports: object) -> None:
        self._update_buttons()
        self.reload()
        delivered = sum(len(r.delivered) for r in reports) if isinstance(reports, list) else 0
        if self.sync.view.reason:
            self._say(_("Sync ended: {reason}").format(reason=self.sync.view.reason))
        else:
            self._say(
                ngettext(
                    "Sync done: {n} referral delivered.",
                    "Sync done: {n} referrals delivered.",
                    delivered,
                ).format(n=delivered)
            )

    def _on_view(self, view: object) -> None:
        self._update_buttons()

    # -- files -------------------------------------------------------------------------------

    def export_selected(self) -> Path | None:
        """Ask where, then write the selected item's package there (on the runner)."""
        current = self.selected()
        if current is None or not current.retryable or not self.session.is_open:
            return None
        path = self._choose_export(self)
        if path is None:
            return None
        workspace = self.session.workspace

        def done(written: object) -> None:
            self._say(
                _(
                    "Exported to {path}. Take the file to the desk; the referral waits for "
                    "the desk's receipt (import it here)."
                ).format(path=written)
            )
            self.reload()
            self.changed.emit()

        self.runner.start(
            export_item, workspace, current.referral_id, path, on_done=done, on_error=self._error
        )
        return path

    def import_receipt(self) -> Path | None:
        """Ask for the desk's receipt file, then check and store it (on the runner)."""
        if not self.session.is_open:
            return None
        path = self._choose_receipt(self)
        if path is None:
            return None
        workspace = self.session.workspace

        def done(item: object) -> None:
            if isinstance(item, OutboxItem) and item.delivered:
                self._say(
                    _("Receipt verified: referral {id} is delivered.").format(
                        id=item.referral_id[:8]
                    )
                )
            self.reload()
            self.changed.emit()

        def failed(exc: AdvisorError) -> None:
            self._error(exc)
            self.reload()

        self.runner.start(import_receipt_file, workspace, path, on_done=done, on_error=failed)
        return path

    # -- messages, locking -------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.message.emit(text)

    def _error(self, exc: AdvisorError) -> None:
        self._say(exc.message)

    def drop(self) -> None:
        """The vault is about to lock: forget what is shown."""
        self._reload_soon.stop()
        self.items = []
        self.table.setRowCount(0)
        self.history.clear()
        self.status.setText("")
        self._update_buttons()


def history_line(step: Transition) -> str:
    """One transition in words: "3 May, 14:05 — Waiting to be sent → Being sent: reason"."""
    to = _(STATE_WORDS[step.to_state.value])
    line = (
        _("{when}: {from_state} → {to_state}").format(
            when=time_words(step.at), from_state=_(STATE_WORDS[step.from_state.value]), to_state=to
        )
        if step.from_state is not None
        else _("{when}: {to_state}").format(when=time_words(step.at), to_state=to)
    )
    return f"{line} — {step.reason}" if step.reason else line


def build_outbox_page(
    window: MainWindow,
    session: Session,
    *,
    choose_export_path: PathChooser = ask_export_path,
    choose_receipt_path: PathChooser = ask_receipt_path,
) -> OutboxPage:
    """The Outbox page of ``window`` over the session's sync (the page builder the composition
    root registers, ``ui/shell/features.add_outbox``)."""
    page = OutboxPage(
        session,
        window.runner,
        sync_for(session),
        choose_export_path=choose_export_path,
        choose_receipt_path=choose_receipt_path,
    )
    page.message.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    page.changed.connect(page.sync.changed)
    page.changed.connect(page.sync.refresh_counts)
    if session.is_open:
        page.reload()
    return page


def add_sync_indicator(window: MainWindow, session: Session) -> SyncIndicator:
    """The sync indicator in ``window``'s status bar, over the session's sync (started with
    it when the vault is unlocked); a click opens the Outbox page."""
    indicator = SyncIndicator(sync_for(session))
    window.statusBar().addPermanentWidget(indicator)
    window.sync_indicator = indicator  # type: ignore[attr-defined]
    # The lock screen says nothing about the notebook, not even how many referrals wait.
    window.locked.connect(indicator.hide)
    window.unlocked.connect(indicator.show)
    indicator.setVisible(not window.is_locked)
    if "outbox" in window.page_keys():
        indicator.clicked.connect(lambda: window.show_page("outbox"))
    return indicator
