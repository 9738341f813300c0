"""The desktop's passphrase fields use the same normal form (NFC) as the CLI: a passphrase
typed decomposed (NFD, as some input methods do) unlocks a vault set in composed form, and a
passphrase set in the desktop opens from the CLI."""

from __future__ import annotations

import unicodedata

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.crypto.secret_text import secret_bytes
from advisor_desktop.guides import GuideLibrary
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault, open_vault, passphrase_opens
from advisor_desktop.ui.guides import VisitorView
from advisor_desktop.ui.shell.application import UnlockWindow
from advisor_desktop.ui.shell.first_run import FirstRunWizard
from advisor_desktop.ui.shell.passphrase_fields import NewPassphraseFields
from tests.conftest import PASSPHRASE, CliRunner

pytestmark = pytest.mark.gui

VIETNAMESE = "Tiếng Việt mật khẩu"
KOREAN = "한국어 비밀번호 문장"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def closed_vault(
    paths: AppPaths, policy: KdfPolicy, profile: OrgProfile, secret: bytearray
) -> None:
    vault, _code = create_vault(paths, secret, policy)
    store_profile(vault, profile)
    vault.close()


def unlock_with(qtbot, desktop, text: str) -> None:  # type: ignore[no-untyped-def]
    window = desktop.start()
    assert isinstance(window, UnlockWindow)
    window.form.passphrase.setText(text)
    with qtbot.waitSignal(window.form.unlocked, timeout=10_000):
        window.form.submit_passphrase()
    assert desktop.main is not None
    desktop.main.close()


def change_passphrase(qtbot, settings) -> str:  # type: ignore[no-untyped-def]
    """Press "Change" and return the outcome message; an error box is dismissed, not waited on."""
    shown: list[str] = []

    def dismiss() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()

    timer = QTimer(settings)
    timer.setInterval(50)
    timer.timeout.connect(dismiss)
    timer.start()
    try:
        with qtbot.waitSignal(
            settings.message, check_params_cb=lambda text: "Changing" not in text, timeout=10_000
        ) as outcome:
            settings.change_button.click()
    finally:
        timer.stop()
    assert not shown, shown
    return str(outcome.args[0])


def test_unlock_with_nfd_text_of_an_nfc_passphrase(qtbot, desktop, paths, policy, profile):
    closed_vault(paths, policy, profile, bytearray(nfc(VIETNAMESE).encode("utf-8")))
    unlock_with(qtbot, desktop, nfd(VIETNAMESE))


def test_unlock_opens_an_old_raw_nfd_vault_and_rewraps_it(qtbot, desktop, paths, policy, profile):
    closed_vault(paths, policy, profile, bytearray(nfd(KOREAN).encode("utf-8")))
    unlock_with(qtbot, desktop, nfd(KOREAN))
    assert passphrase_opens(paths, bytearray(nfc(KOREAN).encode("utf-8")))


def test_settings_change_with_nfd_then_cli_opens_with_nfc(qtbot, main, paths, policy):
    settings = main.page("settings")
    settings.old.setText(PASSPHRASE)
    settings.new_fields.new.setText(nfd(VIETNAMESE))
    settings.new_fields.confirm.setText(nfc(VIETNAMESE))  # same phrase, other keyboard
    assert settings.change_button.isEnabled()
    assert change_passphrase(qtbot, settings) == "The passphrase was changed."
    main.close()
    cli = CliRunner(paths.data, policy)
    listed = cli("list", env={"ADVISOR_PASSPHRASE": nfc(VIETNAMESE)})
    assert listed.code == 0, listed.err


def test_settings_old_passphrase_typed_in_nfd(qtbot, desktop, paths, policy, profile):
    closed_vault(paths, policy, profile, bytearray(nfc(KOREAN).encode("utf-8")))
    vault = open_vault(paths, secret_bytes(KOREAN), policy)
    main = desktop.open_main(vault)
    qtbot.waitUntil(lambda: not desktop.runner.busy)
    settings = main.page("settings")
    settings.old.setText(nfd(KOREAN))
    settings.new_fields.new.setText(PASSPHRASE)
    settings.new_fields.confirm.setText(PASSPHRASE)
    assert change_passphrase(qtbot, settings) == "The passphrase was changed."
    main.close()
    open_vault(paths, bytearray(PASSPHRASE.encode()), policy).close()


def test_first_run_with_nfd_then_cli_opens_with_nfc(qtbot, desktop, paths, policy):
    wizard = desktop.start()
    assert isinstance(wizard, FirstRunWizard)
    wizard.next()
    wizard.next()
    wizard.passphrase_page.fields.new.setText(nfd(KOREAN))
    wizard.passphrase_page.fields.confirm.setText(nfd(KOREAN))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=10_000)
    wizard.recovery_page.written.setChecked(True)
    wizard.accept()
    assert desktop.main is not None
    desktop.main.close()
    listed = CliRunner(paths.data, policy)("list", env={"ADVISOR_PASSPHRASE": nfc(KOREAN)})
    assert listed.code == 0, listed.err


def test_new_passphrase_fields_count_characters_of_the_normal_form(qtbot):
    fields = NewPassphraseFields()
    qtbot.addWidget(fields)
    seven = "비밀번호문장입"  # 17 code points when decomposed, 21 bytes
    for text in (nfc(seven), nfd(seven)):
        fields.new.setText(text)
        fields.confirm.setText(text)
        assert not fields.is_acceptable()
        assert "Too short" in fields.verdict.text()
    fields.new.setText(nfd(seven + "니"))
    fields.confirm.setText(nfc(seven + "니"))
    assert fields.is_acceptable()
    assert "match" in fields.verdict.text()
    new, again = fields.take()
    assert isinstance(new, bytearray)
    assert new == again == bytearray(nfc(seven + "니").encode("utf-8"))


def test_visitor_view_checks_the_normal_form(qtbot, profile: OrgProfile):
    seen: list[bytes] = []

    def verify(secret: bytearray) -> bool:
        seen.append(bytes(secret))
        return bytes(secret) == nfc(VIETNAMESE).encode("utf-8")

    view = VisitorView(GuideLibrary(profile), "en", verify)
    qtbot.addWidget(view)
    view.enter()
    qtbot.waitExposed(view)
    view.ask_to_leave()
    view.passphrase.setText(nfd(VIETNAMESE))
    with qtbot.waitSignal(view.left):
        view.unlock_button.click()
    assert seen == [nfc(VIETNAMESE).encode("utf-8")]
