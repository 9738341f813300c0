"""The first two wizard pages: the recipient desk, and the visitor's consent.

The consent page is shown to the visitor: the statement in their language (large, right to
left where the language is), the scopes labelled in that language, and how consent was given.
Pressing "Record consent" stores the consent and a fresh draft in the vault, so the page is a
commit page: changing the consent afterwards means withdrawing it and starting again. Both
pages read and write the wizard's :class:`~advisor_desktop.ui.referral.flow.ReferralFlow`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from advisor_desktop.app.referrals import draft_referral
from advisor_desktop.guides.languages import EXPECTED_LOCALES, language_info
from advisor_desktop.guides.render.document import apply_direction, layout_direction
from advisor_desktop.guides.render.fonts import guide_font, load_bundled_fonts
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.keys import recipient_fingerprint
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope
from advisor_desktop.referral.consent import (
    ConsentScopes,
    ConsentStatement,
    load_statement,
    statement_languages,
)
from advisor_desktop.referral.draft import (
    DraftInputs,
    DraftProblem,
    draft_problems,
    problem_message,
)
from advisor_desktop.ui.referral.fitting import (
    FitScrollArea,
    WrappingCheckBox,
    WrappingRadioButton,
)
from advisor_desktop.ui.referral.flow import ReferralFlow
from advisor_desktop.ui.shell.common import named, note

STATEMENT_POINT_SIZE = 15.0
SCOPE_POINT_SIZE = 12.0


def no_desk_message() -> str:
    """What the desk page says when the organisation profile names no desk."""
    return _(
        "No desk is set up yet, so nothing can be referred. Import the desk's public key file "
        "(desk-public.json) first, on the Keys and updates page (or on the command line with "
        '"advisor profile import FILE"), and compare its fingerprints with the desk by phone.'
    )


def item_text_width(combo: QComboBox, index: int) -> int:
    """The width of item ``index``'s text in its own font (its ``FontRole``, else the list's
    font), as the list draws it."""
    font = combo.itemData(index, Qt.ItemDataRole.FontRole)
    if not isinstance(font, QFont):
        font = combo.view().font()
    return QFontMetrics(font).horizontalAdvance(combo.itemText(index))


def fit_item_texts(combo: QComboBox) -> None:
    """Size ``combo`` and its drop-down list to the widest item text in its own font, so no
    name is elided ("Ned…nds"): the items of a language list are drawn each in their
    language's font, which Qt's own sizing (by the combo's font) does not measure."""
    if combo.count() == 0:
        return
    widest = max(item_text_width(combo, i) for i in range(combo.count()))
    view = combo.view()
    style = view.style()
    # The item's own margins (focus frame, both sides) and the list's frame and scroll bar.
    margins = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 4)
    chrome = 2 * view.frameWidth() + style.pixelMetric(
        QStyle.PixelMetric.PM_ScrollBarExtent, None, view
    )
    # What the list's delegate asks for its widest row (its own font, the style sheet's
    # padding), when that is more than the text and the style's margins.
    row = max(widest + margins, view.sizeHintForColumn(0))
    view.setMinimumWidth(row + chrome)
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    height = max(combo.fontMetrics().height(), view.sizeHintForRow(0))
    closed = combo.style().sizeFromContents(
        QStyle.ContentsType.CT_ComboBox, option, QSize(widest + margins, height), combo
    )
    combo.setMinimumWidth(closed.width())


def consent_languages() -> list[str]:
    """Statement languages, in the order of the guide languages (English first)."""
    order = {code: i for i, code in enumerate(EXPECTED_LOCALES)}
    return sorted(statement_languages(), key=lambda c: (order.get(c, len(order)), c))


class DeskPage(QWizardPage):
    """Choose the desk that will receive the referral, and the summary it may carry."""

    def __init__(self, flow: ReferralFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle(_("Recipient desk"))
        self.setSubTitle(
            _("Only the chosen desk can open the referral; it is encrypted to the desk's key.")
        )
        desks = flow.desks
        layout = QVBoxLayout(self)
        self.no_desk = note(no_desk_message())
        self.no_desk.setObjectName("noDeskMessage")
        self.no_desk.setVisible(not desks)
        layout.addWidget(self.no_desk)
        self.open_keys = named(
            QPushButton(_("Open Keys and updates")),
            _("Close the referral and open Keys and updates to import a desk's key"),
        )
        self.open_keys.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.open_keys.setVisible(not desks)
        self.open_keys.clicked.connect(flow.keys_requested)
        layout.addWidget(self.open_keys, 0, Qt.AlignmentFlag.AlignLeading)

        self.combo = named(QComboBox(), _("Recipient desk"))
        for desk in desks:
            self.combo.addItem(desk.name, desk.name)
        self.fingerprint = note("")
        row = QHBoxLayout()
        label = QLabel(_("Desk:"))
        label.setBuddy(self.combo)
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        self.desk_box = QWidget()
        box = QVBoxLayout(self.desk_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.fingerprint)
        summary_label = note(
            _(
                "Summary that may be shared, if the visitor agrees. It starts as the record's "
                "notes: shorten it to what the visitor wants the desk to know. Names, e-mail "
                "addresses and phone numbers are removed on the next pages."
            )
        )
        self.summary = named(QPlainTextEdit(flow.record.notes), _("Summary that may be shared"))
        self.summary.setTabChangesFocus(True)
        summary_label.setBuddy(self.summary)
        box.addWidget(summary_label)
        box.addWidget(self.summary, 1)
        self.desk_box.setVisible(bool(desks))
        layout.addWidget(self.desk_box, 1)
        self.combo.currentIndexChanged.connect(self._show_fingerprint)
        self._show_fingerprint()

    def _show_fingerprint(self) -> None:
        name = self.desk_name()
        self.flow.desk_name = name
        for desk in self.flow.desks:
            if desk.name == name:
                self.fingerprint.setText(
                    _("Key fingerprint of this desk: {fp}").format(
                        fp=recipient_fingerprint(desk.age_recipient)
                    )
                )

    def desk_name(self) -> str:
        """The chosen desk's name ('' when the profile has none)."""
        return str(self.combo.currentData() or "")

    def summary_text(self) -> str | None:
        """The summary to draft from, or None when it is the record's notes unchanged."""
        text = self.summary.toPlainText()
        return None if text == self.flow.record.notes else text

    def isComplete(self) -> bool:
        """Next only when there is a desk to send to."""
        return bool(self.desk_name())

    def validatePage(self) -> bool:
        """The same rule when "next" is asked for without the button (keyboard, code); the
        chosen desk and summary go to the flow."""
        if not self.isComplete():
            return False
        self.flow.desk_name = self.desk_name()
        self.flow.summary = self.summary_text()
        return True


class ConsentPage(QWizardPage):
    """The consent statement in the visitor's language, the scopes, and how consent was given."""

    def __init__(self, flow: ReferralFlow) -> None:
        super().__init__()
        load_bundled_fonts()
        self.flow = flow
        self.statement: ConsentStatement | None = None
        self.setTitle(_("Consent"))
        self.setSubTitle(
            _("Show this page to the visitor. Only what the visitor ticks may leave this device.")
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Record consent"))

        self.language = named(QComboBox(), _("Visitor's language"))
        for code in consent_languages():
            info = language_info(code)
            self.language.addItem(info.own_name, code)
            index = self.language.count() - 1
            self.language.setItemData(index, guide_font(code, 11.0), Qt.ItemDataRole.FontRole)
            self.language.setItemData(index, info.english_name, Qt.ItemDataRole.ToolTipRole)
        fit_item_texts(self.language)
        self.visitor_button = named(
            QPushButton(_("Show to visitor")), _("Show the visitor view in this language")
        )
        self.visitor_button.setVisible(flow.request_visitor_view is not None)
        top = QHBoxLayout()
        lang_label = QLabel(_("Visitor's language:"))
        lang_label.setBuddy(self.language)
        top.addWidget(lang_label)
        top.addWidget(self.language)
        top.addStretch(1)
        top.addWidget(self.visitor_button)

        # The visitor's part: laid out in the visitor's language direction.
        self.panel = QFrame()
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel = QVBoxLayout(self.panel)
        self.statement_title = QLabel()
        self.statement_title.setWordWrap(True)
        self.text = named(QTextBrowser(), _("Consent statement"))
        self.text.setOpenLinks(False)
        self.text.setMinimumHeight(120)
        panel.addWidget(self.statement_title)
        panel.addWidget(self.text, 1)
        panel.addLayout(self._scope_grid())

        self.methods = QButtonGroup(self)
        method_row = QHBoxLayout()
        method_label = QLabel(_("Consent was given:"))
        method_row.addWidget(method_label)
        labels = {
            ConsentMethod.ON_SCREEN: _("On screen"),
            ConsentMethod.VERBAL: _("Verbally"),
            ConsentMethod.WRITTEN: _("In writing"),
        }
        for number, (method, text) in enumerate(labels.items()):
            radio = named(QRadioButton(text), text)
            radio.setProperty("method", method.value)
            radio.setChecked(method is ConsentMethod.ON_SCREEN)
            self.methods.addButton(radio, number)
            method_row.addWidget(radio)
        method_row.addStretch(1)

        self.error = note("")
        self.error.setObjectName("consentError")
        self.error.hide()
        # Why "Record consent" is not offered yet, in the core's words.
        self.problem = note("")
        self.problem.setObjectName("consentProblem")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        # Below the wizard's default size the visitor's part scrolls rather than overlaps.
        self.panel_scroll = FitScrollArea(self.panel)
        layout.addWidget(self.panel_scroll, 1)
        layout.addLayout(method_row)
        layout.addWidget(self.problem)
        layout.addWidget(self.error)

        self.language.currentIndexChanged.connect(self._on_language)
        self.visitor_button.clicked.connect(self._show_visitor_view)

    def changeEvent(self, event: QEvent) -> None:
        """Fit the language list again when the fonts or the style change."""
        super().changeEvent(event)
        language = getattr(self, "language", None)  # not yet while the page is built
        if language is not None and event.type() in (
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            fit_item_texts(language)

    def showEvent(self, event: QShowEvent) -> None:
        """Fit the language list with the style the page is shown in."""
        fit_item_texts(self.language)
        super().showEvent(event)

    def _scope_grid(self) -> QHBoxLayout:
        """The scope checkboxes, each with the controls it needs below it.

        The texts set here are the UI language's; :meth:`_show_controls` replaces the
        visitor-facing ones with the statement's language when it is loaded.
        """
        self.checks: dict[Scope, QCheckBox] = {}
        for scope in Scope:
            box = WrappingCheckBox()
            box.setProperty("scope", scope.value)
            box.toggled.connect(self._update)
            self.checks[scope] = box
        self.period = named(QComboBox(), _("Period shared as"))
        self.period.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for value, text in (
            (Granularity.DAY, _("Exact day")),
            (Granularity.MONTH, _("Month")),
            (Granularity.QUARTER, _("Quarter")),
        ):
            self.period.addItem(text, value.value)
        self.period.setCurrentIndex(1)
        self.post = named(QLineEdit(), _("Name of the post"))
        self.post.setPlaceholderText(_("Post (embassy or consulate)"))
        self.region = named(QLineEdit(), _("Region of the post"))
        self.region.setPlaceholderText(_("Region"))
        self.via_advisor = named(
            WrappingRadioButton(_("Only through the advisor")),
            _("Contact only through the advisor"),
        )
        self.via_advisor.setChecked(True)
        self.via_contact = named(
            WrappingRadioButton(_("This contact:")), _("Contact the visitor at")
        )
        self.contact = named(QLineEdit(), _("Contact the visitor typed in"))
        self.contact.setMinimumWidth(160)
        contact_group = QButtonGroup(self)
        contact_group.addButton(self.via_advisor)
        contact_group.addButton(self.via_contact)
        for widget in (self.post, self.region, self.contact):
            widget.textChanged.connect(self._update)
        self.via_contact.toggled.connect(self._update)

        # One line per row below a checkbox; line edits take the rest of the line.
        extras: dict[Scope, list[list[QWidget]]] = {
            Scope.POST: [[self.post]],
            Scope.REGION: [[self.region]],
            Scope.PERIOD: [[self.period]],
            Scope.CONTACT: [[self.via_advisor], [self.via_contact, self.contact]],
        }
        # Two columns that stack independently, so a tall cell on one side (the contact
        # choice) does not open a gap on the other, and the statement keeps its room.
        columns = QHBoxLayout()
        left = (Scope.CATEGORY, Scope.ROLE, Scope.POST, Scope.REGION, Scope.LANGUAGE)
        right = (Scope.PERIOD, Scope.SUMMARY, Scope.SECRETARY_GENERAL, Scope.CONTACT)
        for scopes in (left, right):
            column = QVBoxLayout()
            for scope in scopes:
                cell = QVBoxLayout()
                cell.setSpacing(2)
                cell.addWidget(self.checks[scope])
                for line in extras.get(scope, []):
                    more = QHBoxLayout()
                    more.setContentsMargins(24, 0, 0, 0)
                    for extra in line:
                        more.addWidget(extra, 1 if isinstance(extra, QLineEdit) else 0)
                    if not any(isinstance(extra, QLineEdit) for extra in line):
                        more.addStretch(1)
                    cell.addLayout(more)
                column.addLayout(cell)
            column.addStretch(1)
            columns.addLayout(column, 1)
        return columns

    def _show_controls(self, statement: ConsentStatement, code: str) -> None:
        """The period choice, the contact choice and the field hints in the statement's
        language and font (the panel's layout direction already follows the language)."""
        controls = statement.controls
        if controls is None:
            return
        font = guide_font(code, SCOPE_POINT_SIZE)
        for index in range(self.period.count()):
            granularity = Granularity(self.period.itemData(index))
            self.period.setItemText(index, controls.period_label(granularity))
        for radio, text in (
            (self.via_advisor, controls.contact_advisor),
            (self.via_contact, controls.contact_typed),
        ):
            radio.setText(text)
            radio.setAccessibleName(text)
        for edit, hint in (
            (self.post, controls.post_placeholder),
            (self.region, controls.region_placeholder),
            (self.contact, controls.contact_placeholder),
        ):
            edit.setPlaceholderText(hint)
            edit.setAccessibleDescription(hint)
        for widget in (self.period, self.via_advisor, self.via_contact):
            widget.setFont(font)
        for edit in (self.post, self.region, self.contact):
            edit.setFont(font)

    # -- language ------------------------------------------------------------------------

    def initializePage(self) -> None:
        """Show the statement for the chosen desk, in the record's language when there is one."""
        wanted = self.flow.record.language or "en"
        index = self.language.findData(wanted)
        if index < 0:
            index = self.language.findData(wanted.split("-")[0])
        index = max(index, self.language.findData("en"), 0) if index < 0 else index
        if index == self.language.currentIndex():
            self._on_language(index)
        else:
            self.language.setCurrentIndex(index)

    def lang(self) -> str:
        """The visitor's language code."""
        return str(self.language.currentData() or "en")

    def set_language(self, code: str) -> None:
        """Switch the statement to ``code`` (a statement language)."""
        index = self.language.findData(code)
        if index >= 0:
            self.language.setCurrentIndex(index)

    def _on_language(self, _index: int) -> None:
        code = self.lang()
        self.error.hide()
        try:
            statement = load_statement(code, self.flow.desk_name)
        except AdvisorError as exc:
            self._show_error(exc.message)
            return
        self.statement = statement
        direction = layout_direction(code)
        self.panel.setLayoutDirection(direction)
        title_font = guide_font(code, STATEMENT_POINT_SIZE * 1.2)
        title_font.setBold(True)
        self.statement_title.setFont(title_font)
        self.statement_title.setText(statement.title)
        self.text.setFont(guide_font(code, STATEMENT_POINT_SIZE))
        self.text.setPlainText(statement.text)
        apply_direction(self.text.document(), code)
        scope_font = guide_font(code, SCOPE_POINT_SIZE)
        for scope, box in self.checks.items():
            label = statement.scope_labels.get(scope.value, scope.value)
            box.setText(label)
            box.setFont(scope_font)
            box.setAccessibleName(label)
        self._show_controls(statement, code)
        self._update()

    def _show_visitor_view(self) -> None:
        if self.flow.request_visitor_view is not None:
            self.flow.request_visitor_view(self.lang())

    # -- scopes --------------------------------------------------------------------------

    def _update(self) -> None:
        self.period.setEnabled(self.checks[Scope.PERIOD].isChecked())
        self.post.setEnabled(self.checks[Scope.POST].isChecked())
        self.region.setEnabled(self.checks[Scope.REGION].isChecked())
        contact = self.checks[Scope.CONTACT].isChecked()
        for widget in (self.via_advisor, self.via_contact):
            widget.setEnabled(contact)
        self.contact.setEnabled(contact and self.via_contact.isChecked())
        # An untouched page needs no explanation; a missing post or contact does.
        shown = [p for p in self.problems() if p is not DraftProblem.NO_SCOPE]
        text = problem_message(shown[0]) if shown else ""
        self.problem.setText(text)
        self.problem.setAccessibleName(text)
        self.problem.setVisible(bool(text))
        self.completeChanged.emit()

    def set_scopes(self, scopes: ConsentScopes) -> None:
        """Tick exactly ``scopes`` (and the period's granularity)."""
        for scope, box in self.checks.items():
            box.setChecked(scope in scopes)
        self.period.setCurrentIndex(self.period.findData(scopes.period.value))

    def scopes(self) -> ConsentScopes:
        """The ticked scopes."""
        chosen = frozenset(s for s, box in self.checks.items() if box.isChecked())
        return ConsentScopes(chosen, Granularity(self.period.currentData()))

    def method(self) -> ConsentMethod:
        """How consent was given."""
        button = self.methods.checkedButton()
        value = button.property("method") if button is not None else None
        return ConsentMethod(value or ConsentMethod.ON_SCREEN.value)

    def problems(self) -> tuple[DraftProblem, ...]:
        """The draft rules (the core's) that the page's inputs still break."""
        return draft_problems(self.inputs(), self.flow.record.notes)

    def isComplete(self) -> bool:
        """A statement is shown and the inputs break no draft rule."""
        return self.statement is not None and not self.problems()

    def inputs(self) -> DraftInputs:
        """What the draft is made from."""
        scopes = self.scopes()
        contact = None
        if Scope.CONTACT in scopes and self.via_contact.isChecked():
            contact = self.contact.text().strip()
        return DraftInputs(
            desk=self.flow.desk_name,
            scopes=scopes,
            summary=self.flow.summary,
            post=self.post.text().strip() if Scope.POST in scopes else "",
            region=self.region.text().strip() if Scope.REGION in scopes else "",
            contact=contact,
        )

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setAccessibleName(message)
        self.error.show()

    def validatePage(self) -> bool:
        """Record the consent and a fresh draft in the vault (the commit step)."""
        if self.flow.referral_id is not None:
            return True
        if not self.isComplete() or self.statement is None:
            return False
        try:
            draft = draft_referral(
                self.flow.workspace,
                self.flow.record_id,
                self.inputs(),
                self.statement.language,
                self.method(),
            )
        except AdvisorError as exc:
            self._show_error(exc.message)
            return False
        self.error.hide()
        self.flow.set_referral(draft.referral_id)
        return True
