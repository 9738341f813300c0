"""A passphrase opens the vault whatever form (NFC or NFD) the keyboard typed it in; a vault
whose slot was wrapped from un-normalised bytes by an older version still opens, and is then
re-wrapped under the normal form."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.app.passphrase import change_passphrase_checked
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.crypto.secret_text import SecretText, secret_bytes
from advisor_desktop.platform.errors import ValidationError, WrongPassphrase
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.storage.store import create_vault, open_vault, passphrase_opens

from .conftest import CliRunner

VIETNAMESE = "Tiếng Việt mật khẩu"
KOREAN = "한국어 비밀번호 문장"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def exact(text: str) -> bytearray:
    """The typed text's own UTF-8 bytes, as versions before normalisation wrapped them."""
    return bytearray(text.encode("utf-8"))


class Events(logging.Handler):
    """Every record of the package's loggers, formatted (propagation may be off)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture
def events() -> Iterator[Events]:
    logger = logging.getLogger("advisor_desktop")
    handler, level = Events(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def old_vault(paths: AppPaths, policy: KdfPolicy, typed: str) -> None:
    """A closed vault whose passphrase slot was wrapped from ``typed``'s raw bytes."""
    vault, _code = create_vault(paths, exact(typed), policy)
    vault.close()


@pytest.mark.parametrize("phrase", [VIETNAMESE, KOREAN])
def test_old_raw_nfd_vault_opens_and_is_rewrapped_under_nfc(
    paths: AppPaths, policy: KdfPolicy, events: Events, phrase: str
) -> None:
    typed = nfd(phrase)
    old_vault(paths, policy, typed)
    assert not passphrase_opens(paths, exact(nfc(phrase)))  # the bug: NFC alone fails

    with SecretText.from_text(typed) as secret, open_vault(paths, secret, policy) as vault:
        assert vault.is_open

    assert passphrase_opens(paths, exact(nfc(phrase)))  # re-wrapped under the normal form
    assert not passphrase_opens(paths, exact(typed))
    open_vault(paths, SecretText.from_text(nfc(phrase)), policy).close()
    open_vault(paths, SecretText.from_text(typed), policy).close()

    assert "passphrase_slot_renormalised" in events.messages
    assert events.messages.count("passphrase_slot_renormalised") == 1  # once, not every time
    for record in events.records:
        text = record.getMessage() + repr(record.args)
        for form in (phrase, nfc(phrase), typed):
            assert form not in text
        assert "mật" not in text
        assert "비밀" not in text


def test_an_nfc_vault_needs_no_rewrap(paths: AppPaths, policy: KdfPolicy, events: Events) -> None:
    vault, _code = create_vault(paths, SecretText.from_text(nfd(KOREAN)), policy)
    vault.close()
    before = paths.key_slots.read_bytes()
    open_vault(paths, SecretText.from_text(nfd(KOREAN)), policy).close()
    assert paths.key_slots.read_bytes() == before
    assert "passphrase_slot_renormalised" not in events.messages


def test_a_wrong_passphrase_in_either_form_is_still_wrong(
    paths: AppPaths, policy: KdfPolicy
) -> None:
    old_vault(paths, policy, nfd(VIETNAMESE))
    before = paths.key_slots.read_bytes()
    for text in (nfd("Tiếng Việt mật khẩu!"), nfc("Tiếng Việt mật khẩu!")):
        with pytest.raises(WrongPassphrase):
            open_vault(paths, SecretText.from_text(text), policy)
        assert not passphrase_opens(paths, SecretText.from_text(text))
    assert paths.key_slots.read_bytes() == before


def test_passphrase_opens_tries_both_forms_without_writing(
    paths: AppPaths, policy: KdfPolicy
) -> None:
    old_vault(paths, policy, nfd(KOREAN))
    before = paths.key_slots.read_bytes()
    assert passphrase_opens(paths, SecretText.from_text(nfd(KOREAN)))
    assert not passphrase_opens(paths, SecretText.from_text(nfc(KOREAN)))
    # A check from the visitor view runs beside the open vault: it never writes the slot file.
    assert paths.key_slots.read_bytes() == before


def test_checked_change_accepts_the_old_raw_form(paths: AppPaths, policy: KdfPolicy) -> None:
    old_vault(paths, policy, nfd(VIETNAMESE))
    new = nfd(KOREAN)
    with open_vault(paths, exact(nfd(VIETNAMESE)), policy) as vault:
        with pytest.raises(WrongPassphrase):
            change_passphrase_checked(
                vault, SecretText.from_text("not it at all"), secret_bytes(new), secret_bytes(new)
            )
        change_passphrase_checked(
            vault,
            SecretText.from_text(nfd(VIETNAMESE)),
            secret_bytes(new),
            secret_bytes(nfc(new)),  # the confirmation typed on another keyboard
        )
    assert passphrase_opens(paths, exact(nfc(KOREAN)))


def test_the_store_refuses_a_short_passphrase_by_characters(
    paths: AppPaths, policy: KdfPolicy
) -> None:
    seven = "비밀번호문장입"  # 21 bytes: long enough by bytes, too short by characters
    with pytest.raises(ValidationError):
        create_vault(paths, SecretText.from_text(seven), policy)
    vault, _code = create_vault(paths, SecretText.from_text(seven + "니"), policy)
    with vault, pytest.raises(ValidationError):
        vault.change_passphrase(SecretText.from_text(nfd(seven)))


@pytest.mark.parametrize(("made_with", "opened_with"), [(nfd, nfc), (nfc, nfd)])
@pytest.mark.parametrize("phrase", [VIETNAMESE, KOREAN])
def test_cli_init_and_list_in_either_form(cli: CliRunner, made_with, opened_with, phrase) -> None:
    made = cli("init", env={"ADVISOR_PASSPHRASE": made_with(phrase)})
    assert made.code == 0, made.err
    listed = cli("list", env={"ADVISOR_PASSPHRASE": opened_with(phrase)})
    assert listed.code == 0, listed.err


def test_cli_passphrase_file_in_nfd(cli: CliRunner, tmp_path: Path) -> None:
    secret_file = tmp_path / "pass.txt"
    secret_file.write_text(nfd(VIETNAMESE) + "\n", encoding="utf-8")
    made = cli("init", "--passphrase-file", str(secret_file))
    assert made.code == 0, made.err
    listed = cli("list", env={"ADVISOR_PASSPHRASE": nfc(VIETNAMESE)})
    assert listed.code == 0, listed.err


def test_cli_refuses_a_passphrase_short_in_characters(cli: CliRunner) -> None:
    refused = cli("init", env={"ADVISOR_PASSPHRASE": "비밀번호문장입"})
    assert refused.code != 0
    assert "8" in refused.err
    assert cli("init", env={"ADVISOR_PASSPHRASE": "비밀번호문장입니"}).code == 0


@pytest.mark.parametrize("phrase", [VIETNAMESE, KOREAN])
def test_cli_opens_an_old_raw_nfd_vault_and_rewraps_it(
    cli: CliRunner, policy: KdfPolicy, phrase: str
) -> None:
    """The CLI tries the form as typed too (not only the desktop), then NFC works everywhere."""
    paths = resolve_paths(cli.data_dir)
    typed = nfd(phrase)
    old_vault(paths, policy, typed)
    assert cli("list", env={"ADVISOR_PASSPHRASE": nfc(phrase)}).code == 3  # not yet
    opened = cli("list", env={"ADVISOR_PASSPHRASE": typed})
    assert opened.code == 0, opened.err
    assert cli("list", env={"ADVISOR_PASSPHRASE": nfc(phrase)}).code == 0  # re-wrapped
