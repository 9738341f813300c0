"""Decrypt a SQLCipher 4 database file page by page, independently of SQLCipher.

Default SQLCipher 4 layout with a raw key: pages of 4096 bytes; the last 80 bytes of each page
are reserved (16-byte IV, then a 64-byte HMAC-SHA512); page 1 starts with the 16-byte salt,
which is not encrypted. Each page's data is AES-256-CBC under the raw key with that page's IV.
Tests use this to look at what is *really* in the file, not what SQL shows.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE_SIZE = 4096
RESERVE = 80
IV_SIZE = 16
SALT_SIZE = 16


def decrypt_page(page: bytes, key: bytes, number: int) -> bytes:
    """The plaintext of one page (page 1 without its salt)."""
    if len(page) != PAGE_SIZE:
        raise ValueError(f"page {number} has {len(page)} bytes")
    start = SALT_SIZE if number == 1 else 0
    iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + IV_SIZE]
    data = page[start : PAGE_SIZE - RESERVE]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def decrypt_file(path: Path, key: bytes) -> list[bytes]:
    """Every page of ``path`` decrypted; checks page 1 decrypts to a valid SQLite header."""
    raw = path.read_bytes()
    if len(raw) % PAGE_SIZE:
        raise ValueError("not a whole number of pages")
    pages = [
        decrypt_page(raw[i : i + PAGE_SIZE], key, i // PAGE_SIZE + 1)
        for i in range(0, len(raw), PAGE_SIZE)
    ]
    header = pages[0]
    # File offsets 16..: page size (big-endian), write/read versions (2 = WAL), reserve bytes.
    if header[0:2] != PAGE_SIZE.to_bytes(2, "big") or header[4] != RESERVE:
        raise ValueError("page 1 does not decrypt to a SQLite header: wrong key or layout")
    return pages
