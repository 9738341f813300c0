"""Overdue follow-ups stand out: the status colour and an icon, not only their group."""

from __future__ import annotations

import pytest

from advisor_desktop.ui.notebook.followups_page import FollowUpsPage
from advisor_desktop.ui.shell import design
from advisor_desktop.ui.shell.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_overdue_rows_have_colour_and_icon(qtbot, main: MainWindow) -> None:
    page = main.page("follow-ups")
    assert isinstance(page, FollowUpsPage)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.reload()
    tree = page.tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    overdue = [row for row in rows if row.text(4).startswith("Harassment")]
    assert len(overdue) == 1
    row = overdue[0]
    assert row.foreground(0).color() == design.status_color(design.Status.OVERDUE)
    assert not row.icon(0).isNull()
    others = [row for row in rows if row.text(1) and row is not overdue[0]]
    assert all(
        r.foreground(0).color() != design.status_color(design.Status.OVERDUE) for r in others
    )
