"""Unexpected exceptions: one translated message, a log line without content, never silence."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRunnable, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from advisor_desktop.platform.logs import setup_logging
from advisor_desktop.ui.shell.excepthook import UnexpectedErrorReporter, unexpected_error_message

# The reporter replaces pytest-qt's own hook for these tests: they check what the app does.
pytestmark = [pytest.mark.gui, pytest.mark.qt_no_exception_capture]

SECRET = "passphrase=correct-horse Ms Example told me"


def _raise_secret() -> None:
    raise ValueError(SECRET)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's log file in ``tmp_path`` for the time of the test."""
    path = setup_logging(tmp_path / "logs")
    yield path
    root = logging.getLogger("advisor_desktop")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.propagate = True


@pytest.fixture
def reporter(qtbot) -> Iterator[UnexpectedErrorReporter]:
    """The reporter, installed as sys.excepthook and threading.excepthook."""
    before = (sys.excepthook, threading.excepthook)
    installed = UnexpectedErrorReporter().install()
    yield installed
    installed.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    if installed.box is not None:
        installed.box.close()


def _boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def _log_text(path: Path) -> str:
    for handler in logging.getLogger("advisor_desktop").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_a_slot_that_raises_shows_one_message_and_logs_no_content(
    qtbot, reporter: UnexpectedErrorReporter, log_file: Path
) -> None:
    QTimer.singleShot(0, _raise_secret)
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible())
    assert [box.text() for box in _boxes()] == [unexpected_error_message()]
    text = _log_text(log_file)
    assert "unexpected_error exc=ValueError" in text
    assert "function=_raise_secret" in text
    assert "thread=gui" in text
    assert SECRET not in text
    assert "correct-horse" not in text
    assert "Example" not in text
    assert "Traceback" not in text


def test_a_worker_thread_that_raises_reports_on_the_gui_thread(
    qtbot, reporter: UnexpectedErrorReporter, log_file: Path
) -> None:
    seen: list[str] = []
    reporter.reported.connect(lambda kind: seen.append(kind))
    thread = threading.Thread(target=_raise_secret)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.box is not None)
    assert seen == ["ValueError"]
    assert [box.text() for box in _boxes()] == [unexpected_error_message()]
    text = _log_text(log_file)
    assert "unexpected_error exc=ValueError" in text
    assert "thread=worker" in text
    assert SECRET not in text


class _Raising(QRunnable):
    def run(self) -> None:
        _raise_secret()


def test_a_pool_runnable_that_raises_is_reported_too(
    qtbot, reporter: UnexpectedErrorReporter, log_file: Path
) -> None:
    """PySide calls sys.excepthook on the pool's thread: the message still opens on the GUI
    thread (the Runner catches its own tasks; this is for any other runnable)."""
    pool = QThreadPool()
    pool.start(_Raising())
    assert pool.waitForDone(10_000)
    qtbot.waitUntil(lambda: reporter.box is not None)
    assert len(_boxes()) == 1
    text = _log_text(log_file)
    assert "exc=ValueError" in text
    assert "thread=worker" in text
    assert SECRET not in text


def test_quick_repeated_errors_show_one_message_at_a_time(
    qtbot, reporter: UnexpectedErrorReporter, log_file: Path
) -> None:
    QTimer.singleShot(0, _raise_secret)
    QTimer.singleShot(0, _raise_secret)
    qtbot.waitUntil(lambda: reporter.count == 2)
    assert len(_boxes()) == 1
    assert _log_text(log_file).count("unexpected_error exc=ValueError") == 2
    first = reporter.box
    assert first is not None
    first.accept()
    qtbot.waitUntil(lambda: reporter.box is None)
    QTimer.singleShot(0, _raise_secret)
    qtbot.waitUntil(lambda: reporter.box is not None)
    assert len(_boxes()) == 1, "after the first message closed, the next error shows again"


def test_importing_the_app_installs_no_hook() -> None:
    before = (sys.excepthook, threading.excepthook)
    import advisor_desktop.ui.shell.application
    import advisor_desktop.ui.shell.start  # noqa: F401

    assert (sys.excepthook, threading.excepthook) == before


CHILD = """
import sys, threading
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell.application import run_application
root = Path(sys.argv[1])
paths = AppPaths(root, root / "config", root / "logs")
def first(_window):
    print("HOOK", type(getattr(sys.excepthook, "__self__", None)).__name__,
          type(getattr(threading.excepthook, "__self__", None)).__name__, flush=True)
    QTimer.singleShot(0, QApplication.instance().quit)
code = run_application(paths, "en", ["advisor-desktop"], on_first_window=first,
                       tell=lambda text: None)
print("AFTER", sys.excepthook is sys.__excepthook__, flush=True)
"""


def test_run_application_installs_the_hooks_for_the_loop(tmp_path: Path) -> None:
    """In its own process: the event loop must not run inside the test process."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert "HOOK UnexpectedErrorReporter UnexpectedErrorReporter" in done.stdout, done.stderr
    assert "AFTER True" in done.stdout
