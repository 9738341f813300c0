"""The last line of defence: an exception no handler caught shows one message, is logged bare.

Typed errors (:class:`~advisor_desktop.platform.errors.AdvisorError`) are turned into messages
where they happen, and the :class:`~advisor_desktop.ui.shell.workers.Runner` wraps whatever its
tasks raise. Anything else that escapes a slot (PySide hands it to :data:`sys.excepthook`) or a
thread (:data:`threading.excepthook`) comes here. It is logged with the exception's type and the
module and function it was raised in, never its message or arguments: those may quote a note, a
name or a passphrase. The advisor sees one translated message; while that message is open,
further errors are only logged, so a failing timer cannot stack up dialogs.

:func:`~advisor_desktop.ui.shell.application.run_application` installs it, never an import:
pytest-qt's own hook must keep seeing exceptions so that a Qt-side error fails a test.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from advisor_desktop.platform.i18n import _

log = logging.getLogger(__name__)

# The log keeps machine tokens only (see platform/logs.py): drop "<", ">" and the like from
# "<lambda>" / "<locals>", and stay under its 64-character limit.
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_.]")
_MAX_NAME = 64

SysHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]
ThreadHook = Callable[[threading.ExceptHookArgs], Any]


def unexpected_error_message() -> str:
    """What the advisor reads after an unexpected error (no detail: it could be content)."""
    return _(
        "Something unexpected went wrong, so the last action may not have finished. "
        "Please check your work and try again; if it happens again, restart Advisor Desktop."
    )


def _name(text: object) -> str:
    return _NOT_A_NAME.sub("", str(text))[:_MAX_NAME] or "unknown"


def describe(exc_type: type[BaseException], tb: TracebackType | None) -> tuple[str, str, str, str]:
    """Names only: (exception type, module and function where it was raised, and the innermost
    function of our own package on the way, which says more when a library raised)."""
    module = exc_type.__module__
    kind = exc_type.__qualname__ if module == "builtins" else f"{module}.{exc_type.__qualname__}"
    where = ours = "unknown"
    while tb is not None:
        frame = tb.tb_frame
        module_name = str(frame.f_globals.get("__name__", "unknown"))
        function = f"{module_name}:{frame.f_code.co_qualname}"
        where = function
        if module_name.startswith("advisor_desktop"):
            ours = function
        tb = tb.tb_next
    module_part, _sep, function_part = where.partition(":")
    return _name(kind), _name(module_part), _name(function_part), _name(ours.partition(":")[2])


class UnexpectedErrorReporter(QObject):
    """Logs exceptions that nothing else caught (without content) and shows one message.

    ``install()`` makes it :data:`sys.excepthook` and :data:`threading.excepthook`;
    ``uninstall()`` puts the previous hooks back. Create it on the GUI thread.
    """

    reported = Signal(str)
    """An unexpected exception was logged; carries its type name. Fires on the GUI thread,
    also for exceptions raised on a worker thread."""

    _raised = Signal(str)
    """Internal: carries a type name from any thread to the GUI thread (queued)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.box: QMessageBox | None = None
        self.count = 0
        self._previous: tuple[SysHook, ThreadHook] | None = None
        # Queued even from the GUI thread: the dialog opens from the event loop, not from
        # inside whatever Qt call the exception interrupted (a paint, a layout, a timer).
        self._raised.connect(self._on_raised, Qt.ConnectionType.QueuedConnection)

    # -- hooks -----------------------------------------------------------------------------

    def install(self) -> UnexpectedErrorReporter:
        """Become the process's exception hooks (once); returns self."""
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self.handle
            threading.excepthook = self.handle_thread
        return self

    def uninstall(self) -> None:
        """Give the hooks back to whoever had them before :meth:`install`."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        """``sys.excepthook``: called on whichever thread raised (PySide calls it for slots,
        virtual overrides and a thread pool's runnables)."""
        del exc  # never formatted: str(exc) may carry a note, a name or a passphrase
        # The previous hook is deliberately not called: Python's default prints the message
        # and the traceback's source lines to stderr, which a desktop session may keep in a
        # file (~/.xsession-errors, the journal).
        kind, module, function, ours = describe(exc_type, tb)
        thread = "gui" if threading.current_thread() is threading.main_thread() else "worker"
        log.error(
            "unexpected_error exc=%s module=%s function=%s app_function=%s thread=%s",
            kind,
            module,
            function,
            ours,
            thread,
        )
        self._raised.emit(kind)

    def handle_thread(self, args: threading.ExceptHookArgs) -> None:
        """``threading.excepthook``: an exception ended a Python thread."""
        if issubclass(args.exc_type, SystemExit):
            return  # a thread that exits on purpose, as the default hook ignores it too
        exc = args.exc_value if args.exc_value is not None else args.exc_type()
        self.handle(args.exc_type, exc, args.exc_traceback)

    # -- the message -----------------------------------------------------------------------

    @Slot(str)
    def _on_raised(self, kind: str) -> None:
        self.count += 1
        self.reported.emit(kind)
        if self.box is not None:
            return  # one message at a time; this one is in the log
        parent = QApplication.activeWindow()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Advisor Desktop"),
            unexpected_error_message(),
            QMessageBox.StandardButton.Ok,
            parent if isinstance(parent, QWidget) else None,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._closed)
        self.box = box
        # Not exec(): a nested event loop per error is how dialogs pile up.
        box.show()

    @Slot()
    def _closed(self) -> None:
        self.box = None
