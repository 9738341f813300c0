"""The app's own age v1 writer: read by pyrage and the ``age`` tool, one size per plaintext
size (no grease stanza of random size), recipients checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pyrage
import pytest

from advisor_desktop.protocol.age_file import CHUNK, encrypt, recipient_bytes
from advisor_desktop.protocol.errors import KeyFormatError


@pytest.fixture(scope="module")
def identities() -> list[pyrage.x25519.Identity]:
    return [pyrage.x25519.Identity.generate() for _ in range(3)]


@pytest.mark.parametrize("size", [0, 1, 4096, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 200_000])
def test_pyrage_reads_it_for_every_recipient(
    identities: list[pyrage.x25519.Identity], size: int
) -> None:
    plain = os.urandom(size)
    recipients = [str(i.to_public()) for i in identities]
    data = encrypt(plain, recipients)
    for identity in identities:
        assert bytes(pyrage.decrypt(data, [identity])) == plain
    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(data, [stranger])


def test_one_size_per_plaintext_size(identities: list[pyrage.x25519.Identity]) -> None:
    recipient = [str(identities[0].to_public())]
    sizes = {len(encrypt(b"0" * 4096, recipient)) for _ in range(50)}
    assert sizes == {4096 + 200}
    # pyrage's own files differ in size from one to the next (its grease stanza).
    greased = {len(pyrage.encrypt(b"0" * 4096, [identities[0].to_public()])) for _ in range(50)}
    assert len(greased) > 1


def test_an_altered_file_does_not_decrypt(identities: list[pyrage.x25519.Identity]) -> None:
    data = bytearray(encrypt(b"secret referral", [str(identities[0].to_public())]))
    for position in (30, len(data) // 2, len(data) - 1):
        altered = bytearray(data)
        altered[position] ^= 1
        with pytest.raises(pyrage.DecryptError):
            pyrage.decrypt(bytes(altered), [identities[0]])


@pytest.mark.skipif(shutil.which("age") is None, reason="the age tool is not installed")
def test_the_age_tool_reads_it(identities: list[pyrage.x25519.Identity], tmp_path: Path) -> None:
    key = tmp_path / "identity.txt"
    key.write_text(str(identities[1]) + "\n", encoding="ascii")
    plain = os.urandom(CHUNK + 17)
    package = tmp_path / "p.referral"
    package.write_bytes(encrypt(plain, [str(i.to_public()) for i in identities]))
    done = subprocess.run(
        ["age", "-d", "-i", str(key), str(package)], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain


def test_recipients_are_checked(identities: list[pyrage.x25519.Identity]) -> None:
    good = str(identities[0].to_public())
    assert len(recipient_bytes(good)) == 32
    flipped = good[:-1] + ("q" if good[-1] != "q" else "p")
    for bad in (flipped, good.upper(), "age1", "age1" + "q" * 58, "ssh-ed25519 AAAA", good[:-3]):
        with pytest.raises(KeyFormatError):
            recipient_bytes(bad)
    with pytest.raises(KeyFormatError):
        encrypt(b"x", [])
