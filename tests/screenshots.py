"""Render every main screen of the desktop UI to PNG files, with fictional demo data.

    python tests/screenshots.py --out DIR [--lang CODE]

Runs offscreen (``QT_QPA_PLATFORM=offscreen``, the default here) or under Xvfb. Each screen is
rendered at 1366×768 and saved as ``<screen>.png``: wizard, unlock, notebook, editor,
follow-ups, settings, lock, quick-hide (plus wizard-recovery). Later features add their screens.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Run as a script from anywhere: the demo helpers live in tests/helpers, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
from PySide6.QtWidgets import QApplication, QWidget

from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
from advisor_desktop.notebook.demo import demo_records
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.i18n import activate
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import load_profile
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault
from advisor_desktop.ui.guides.browser import GuideBrowser
from advisor_desktop.ui.shell.application import DesktopApp, UnlockWindow, layout_direction
from advisor_desktop.ui.shell.design import apply_design
from advisor_desktop.ui.shell.workers import Runner

SIZE = (1366, 768)
PASSPHRASE = "correct horse battery staple"
FAST = KdfPolicy.fixed(KdfParams(time_cost=1, memory_kib=8192, lanes=1))
TODAY = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def settle(runner: Runner | None = None, rounds: int = 20) -> None:
    """Let layouts, timers and worker results land."""
    for _ in range(rounds):
        if runner is not None:
            runner.wait()
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QCoreApplication.sendPostedEvents()


def wait_until(condition: Callable[[], bool], runner: Runner | None = None) -> None:
    """Process events until ``condition`` holds (10 s at most)."""
    deadline = QDeadlineTimer(10_000)
    while not condition() and not deadline.hasExpired():
        settle(runner, rounds=1)


def save(widget: QWidget, out: Path, name: str, runner: Runner | None = None) -> Path:
    """Resize ``widget`` to the screenshot size, let it settle and save ``name``.png."""
    from tests.helpers.geometry import inspect

    widget.resize(*SIZE)
    widget.show()
    settle(runner)
    path = out / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    inspect(widget, name)
    print(path)
    return path


def make_vault(root: Path) -> AppPaths:
    """A vault with fictional records (some due for follow-up, some near purge)."""
    paths = AppPaths(data=root, config=root / "config", logs=root / "logs")
    vault, _code = create_vault(paths, bytearray(PASSPHRASE.encode()), FAST)
    profile = load_profile()
    store_profile(vault, profile)
    notebook = Notebook(vault, profile, clock=lambda: TODAY - dt.timedelta(days=700))
    notebook.add_many(demo_records(profile, 12, seed=3, today=TODAY.date()))
    old = demo_records(profile, 6, seed=5, today=(TODAY - dt.timedelta(days=720)).date())
    for record_id in notebook.add_many(old):
        from advisor_desktop.notebook.models import Status

        notebook.set_status(record_id, Status.CLOSED)
    recent = Notebook(vault, profile, clock=lambda: TODAY)
    recent.add_many(demo_records(profile, 220, seed=1, today=TODAY.date()))
    vault.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    """Render all screens into ``--out``."""
    global SIZE
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--size", default="1366x768", help="window size, e.g. 1280x720")
    parser.add_argument(
        "--check",
        action="store_true",
        help="also list clipped text, overlaps, sideways scroll bars and English standard "
        "buttons; exit 1 when there are any",
    )
    args = parser.parse_args(argv)
    width, _x, height = args.size.partition("x")
    SIZE = (int(width), int(height))
    if args.check:
        found = collect(args)
        for line in found:
            print(line)
        return 1 if found else 0
    return _render(args)


def collect(args: argparse.Namespace) -> list[str]:
    """Render every screen as :func:`main` does and return what the geometry checks found."""
    from tests.helpers.geometry import Collecting

    with Collecting(args.lang) as found:
        _render(args)
    return list(found)


def _render(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    activate(args.lang)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setLayoutDirection(layout_direction(args.lang))
    apply_design(app)
    with tempfile.TemporaryDirectory(prefix="advisor-shots-") as tmp:
        root = Path(tmp)
        # 1. The first-run wizard, on an empty folder (passphrase page with feedback).
        empty = AppPaths(root / "new", root / "new" / "config", root / "new" / "logs")
        first = DesktopApp(empty, args.lang, FAST)
        wizard = first.start()
        from advisor_desktop.ui.shell.first_run import FirstRunWizard

        assert isinstance(wizard, FirstRunWizard)
        wizard.next()
        wizard.profile_page.demo.setChecked(True)
        wizard.next()
        wizard.passphrase_page.fields.new.setText("lantern orbit kettle")
        wizard.passphrase_page.fields.confirm.setText("lantern orbit kettle")
        save(wizard, out, "wizard")
        wizard.next()
        wait_until(lambda: wizard.currentPage() is wizard.recovery_page, first.runner)
        save(wizard, out, "wizard-recovery", first.runner)
        wizard.recovery_page.written.setChecked(True)
        wizard.accept()
        settle(first.runner)
        if first.main is not None:
            first.main.close()

        # 2. Unlock, then the main screens on a vault with demo data.
        paths = make_vault(root / "demo")
        desktop = DesktopApp(paths, args.lang, FAST, clock=lambda: TODAY)
        window = desktop.start()
        assert isinstance(window, UnlockWindow)
        save(window, out, "unlock", desktop.runner)
        window.form.passphrase.setText(PASSPHRASE)
        window.form.submit_passphrase()
        wait_until(lambda: desktop.main is not None, desktop.runner)
        main_window = desktop.main
        assert main_window is not None
        page = main_window.notebook.widget()
        wait_until(lambda: page.banner.isVisible(), desktop.runner)
        save(main_window, out, "notebook", desktop.runner)
        record_id = page.model.record_id(0)
        page.open_record(record_id)
        save(main_window, out, "editor", desktop.runner)
        page.show_list()
        main_window.show_page("follow-ups")
        followups = main_window.followups.widget()
        wait_until(lambda: followups.tree.topLevelItemCount() > 0, desktop.runner)
        save(main_window, out, "follow-ups", desktop.runner)
        main_window.show_page("settings")
        settings = main_window.settings.widget()
        wait_until(lambda: settings.info.rowCount() > 0, desktop.runner)
        save(main_window, out, "settings", desktop.runner)
        main_window.show_page("guides")
        guides = main_window.page("guides")
        assert isinstance(guides, GuideBrowser)
        guides.set_language("ar")
        save(main_window, out, "guides-ar", desktop.runner)
        guides.set_language("en")
        save(main_window, out, "guides", desktop.runner)
        main_window.show_page("notebook")
        main_window.quick_hide()
        save(main_window, out, "quick-hide", desktop.runner)
        main_window.quick_show()
        main_window.lock()
        save(main_window, out, "lock", desktop.runner)
        main_window.close()
        settle(desktop.runner)
    from tests.helpers.referral_screenshots import render_referral_screenshots
    from tests.helpers.visitor_screenshots import render_visitor_screenshots

    render_visitor_screenshots(out, size=SIZE)
    render_referral_screenshots(out, size=SIZE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
