"""Schema migrations: a vault left at every older version opens, migrates and keeps its data.

Each older vault is built the way an older release wrote it: a SQLCipher database under a raw
key with only the first ``k`` migrations applied, data valid at that version, and a matching
key-slot file. ``open_vault`` must then bring it to the latest version with the data intact and
searchable.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from advisor_desktop.crypto.keyslots import KdfPolicy, SlotFile, wrap_key
from advisor_desktop.crypto.recovery import generate_recovery_code
from advisor_desktop.notebook.models import RecordId, Status, VisitorRole
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.platform.textnorm import normalize_for_index
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.protocol.referral_terms import ReferralState
from advisor_desktop.protocol.status_message import StatusMessage
from advisor_desktop.referral.consent import parse_scopes
from advisor_desktop.referral.draft import DraftInputs, draft_to_doc, new_draft
from advisor_desktop.referral.service import ReferralService
from advisor_desktop.storage.meta import PROFILE_KEY, load_vault_profile
from advisor_desktop.storage.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from advisor_desktop.storage.store import open_vault, open_vault_with_recovery

from .conftest import PASSPHRASE, TEST_KDF, CliRunner
from .helpers.records import make_record

NOW = "2026-02-01T10:00:00+00:00"

# Data an older release could have written, per record: (version it needs, column values).
V1_RECORDS: list[dict[str, Any]] = [
    {
        "conv_date": "2026-01-10",
        "channel": "in-person",
        "role": "hq",
        "categories": '["bullying"]',
        "options": '["manager"]',
        "agreed": "Prepare a chronology",
        "follow_up": "2026-01-20",
        "notes": "Spöttische Bemerkungen in der Teamsitzung",
        "status": "open",
        "language": "de",
        "alias": "Kestrel",
        "closed_at": None,
    },
    {
        "conv_date": "2025-12-01",
        "channel": "phone",
        "role": "external",
        "categories": '["fraud","other"]',
        "options": '["central-desk","no-action"]',
        "agreed": "",
        "follow_up": None,
        "notes": "来访者注意到报销单据多次被修改 — ملاحظات إضافية",
        "status": "closed",
        "language": "zh-Hans",
        "alias": None,
        "closed_at": "2025-12-15T09:00:00+00:00",
    },
]


def _insert_record(conn: Any, values: dict[str, Any], *, with_identifiers: bool) -> int:
    columns = [*values, "created_at", "updated_at"]
    params = [*values.values(), NOW, NOW]
    cursor = conn.execute(
        f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        params,
    )
    rowid = int(cursor.lastrowid)
    body = "\n".join(p for p in (values["notes"], values["agreed"], values["alias"] or "") if p)
    conn.execute(
        "INSERT INTO record_fts (rowid, body) VALUES (?, ?)", (rowid, normalize_for_index(body))
    )
    assert with_identifiers == ("identifiers" in values)
    return rowid


def seed(conn: Any, version: int, profile: OrgProfile) -> dict[str, Any]:
    """Insert data valid at ``version``; returns what the test should find after migrating."""
    expected: dict[str, Any] = {"records": {}, "drafts": {}}
    if version >= 1:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)", (PROFILE_KEY, profile.to_json())
        )
        for values in V1_RECORDS:
            rid = _insert_record(conn, values, with_identifiers=False)
            expected["records"][rid] = {**values, "identifiers": []}
    if version >= 2:
        values = {
            **V1_RECORDS[0],
            "notes": "Угрозы по поводу продления контракта",
            "alias": None,
            "identifiers": json.dumps(["Person Q"]),
        }
        rid = _insert_record(conn, values, with_identifiers=True)
        expected["records"][rid] = {**values, "identifiers": ["Person Q"]}
        conn.execute(
            "INSERT INTO drafts (slot, body, saved_at) VALUES (?, ?, ?)",
            ("new", json.dumps({"notes": "unfinished"}), NOW),
        )
        expected["drafts"]["new"] = {"notes": "unfinished"}
    if version >= 3:
        # The device key as version 3 kept it (Ed25519 only), and a referral that left.
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        conn.execute(
            "INSERT INTO device_key (id, private_key, public_key, created_at) VALUES (1, ?, ?, ?)",
            (key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), public, NOW),
        )
        draft = new_draft(
            make_record(notes="to the desk"),
            DraftInputs(desk="Central desk", scopes=parse_scopes("category")),
            "en",
            dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        )
        conn.execute(
            "INSERT INTO referrals (id, record_id, desk, state, draft, payload, payload_digest, "
            "created_at, updated_at) VALUES (?, NULL, 'Central desk', 'exported', ?, ?, ?, ?, ?)",
            (draft.referral_id, json.dumps(draft_to_doc(draft)), b"{}", "0" * 16, NOW, NOW),
        )
        conn.execute(
            "INSERT INTO referral_consents (referral_id, scopes, language, statement_version, "
            "statement_text, method, given_at) VALUES (?, 'category', 'en', '1', 'text', "
            "'verbal', ?)",
            (draft.referral_id, NOW),
        )
        expected["device_key"] = public
        expected["referral"] = draft.referral_id
        # The outbox as version 3 kept it (queued | sent): the exported referral's package
        # still queued, one sent with a receipt, one marked sent without a receipt.
        conn.execute(
            "INSERT INTO outbox (referral_id, package, state, queued_at, attempts) "
            "VALUES (?, ?, 'queued', ?, 2)",
            (draft.referral_id, b"package exported", NOW),
        )
        expected["outbox"] = {draft.referral_id: ("queued", b"package exported", None)}
        for receipt in (b"old receipt", None):
            sent = new_draft(
                make_record(notes="sent"),
                DraftInputs(desk="Central desk", scopes=parse_scopes("category")),
                "en",
                dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
            )
            conn.execute(
                "INSERT INTO referrals (id, record_id, desk, state, draft, payload, "
                "payload_digest, created_at, updated_at) "
                "VALUES (?, NULL, 'Central desk', 'sent', ?, ?, ?, ?, ?)",
                (sent.referral_id, json.dumps(draft_to_doc(sent)), b"{}", "1" * 16, NOW, NOW),
            )
            conn.execute(
                "INSERT INTO referral_consents (referral_id, scopes, language, "
                "statement_version, statement_text, method, given_at) VALUES (?, 'category', "
                "'en', '1', 'text', 'verbal', ?)",
                (sent.referral_id, NOW),
            )
            package = b"package sent " + (receipt or b"")
            conn.execute(
                "INSERT INTO outbox (referral_id, package, state, queued_at, attempts, sent_at, "
                "receipt) VALUES (?, ?, 'sent', ?, 1, ?, ?)",
                (sent.referral_id, package, NOW, "2026-02-01T11:00:00+00:00", receipt),
            )
            # Sent with a receipt: delivered. Sent without one was never proven: queued again,
            # to be asked for by its receipt.
            state = "delivered" if receipt else "queued"
            expected["outbox"][sent.referral_id] = (state, package, receipt)
    return expected


def build_old_vault(
    paths: AppPaths, version: int, profile: OrgProfile
) -> tuple[dict[str, Any], str]:
    """A vault at schema ``version`` as an older release left it; returns expectations and the
    recovery code."""
    paths.ensure()
    key = bytearray(secrets.token_bytes(32))
    conn = sqlcipher3.connect(str(paths.vault_db), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA journal_mode = WAL")  # writes the (encrypted) first page
    for step in range(version):
        conn.execute("BEGIN")
        MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {step + 1}")
        conn.execute("COMMIT")
    conn.execute("BEGIN")
    expected = seed(conn, version, profile)
    conn.execute("COMMIT")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    conn.close()
    vault_id = str(uuid.uuid4())
    code = generate_recovery_code()
    slots = SlotFile(
        vault_id=vault_id,
        slots=(
            wrap_key(key, PASSPHRASE.encode(), "passphrase", vault_id, TEST_KDF),
            wrap_key(key, code.encode("ascii"), "recovery", vault_id, TEST_KDF),
        ),
    )
    paths.key_slots.write_bytes(slots.to_bytes())
    return expected, code


def test_seed_data_covers_every_migration() -> None:
    """Adding a migration must come with seed data for it (update ``seed`` above)."""
    # Version 3 (referrals, consents, outbox, device key): a device key and a referral; version
    # 4 adds an index, version 5 the device's age key column and empty tables (status messages,
    # withdrawals); the oldest-to-newest runs below check they exist after migrating. Version 6
    # rebuilds the outbox (five states, history): version 3's seed has outbox rows of each kind.
    assert SCHEMA_VERSION == 6, "new schema version: add data valid at it to seed()"


def _columns(conn: Any, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()}


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_open_migrates_older_vault(
    version: int, paths: AppPaths, policy: KdfPolicy, profile: OrgProfile
) -> None:
    expected, _code = build_old_vault(paths, version, profile)
    with open_vault(paths, bytearray(PASSPHRASE.encode()), policy) as vault:
        with vault.read() as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert "identifiers" in _columns(conn, "records")
            assert _columns(conn, "drafts") == {"slot", "body", "saved_at"}
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            assert {"device_key", "referrals", "referral_consents", "outbox_items"} <= tables
            assert {"outbox_history"} <= tables
            assert "outbox" not in tables
            assert "records_open_follow_up" in tables
            assert {"referral_statuses", "referral_withdrawals"} <= tables
            assert "age_identity" in _columns(conn, "device_key")
        notebook = Notebook(vault, load_vault_profile(vault))
        assert notebook.count() == len(expected["records"])
        for rid, values in expected["records"].items():
            record = notebook.get(RecordId(rid))
            assert record.conv_date.isoformat() == values["conv_date"]
            assert record.channel.value == values["channel"]
            assert record.role.value == values["role"]
            assert list(record.categories) == json.loads(values["categories"])
            assert list(record.options) == json.loads(values["options"])
            assert record.agreed == values["agreed"]
            assert record.notes == values["notes"]
            assert record.status.value == values["status"]
            assert record.alias == values["alias"]
            assert list(record.identifiers) == values["identifiers"]
            assert (record.closed_at.isoformat() if record.closed_at else None) == values[
                "closed_at"
            ]
        for slot, body in expected["drafts"].items():
            assert notebook.load_draft(slot) == body
        if version >= 1:
            (hit,) = notebook.search("spottisch")
            assert hit.summary.role is VisitorRole.HQ
            assert len(notebook.search("报销")) == 1
            assert len(notebook.search("ملاحظات")) == 1
            assert len(notebook.search("kestrel")) == 1
            assert [s.follow_up for s in notebook.follow_ups(dt.date(2026, 2, 1))] == [
                dt.date(2026, 1, 20)
            ] * (2 if version >= 2 else 1)
        if version >= 2:
            assert len(notebook.search("продления")) == 1
        referrals = ReferralService(vault, load_vault_profile(vault))
        device = referrals.device_keys.public_key()
        if version >= 3:
            # The key the desk enrolled stays; the age key is added beside it on first need.
            assert device.raw == expected["device_key"]
            listed = {r.id: r for r in referrals.list_referrals()}
            ref = listed[expected["referral"]]
            assert (ref.state, ref.desk_status) == ("exported", None)
            _check_outbox(vault, expected["outbox"])
            assert referrals.get(ref.id).draft.referral_id == ref.id
            status = StatusMessage(
                ref.id,
                1,
                ReferralState.RECEIVED,
                None,
                None,
                "2026-02-02T00:00:00Z",
                "a" * 32,
                device.key_id,
            )
            referrals.statuses.record(status, b"signed")
            assert {r.id: r for r in referrals.list_referrals()}[ref.id].desk_status is not None
        assert device.age_recipient.startswith("age1")
        assert referrals.device_keys.public_key() == device  # made once, kept
        # The migrated vault takes new data of the latest version.
        rid = notebook.add(make_record(notes="after migration", identifiers=("Person Z",)))
        assert notebook.get(rid).identifiers == ("Person Z",)
        notebook.save_draft("record:1", {"notes": "draft after migration"})
        notebook.set_status(rid, Status.CLOSED)
        assert [h.summary.id for h in notebook.search("after migration")] == [rid]


def _check_outbox(vault: Any, expected: dict[str, tuple[str, bytes, bytes | None]]) -> None:
    """The old outbox rows as version 6 has them: states, the bytes unchanged with their
    SHA-256, receipts kept, a first history entry each; the exported one waits for a receipt."""
    import hashlib

    from advisor_desktop.referral.outbox import Outbox, OutboxState

    outbox = Outbox(vault)
    assert {i.referral_id for i in outbox.items()} == set(expected)
    for referral_id, (state, package, receipt) in expected.items():
        item = outbox.get(referral_id)
        assert item.state is OutboxState(state)
        assert outbox.package(referral_id) == package
        assert item.package_sha256 == hashlib.sha256(package).hexdigest()
        assert item.size == len(package)
        stored = outbox.receipt(referral_id)
        assert (stored.document if stored else None) == receipt
        assert item.delivered == (receipt is not None)
        assert [t.reason for t in outbox.history(referral_id)] == ["migrated"]
        if state == "queued":
            assert item in outbox.due(dt.datetime(2026, 2, 2, tzinfo=dt.UTC))
    exported = [i for i in outbox.items() if i.exported_at is not None]
    assert [i.attempts for i in exported] == [2]
    assert all(i.waiting_for_receipt for i in exported)


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_migration_is_kept_after_reopen_and_recovery_slot_works(
    version: int, paths: AppPaths, policy: KdfPolicy, profile: OrgProfile
) -> None:
    _expected, code = build_old_vault(paths, version, profile)
    open_vault(paths, bytearray(PASSPHRASE.encode()), policy).close()
    with open_vault_with_recovery(paths, code, policy) as vault, vault.read() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_cli_lists_and_searches_migrated_vault(cli: CliRunner, profile: OrgProfile) -> None:
    build_old_vault(resolve_paths(cli.data_dir), 1, profile)
    r = cli("list", "--json")
    assert r.code == 0, r.err
    assert len(json.loads(r.out)) == 2
    hits = json.loads(cli("search", "Bemerkung", "--json").out)
    assert [h["role"] for h in hits] == ["hq"]


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    """A migration that fails half-way leaves the previous version and schema untouched."""
    db = tmp_path / "plain.db"
    conn = sqlcipher3.connect(str(db), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
    migrate(conn, target=1)
    # Something in the way of migration 2's CREATE TABLE (after its ALTER TABLE has run).
    conn.execute("CREATE TABLE drafts (x)")
    with pytest.raises(sqlcipher3.OperationalError):
        migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "identifiers" not in _columns(conn, "records")
    conn.close()


def test_migrate_from_scratch_reports_found_version(tmp_path: Path) -> None:
    conn = sqlcipher3.connect(str(tmp_path / "x.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
    assert migrate(conn) == 0
    assert migrate(conn) == SCHEMA_VERSION  # idempotent
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
