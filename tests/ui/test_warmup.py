"""The warm-up while the unlock window waits: the unlock's own steps always run, the optional
ones wait while the advisor unlocks and go on afterwards (or after a wrong passphrase)."""

from __future__ import annotations

import pytest

from advisor_desktop.ui.shell.application import UnlockWindow
from advisor_desktop.ui.shell.warmup import Warmup
from advisor_desktop.ui.shell.workers import Runner
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.gui


def test_held_warmup_runs_only_the_unlocks_own_steps(qtbot) -> None:
    runner = Runner()
    warmup = Warmup(runner)
    warmup.hold()
    warmup.start()
    qtbot.waitUntil(lambda: warmup.waiting, timeout=30_000)
    assert not runner.busy
    assert not warmup.done
    warmup.resume()
    qtbot.waitUntil(lambda: warmup.done, timeout=30_000)


def test_a_wrong_passphrase_lets_the_warmup_go_on(qtbot, desktop, recovery_code) -> None:
    window = desktop.start()
    assert isinstance(window, UnlockWindow)
    window.form.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(window.form.busy_changed, check_params_cb=lambda busy: not busy):
        window.form.submit_passphrase()
    qtbot.waitUntil(lambda: desktop.warmup.done, timeout=30_000)


def test_after_unlock_the_warmup_finishes_once_the_window_is_up(
    qtbot, desktop, recovery_code
) -> None:
    window = desktop.start()
    window.form.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(window.form.unlocked, timeout=10_000):
        window.form.submit_passphrase()
    assert desktop.main is not None
    qtbot.waitUntil(lambda: desktop.warmup.done, timeout=30_000)
