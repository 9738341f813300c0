"""The conversation editor: open, edit, autosave a draft into the vault, save, close, delete.

Drafts are written with ``Notebook.save_draft`` (inside the encrypted vault, never a file) on a
timer while there are unsaved changes, and when the vault is about to lock. Opening a record
that has a draft restores it and says so.
"""

from __future__ import annotations

import logging
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.notebook.models import RecordId, Status
from advisor_desktop.platform.errors import AdvisorError, RecordNotFound, StorageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.notebook.editor_form import RecordForm, record_fields
from advisor_desktop.ui.notebook.record_referrals import RecordReferrals
from advisor_desktop.ui.shell.clipboard import SecureClipboard
from advisor_desktop.ui.shell.common import Banner, confirm, heading, named, show_error
from advisor_desktop.ui.shell.design import icon
from advisor_desktop.ui.shell.formatting import format_date
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

NEW_SLOT = "new"
AUTOSAVE_MS = 5_000


def draft_slot(record_id: int | None) -> str:
    """The draft slot of a record (the notebook deletes ``record:<id>`` with the record)."""
    return NEW_SLOT if record_id is None else f"record:{record_id}"


class RecordEditor(QWidget):
    """Edits one record (or a new one) of the session's notebook."""

    saved = Signal(int)
    """The record was stored; carries its id."""

    deleted = Signal(int)
    """The record was deleted; carries its former id."""

    close_requested = Signal()
    """The advisor wants to go back to the list (changes are kept as a draft)."""

    draft_saved = Signal(str)
    """An autosaved draft was written into the vault; carries the slot name."""

    def __init__(
        self,
        session: Session,
        clipboard: SecureClipboard,
        runner: Runner,
        autosave_ms: int = AUTOSAVE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.clipboard = clipboard
        self.record_id: int | None = None
        self.dirty = False
        self._status = Status.OPEN
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        # The arrow is an icon that mirrors in right-to-left layouts (a "←" in the text would
        # point the wrong way there).
        self.back_button = named(QPushButton(_("Back to list")), _("Back to the list"))
        self.back_button.setIcon(icon("arrow-left"))
        self.back_button.setToolTip(_("Back to the list (Ctrl+W)"))
        self.back_button.clicked.connect(self.request_close)
        self.title = heading(_("New conversation"), level=2)
        self.state = QLabel()
        self.state.setAccessibleName(_("Save state"))
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        layout.addLayout(top)
        self.banner = Banner()
        self.banner.button.clicked.connect(self.discard_changes)
        layout.addWidget(self.banner)
        self.form: RecordForm | None = None
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(self.scroll_area, 1)
        self.referrals = RecordReferrals(session, runner=runner)
        layout.addWidget(self.referrals)
        buttons = QHBoxLayout()
        self.copy_button = named(QPushButton(_("Copy text")), _("Copy the selected text"))
        self.copy_button.setToolTip(
            _("Copies the selection (or the notes); the clipboard is cleared after a while.")
        )
        self.copy_button.clicked.connect(self.copy_text)
        self.delete_button = named(QPushButton(_("Delete…")), _("Delete this record"))
        self.delete_button.clicked.connect(self.delete_record)
        self.status_button = named(QPushButton(_("Close case")), _("Close or reopen the case"))
        self.status_button.clicked.connect(self.toggle_status)
        self.save_button = named(QPushButton(_("Save")), _("Save the record"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Ctrl+W"), self, self.request_close)
        self._autosave = QTimer(self)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self.autosave)

    # -- form lifecycle --------------------------------------------------------------------

    def _ensure_form(self) -> RecordForm:
        profile = self.session.notebook.profile
        if self.form is None or self.form.property("profile_id") != profile.id:
            self.form = RecordForm(profile)
            self.form.setProperty("profile_id", profile.id)
            self.form.edited.connect(self._on_edit)
            self.scroll_area.setWidget(self.form)
            order = [self.back_button, *self.form.focus_order()]
            order += [self.copy_button, self.delete_button, self.status_button, self.save_button]
            for first, second in pairwise(order):
                QWidget.setTabOrder(first, second)
        return self.form

    def open_new(self) -> None:
        """Start a new record (restoring an unsaved new draft, if any)."""
        self._open(None, {"conv_date": self.session.today().isoformat()})

    def open_record(self, record_id: int) -> None:
        """Load record ``record_id`` (restoring its unsaved draft, if any)."""
        record = self.session.notebook.get(RecordId(record_id))
        self._open(record_id, record_fields(record))

    def _open(self, record_id: int | None, values: dict[str, Any]) -> None:
        form = self._ensure_form()
        self.record_id = record_id
        draft = self.session.notebook.load_draft(draft_slot(record_id))
        form.set_fields(draft or values, self.session.today())
        self._status = Status(str(form.fields()["status"]))
        self.dirty = draft is not None
        if draft is not None:
            self.banner.show_message(
                _("Unsaved changes from earlier were restored."), _("Discard changes")
            )
        else:
            self.banner.hide()
        self._update_chrome()
        if self.dirty:
            self._autosave.start()
        form.conv_date.setFocus()

    def _update_chrome(self) -> None:
        if self.referrals.record_id != self.record_id or self.record_id is None:
            self.referrals.set_record(self.record_id)
        if self.record_id is None:
            self.title.setText(_("New conversation"))
        else:
            form = self.form
            day = form.fields()["conv_date"] if form is not None else ""
            self.title.setText(
                _("Conversation of {date}").format(date=format_date(_parse(day)) if day else "")
            )
        self.title.setAccessibleName(self.title.text())
        saved = self.record_id is not None
        self.delete_button.setEnabled(saved)
        self.status_button.setEnabled(saved)
        self.status_button.setText(
            _("Reopen case") if self._status is Status.CLOSED else _("Close case")
        )
        self.state.setText(_("Unsaved changes") if self.dirty else "")

    def _on_edit(self) -> None:
        if not self.dirty:
            self.dirty = True
            self._update_chrome()
        if not self._autosave.isActive():
            self._autosave.start()

    # -- drafts ----------------------------------------------------------------------------

    def autosave(self) -> bool:
        """Write the unsaved state as a draft into the vault; False if there was nothing."""
        if not self.dirty or self.form is None or not self.session.is_open:
            self._autosave.stop()
            return False
        slot = draft_slot(self.record_id)
        try:
            self.session.notebook.save_draft(slot, self.form.fields())
        except AdvisorError as exc:
            log.info("draft_save_failed kind=%s", type(exc).__name__)
            self.state.setText(_("Draft not saved: {reason}").format(reason=str(exc)))
            return False
        self.state.setText(_("Draft kept in the vault"))
        self.draft_saved.emit(slot)
        return True

    def discard_changes(self) -> None:
        """Forget the draft and show the stored record again."""
        self.session.notebook.discard_draft(draft_slot(self.record_id))
        self.dirty = False
        if self.record_id is None:
            if self.form is not None:
                self.form.clear(self.session.today())
            self.banner.hide()
            self._update_chrome()
        else:
            self.open_record(self.record_id)

    def drop_content(self) -> None:
        """Save a draft if needed, then empty every field (the vault is about to lock)."""
        self.autosave()
        self._autosave.stop()
        if self.form is not None:
            self.form.deleteLater()
            self.form = None
            self.scroll_area.takeWidget()
        self.banner.hide()
        self.dirty = False

    # -- actions ---------------------------------------------------------------------------

    def save(self) -> bool:
        """Store the record; on a storage or validation error the edit stays here."""
        if self.form is None:
            return False
        try:
            record = self.form.to_record(self.record_id)
            notebook = self.session.notebook
            if self.record_id is None:
                self.record_id = int(notebook.add(record))
                notebook.discard_draft(NEW_SLOT)
            else:
                notebook.update(record)
                notebook.discard_draft(draft_slot(self.record_id))
        except StorageError as exc:
            show_error(self, _("{reason} Your text is still in the editor.").format(reason=exc))
            return False
        except AdvisorError as exc:
            show_error(self, str(exc))
            return False
        self.dirty = False
        self._autosave.stop()
        self._status = record.status
        self.banner.hide()
        self._update_chrome()
        self.state.setText(_("Saved"))
        log.info("record_saved id=%s", self.record_id)
        self.saved.emit(self.record_id)
        self.session.data_changed.emit()
        return True

    def toggle_status(self) -> None:
        """Close an open case (starting its retention period) or reopen a closed one."""
        if self.record_id is None or self.form is None:
            return
        if self.dirty and not self.save():
            return
        new = Status.OPEN if self._status is Status.CLOSED else Status.CLOSED
        try:
            self.session.notebook.set_status(RecordId(self.record_id), new)
        except AdvisorError as exc:
            show_error(self, str(exc))
            return
        self.open_record(self.record_id)
        self.session.data_changed.emit()

    def delete_record(self) -> None:
        """Delete after confirmation (cannot be undone)."""
        if self.record_id is None:
            return
        if not confirm(
            self,
            _("Delete record"),
            _("Delete this record for good? This cannot be undone."),
            _("Delete"),
        ):
            return
        record_id = self.record_id
        try:
            self.session.notebook.delete(RecordId(record_id))
        except RecordNotFound:
            pass
        except AdvisorError as exc:
            show_error(self, str(exc))
            return
        self.dirty = False
        self._autosave.stop()
        self.deleted.emit(record_id)
        self.session.data_changed.emit()

    def copy_text(self) -> None:
        """Copy the selected text (or the notes) to the clipboard, marked secret."""
        if self.form is None:
            return
        text = ""
        for field in (self.form.notes, self.form.agreed):
            selected = field.textCursor().selectedText()
            if selected:
                text = selected.replace("\u2029", "\n")
                break
        text = text or self.form.notes.toPlainText()
        if text:
            self.clipboard.copy(text)
            seconds = max(1, self.clipboard.timeout_ms // 1000)
            self.state.setText(_("Copied; the clipboard is cleared in {n} s.").format(n=seconds))

    def request_close(self) -> None:
        """Back to the list; unsaved changes are kept as a draft in the vault."""
        self.autosave()
        self._autosave.stop()
        self.close_requested.emit()


def _parse(day: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(day)
