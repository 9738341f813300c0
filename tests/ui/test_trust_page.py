"""Keys and updates: device key shown, a desk key file and a signed guide pack installed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advisor_desktop.desk.identity import keygen
from advisor_desktop.guides.pack import build_pack
from advisor_desktop.guides.store import installed_version, shipped_root
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell.main_window import MainWindow
from advisor_desktop.ui.trust.page import TrustPage
from tests.conftest import TEST_KDF

pytestmark = pytest.mark.gui


def test_device_key_desk_import_and_guide_pack(
    qtbot, desktop, main: MainWindow, tmp_path: Path, paths: AppPaths
) -> None:
    page = main.page("trust")
    assert isinstance(page, TrustPage)
    shown: list[str] = []
    page.report_error = lambda _parent, text: shown.append(text)
    qtbot.waitUntil(lambda: page.device_key.text() != "")
    assert page.device_fingerprint.text()
    assert page.no_desks.isVisibleTo(page)

    # A foreign file is refused with a message; nothing changes.
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"hello": 1}))
    assert not page.import_profile_file(junk)
    assert len(shown) == 1
    assert "this is not an Advisor Desktop profile" in shown[0]

    identity = keygen(tmp_path / "desk", "Central desk", b"desk passphrase", TEST_KDF)
    public_file = tmp_path / "desk" / "desk-public.json"
    assert public_file.exists()

    # The import shows the new desk's fingerprints and stores nothing until confirmed.
    asked: list[list[str]] = []

    def refuse(_parent, _imported, changed) -> bool:
        asked.append([desk.name for desk in changed])
        return False

    page.confirm_trust = refuse
    assert not page.import_profile_file(public_file)
    assert asked == [["Central desk"]]
    assert page.session.workspace.profile.desks == ()
    assert page.no_desks.isVisibleTo(page)

    page.confirm_trust = lambda _parent, _imported, changed: bool(changed)
    assert page.import_profile_file(public_file)
    new_main = desktop.main
    assert new_main is not None
    new_page = new_main.page("trust")
    qtbot.waitUntil(lambda: new_page.desks.topLevelItemCount() == 1)
    top = new_page.desks.topLevelItem(0)
    assert top.text(0) == "Central desk"
    # Both fingerprints, whole, each on its own row (not cut off in a narrow column).
    from advisor_desktop.app.trust import desk_fingerprints

    fps = desk_fingerprints(new_page.session.workspace.profile.desks[0])
    assert [top.child(i).text(1) for i in range(top.childCount())] == [
        fps["age_recipient"],
        fps["signing_key"],
    ]

    # A guide pack signed by that desk installs; its version shows.
    source = tmp_path / "guides"
    shutil.copytree(shipped_root(), source)
    pack = tmp_path / "guides-v5.guidepack"
    pack.write_bytes(build_pack(source, 5, identity.signing_key))
    new_page.install_pack_file(pack)
    qtbot.waitUntil(lambda: installed_version(paths) == 5, timeout=20_000)
    qtbot.waitUntil(lambda: desktop.main is not new_main, timeout=10_000)
    # The rebuilt window shows the pack (its signature re-checked with the imported desk key).
    shown_source = desktop.main.page("guides").library.source
    assert (shown_source.origin, shown_source.version) == ("pack", 5)

    # A pack signed by someone else is refused and the installed version stays.
    other = keygen(tmp_path / "other", "Other", b"other passphrase", TEST_KDF)
    bad = tmp_path / "guides-v6.guidepack"
    bad.write_bytes(build_pack(source, 6, other.signing_key))
    shown.clear()
    latest = desktop.main.page("trust")
    latest.report_error = lambda _parent, text: shown.append(text)
    latest.install_pack_file(bad)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert installed_version(paths) == 5
    desktop.main.close()


def test_confirm_dialog_shows_every_fingerprint_and_defaults_to_cancel(
    qtbot, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QLabel

    from advisor_desktop.app.trust import desk_fingerprints, import_trust_file
    from advisor_desktop.protocol.profile import load_profile
    from advisor_desktop.ui.trust.confirm import TrustConfirmDialog

    keygen(tmp_path / "desk", "Central desk", b"desk passphrase", TEST_KDF)
    data = (tmp_path / "desk" / "desk-public.json").read_bytes()
    imported = import_trust_file(data, load_profile())
    dialog = TrustConfirmDialog(imported, list(imported.profile.desks), None)
    qtbot.addWidget(dialog)
    texts = {label.text() for label in dialog.findChildren(QLabel)}
    fps = desk_fingerprints(imported.profile.desks[0])
    assert {fps["age_recipient"], fps["signing_key"]} <= texts
    assert dialog.cancel_button.isDefault()
    assert not dialog.trust_button.isDefault()
