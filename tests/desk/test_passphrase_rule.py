"""The desk passphrase follows the vault's rule (``crypto/secret_text.require_passphrase``):
at least 8 characters of the normal form (NFC), wherever one is set — ``init``, ``keygen``,
and the desk identity made in code. A shorter one is refused with exit 1 (the vault's
``init``/``passwd`` code for it) and nothing is created."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from advisor_desktop.crypto.secret_text import MIN_PASSPHRASE_LENGTH
from advisor_desktop.desk.identity import IDENTITY_FILE, keygen
from advisor_desktop.platform.errors import EXIT_OTHER, ValidationError
from advisor_desktop.protocol.desk_public import PUBLIC_FILE
from tests.conftest import TEST_KDF

from .conftest import DeskRunner

SEVEN_NFD = unicodedata.normalize("NFD", "ế" * 7)  # 21 code points as typed, 7 characters

SHORT = {
    "one-character": "x",
    "seven": "abcdefg",
    "padded": "abcd    ",
    "seven-decomposed": SEVEN_NFD,
}


@pytest.mark.parametrize("secret", SHORT.values(), ids=SHORT.keys())
@pytest.mark.parametrize(
    "args", [("init",), ("init", "--name", "Central desk"), ("keygen", "--name", "Central desk")]
)
def test_a_short_desk_passphrase_is_refused(
    desk: DeskRunner, args: tuple[str, ...], secret: str
) -> None:
    result = desk(*args, env={"ADVISOR_DESK_PASSPHRASE": secret})
    assert result.code == EXIT_OTHER, result
    assert f"{MIN_PASSPHRASE_LENGTH} characters" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not desk.folder.exists() or not any(desk.folder.iterdir()), list(desk.folder.iterdir())


def test_a_passphrase_file_with_one_character_is_refused(desk: DeskRunner, tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("x\n", encoding="utf-8")
    result = desk("init", "--name", "Central desk", "--passphrase-file", str(secret))
    assert result.code == EXIT_OTHER, result
    assert f"{MIN_PASSPHRASE_LENGTH} characters" in result.err


def test_eight_characters_are_enough(desk: DeskRunner) -> None:
    made = desk("init", "--name", "Central desk", env={"ADVISOR_DESK_PASSPHRASE": "ế" * 8})
    assert made.code == 0, made.err
    # Typed decomposed, the same passphrase opens it (normal form).
    listed = desk("list", env={"ADVISOR_DESK_PASSPHRASE": unicodedata.normalize("NFD", "ế" * 8)})
    assert listed.code == 0, listed.err


@pytest.mark.parametrize("secret", [b"x", b"", b"abcdefg", b"abcd    "])
def test_keygen_refuses_a_short_passphrase(tmp_path: Path, secret: bytes) -> None:
    folder = tmp_path / "desk"
    with pytest.raises(ValidationError):
        keygen(folder, "Central desk", secret, TEST_KDF)
    assert not (folder / IDENTITY_FILE).exists()
    assert not (folder / PUBLIC_FILE).exists()
