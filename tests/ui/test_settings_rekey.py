"""The passphrase change in Settings rekeys the vault on a worker and shows its progress once
it takes more than a second (by the session's injected clock, not wall time)."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor_desktop.storage import rekey
from advisor_desktop.storage.store import open_vault
from tests.conftest import PASSPHRASE
from tests.ui.conftest import NOW
from tests.ui.test_passphrase_forms_ui import change_passphrase

NEW = "a new passphrase for the rekey"


class Ticking:
    """A clock that moves ``step`` seconds on every reading."""

    def __init__(self, step: float) -> None:
        self.now = NOW
        self.step = dt.timedelta(seconds=step)

    def __call__(self) -> dt.datetime:
        self.now += self.step
        return self.now


def _fill(settings) -> None:  # type: ignore[no-untyped-def]
    settings.old.setText(PASSPHRASE)
    settings.new_fields.new.setText(NEW)
    settings.new_fields.confirm.setText(NEW)


def test_slow_change_shows_progress_then_hides_it(
    qtbot, main, paths, policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rekey, "_PROGRESS_EVERY", 0.0)
    settings = main.page("settings")
    # Every reading of the clock moves 1.5 s: even the first report (a small vault may send
    # only the last one) comes over a second after the start.
    main.session.clock = Ticking(1.5)
    shown: list[int] = []
    settings.change_progress.valueChanged.connect(
        lambda value: shown.append(value) if not settings.change_progress.isHidden() else None
    )
    _fill(settings)
    assert change_passphrase(qtbot, settings) == "The passphrase was changed."
    assert shown
    assert shown[-1] == 100
    assert settings.change_progress.isHidden()
    assert settings.new_code.isHidden()  # the recovery code was kept
    assert settings.runner.last_task is not None
    assert settings.runner.last_task.thread_id is not None
    main.close()
    open_vault(paths, bytearray(NEW.encode()), policy).close()


def test_quick_change_shows_no_progress(qtbot, main, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rekey, "_PROGRESS_EVERY", 0.0)
    settings = main.page("settings")  # the session's clock stands still: under a second
    seen: list[bool] = []
    settings.change_progress.valueChanged.connect(
        lambda _v: seen.append(not settings.change_progress.isHidden())
    )
    _fill(settings)
    assert change_passphrase(qtbot, settings) == "The passphrase was changed."
    assert not any(seen)
    assert settings.change_progress.isHidden()
