"""Retention and purge: due records are listed, deleted, and gone from every page of the file.

After a purge the test decrypts every page of vault.db itself (tests/helpers/sqlcipher_pages.py)
and looks for unique words of the purged records: they must appear on no page, in no index
segment, in no free page. A word of a kept record must still be found, so the check can fail.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import string
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.models import Status
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.clock import utc_now
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.protocol.profile import OrgProfile, RetentionPolicy
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import Vault, open_vault

from .conftest import PASSPHRASE, CliRunner
from .helpers.records import FakeClock, make_record, utc
from .helpers.sqlcipher_pages import decrypt_file


def unique_word(tag: str) -> str:
    """A word no other data contains (random lower-case letters)."""
    return tag + "".join(secrets.choice(string.ascii_lowercase) for _ in range(14))


def tails(word: str) -> list[bytes]:
    """What to look for: the word and its last 10 characters (the search index stores terms
    prefix-compressed, so a term may be on a page without its first letters)."""
    return [word.encode(), word[-10:].encode()]


def pages_containing(paths: AppPaths, key: bytes, needle: bytes) -> list[int]:
    pages = decrypt_file(paths.vault_db, key)
    return [i + 1 for i, page in enumerate(pages) if needle in page]


def wal_size(paths: AppPaths) -> int:
    wal = Path(str(paths.vault_db) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_purge_candidates_boundaries(vault: Vault, profile: OrgProfile) -> None:
    clock = FakeClock(utc(2024, 3, 15))
    nb = Notebook(vault, profile, clock)
    closed = nb.add(make_record(status=Status.CLOSED))
    nb.add(make_record(status=Status.OPEN))
    # Reopened records are not due, whatever their earlier closing date.
    reopened = nb.add(make_record(status=Status.CLOSED))
    nb.set_status(reopened, Status.OPEN)

    def due(day: dt.date) -> list[int]:
        return [s.id for s, _when in nb.purge_candidates(day)]

    assert due(dt.date(2026, 3, 14)) == []
    assert due(dt.date(2026, 3, 15)) == [closed]
    (_summary, when), *_ = nb.purge_candidates(dt.date(2027, 1, 1))
    assert when == dt.date(2026, 3, 15)
    # Warned from 30 days before the purge date (the profile's warn_days), not once due.
    assert [s.id for s, _ in nb.retention_warnings(dt.date(2026, 2, 12))] == []
    assert [s.id for s, _ in nb.retention_warnings(dt.date(2026, 2, 13))] == [closed]
    assert [s.id for s, _ in nb.retention_warnings(dt.date(2026, 3, 15))] == []
    assert nb.purge(dt.date(2026, 3, 14)) == []
    assert nb.purge(dt.date(2026, 3, 15)) == [closed]
    assert nb.count() == 2


def test_retention_from_profile(vault: Vault, profile: OrgProfile) -> None:
    from dataclasses import replace

    short = replace(profile, retention=RetentionPolicy(months_after_close=6, warn_days=7))
    nb = Notebook(vault, short, FakeClock(utc(2026, 1, 31)))
    rid = nb.add(make_record(status=Status.CLOSED))
    assert nb.purge_date(nb.get(rid)) == dt.date(2026, 7, 31)
    assert [s.id for s, _ in nb.purge_candidates(dt.date(2026, 7, 31))] == [rid]
    assert nb.purge_candidates(dt.date(2026, 7, 30)) == []


def _fill(vault: Vault, profile: OrgProfile) -> tuple[list[str], str, list[int]]:
    """Old closed records full of unique words, and kept ones. Returns (purged words, a kept
    word, kept ids)."""
    long_ago = Notebook(vault, profile, FakeClock(utc(2020, 1, 10)))
    recent = Notebook(vault, profile, FakeClock(utc_now() - dt.timedelta(days=30)))
    purged_words: list[str] = []
    for i in range(12):
        words = [unique_word(f"p{i}{k}") for k in range(4)]
        purged_words += words
        long_ago.add(
            make_record(
                status=Status.CLOSED,
                notes=f"{words[0]} — visitor said {words[1]} " + "filler text " * (i * 60),
                agreed=words[2],
                alias=f"alias {words[3]}",
                identifiers=(words[3] + "id",),
            )
        )
        long_ago.save_draft(f"record:{i + 1}", {"notes": words[0] + "draft"})
    kept_word = unique_word("kept")
    kept = [
        recent.add(make_record(notes=f"{kept_word} still open")),
        recent.add(make_record(status=Status.CLOSED, notes="closed last month " + kept_word)),
        long_ago.add(make_record(status=Status.OPEN, notes="old but still open " + kept_word)),
    ]
    return purged_words, kept_word, kept


def test_purge_leaves_nothing_in_the_file(
    vault: Vault, profile: OrgProfile, paths: AppPaths
) -> None:
    purged_words, kept_word, kept = _fill(vault, profile)
    key = bytes.fromhex(vault.raw_key_hex())
    vault.checkpoint()
    # Control: before the purge, the words are in the decrypted pages (the check can see).
    for word in purged_words[::5]:
        assert pages_containing(paths, key, word.encode()), word
    assert pages_containing(paths, key, kept_word.encode())

    nb = Notebook(vault, profile)
    assert len(nb.search(purged_words[0])) == 1
    purged = nb.purge()
    assert len(purged) == 12
    assert sorted(s.id for s in nb.list_records()) == sorted(kept)
    assert nb.search(purged_words[1]) == []
    assert len(nb.search(kept_word)) == 3
    assert nb.load_draft("record:1") is None
    # The WAL was checkpointed and truncated by the purge itself, vault still open.
    assert wal_size(paths) == 0

    pages = decrypt_file(paths.vault_db, key)
    found = {
        word: [i + 1 for i, page in enumerate(pages) if any(t in page for t in tails(word))]
        for word in purged_words
    }
    assert {w: p for w, p in found.items() if p} == {}
    assert any(kept_word.encode() in page for page in pages)
    with vault.read() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_purge_via_cli(cli: CliRunner, policy: KdfPolicy) -> None:
    assert cli("init").code == 0
    paths = resolve_paths(cli.data_dir)
    with open_vault(paths, bytearray(PASSPHRASE.encode()), policy) as vault:
        purged_words, kept_word, kept = _fill(vault, load_vault_profile(vault))
        key = bytes.fromhex(vault.raw_key_hex())

    r = cli("purge", "--dry-run")
    assert r.code == 0, r.err
    assert "12 records would be purged" in r.out
    assert len([line for line in r.out.splitlines() if "✕" in line]) == 12
    listed = json.loads(cli("purge", "--dry-run", "--json").out)
    assert len(listed) == 12
    assert all(item["purge_date"] == "2022-01-10" for item in listed)
    assert len(json.loads(cli("list", "--json").out)) == 15  # nothing deleted yet

    r = cli("purge")
    assert r.code == 0, r.err
    assert "Purged 12 records" in r.out
    assert sorted(item["id"] for item in json.loads(cli("list", "--json").out)) == sorted(kept)
    assert json.loads(cli("search", purged_words[0], "--json").out) == []
    assert "0 records would be purged" in cli("purge", "--dry-run").out

    assert wal_size(paths) == 0
    pages = decrypt_file(paths.vault_db, key)
    leaked = [w for w in purged_words if any(t in page for page in pages for t in tails(w))]
    assert leaked == []
    assert any(kept_word.encode() in page for page in pages)


@pytest.mark.parametrize("delete", ["delete", "update"])
def test_deleted_and_overwritten_text_is_gone(
    vault: Vault, profile: OrgProfile, paths: AppPaths, delete: str
) -> None:
    """secure_delete: a deleted record or replaced note does not linger in free pages.

    Known limit: a contentless FTS5 index keeps a deleted row's *terms* (single words, inside
    the encrypted file) until its segments are merged; FTS5's 'secure-delete' option does not
    apply to contentless tables. A purge runs 'optimize'; here the test does the same.
    """
    from dataclasses import replace

    nb = Notebook(vault, profile)
    word = unique_word("gone")
    rid = nb.add(make_record(notes=f"{word} " + "padding " * 700))
    nb.add(make_record(notes="neighbour " * 50))
    vault.checkpoint()
    key = bytes.fromhex(vault.raw_key_hex())
    assert pages_containing(paths, key, word.encode())
    if delete == "delete":
        nb.delete(rid)
    else:
        nb.update(replace(nb.get(rid), notes="short replacement"))
    with vault.write() as conn:
        conn.execute("INSERT INTO record_fts (record_fts) VALUES ('optimize')")
    vault.checkpoint()
    assert pages_containing(paths, key, word.encode()) == []
    assert pages_containing(paths, key, word[-10:].encode()) == []
