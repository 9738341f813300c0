"""The vault's schema versions (``PRAGMA user_version``) and the migrations between them.

Each entry of :data:`MIGRATIONS` moves the schema from version ``i`` to ``i + 1``. Migrations
only ever add; ``storage/migrations.py`` runs each inside one transaction with the version
bump, so a crash leaves the old version intact. Tests build every older version and migrate it
(tests/test_migrations.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor_desktop.storage.migrations import Connection, Migration, script
from advisor_desktop.storage.migrations import migrate as run_migrations

_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE records (
    id          INTEGER PRIMARY KEY,
    conv_date   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    role        TEXT NOT NULL,
    categories  TEXT NOT NULL DEFAULT '[]',
    options     TEXT NOT NULL DEFAULT '[]',
    agreed      TEXT NOT NULL DEFAULT '',
    follow_up   TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    language    TEXT NOT NULL DEFAULT '',
    alias       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX records_by_date ON records (conv_date DESC, id DESC);
CREATE INDEX records_follow_up ON records (follow_up) WHERE follow_up IS NOT NULL;
-- Contentless: the index holds tokens only; the text itself lives once, in records.
-- contentless_delete lets a purge remove a row's tokens without keeping a plaintext copy.
CREATE VIRTUAL TABLE record_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
"""

_V2 = """
-- Names and other identifiers the advisor lists for a record, so the anonymiser can remove
-- them from anything that leaves the device. Identifying: shown as such in the UI.
ALTER TABLE records ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';
-- Autosaved editor drafts live in the vault, never in a plaintext file.
CREATE TABLE drafts (
    slot      TEXT PRIMARY KEY,
    body      TEXT NOT NULL,
    saved_at  TEXT NOT NULL
);
CREATE INDEX records_by_status ON records (status, closed_at);
"""


_REFERRALS = """
-- Referrals (issue 5). The advisor device's Ed25519 key pair: one row, made on first use.
CREATE TABLE device_key (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    private_key  BLOB NOT NULL,
    public_key   BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
-- A referral and its draft (JSON: scopes, anonymiser proposals, the advisor's decisions).
-- record_id has no foreign key: purging a record must not be blocked by its referrals.
CREATE TABLE referrals (
    id             TEXT PRIMARY KEY,
    record_id      INTEGER,
    desk           TEXT NOT NULL,
    state          TEXT NOT NULL
                   CHECK (state IN ('draft', 'confirmed', 'exported', 'sent', 'withdrawn')),
    draft          TEXT NOT NULL,
    payload        BLOB,
    payload_digest TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX referrals_by_record ON referrals (record_id);
-- Consent as given: the exact statement shown, its language and version, how and when;
-- withdrawn_at is set when the visitor withdraws before sending.
CREATE TABLE referral_consents (
    referral_id        TEXT PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    scopes             TEXT NOT NULL,
    language           TEXT NOT NULL,
    statement_version  TEXT NOT NULL,
    statement_text     TEXT NOT NULL,
    method             TEXT NOT NULL CHECK (method IN ('on-screen', 'verbal', 'written')),
    given_at           TEXT NOT NULL,
    withdrawn_at       TEXT
);
-- Sealed packages waiting to leave (or exported); the sender's state survives restarts.
CREATE TABLE outbox (
    referral_id      TEXT PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    package          BLOB NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sent')),
    queued_at        TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    sent_at          TEXT,
    receipt          BLOB
)
"""


_FOLLOW_UPS = """
-- The follow-ups view asks for open records by follow-up date; a partial index keeps that
-- (and its counts) fast on a large notebook.
CREATE INDEX records_open_follow_up ON records (follow_up) WHERE follow_up IS NOT NULL
    AND status = 'open'
"""


_DESK_REPLIES = """
-- The device's age X25519 identity (AGE-SECRET-KEY-1…), beside its Ed25519 key: the desk
-- encrypts its status messages to it. NULL in a vault from before; made on first need.
ALTER TABLE device_key ADD COLUMN age_identity TEXT;
-- Status messages from the desk (protocol/status_message.py), verified, per referral: one row
-- per step (sequence), so the latest is the highest sequence and a replayed older message
-- never replaces it. document is the signed message as it was decrypted, to check again.
CREATE TABLE referral_statuses (
    referral_id  TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    sequence     INTEGER NOT NULL CHECK (sequence >= 1),
    state        TEXT NOT NULL
                 CHECK (state IN ('received', 'in-assessment', 'referred-on', 'closed')),
    outcome      TEXT,
    text         TEXT,
    set_at       TEXT NOT NULL,
    desk_key_id  TEXT NOT NULL,
    document     BLOB NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (referral_id, sequence),
    CHECK ((state = 'closed') = (outcome IS NOT NULL))
);
-- The device's signed withdrawal of a referral that had left it (exported or sent): kept so
-- that it can be written to a file again, or sent; sent_at once the desk's server has it.
CREATE TABLE referral_withdrawals (
    referral_id   TEXT PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    document      BLOB NOT NULL,
    withdrawn_at  TEXT NOT NULL,
    sent_at       TEXT
)
"""


_OUTBOX = """
-- The outbox (docs/sync.md): queued -> sending -> delivered | failed | withdrawn. The package
-- and its id are frozen when sealed; package_sha256 names the exact bytes every receipt must
-- name. delivered only with a stored receipt (verified before it is stored); withdrawn wipes
-- the package (a receipt, when there was one, is kept as proof).
CREATE TABLE outbox_items (
    referral_id      TEXT PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    package          BLOB,
    package_sha256   TEXT NOT NULL,
    size             INTEGER NOT NULL,
    state            TEXT NOT NULL
                     CHECK (state IN ('queued', 'sending', 'delivered', 'failed', 'withdrawn')),
    queued_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_reason      TEXT,
    exported_at      TEXT,
    delivered_at     TEXT,
    receipt          BLOB,
    receipt_source   TEXT CHECK (receipt_source IN ('network', 'file')),
    receipt_certificate BLOB,
    received_at      TEXT,
    CHECK (state <> 'delivered' OR (receipt IS NOT NULL AND receipt_source IS NOT NULL)),
    CHECK (state = 'withdrawn' OR package IS NOT NULL)
);
CREATE INDEX outbox_items_by_state ON outbox_items (state, next_attempt_at);
-- Every transition of an outbox item, with its time and the reason shown for it.
CREATE TABLE outbox_history (
    id           INTEGER PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    at           TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX outbox_history_by_item ON outbox_history (referral_id, id)
"""


def _outbox(conn: Connection) -> None:
    """Rebuild the outbox for its five states and carry every row over: ``sent`` with a
    receipt is ``delivered``; ``sent`` without one (never proven) is ``queued`` again, to be
    resolved by asking the server for its receipt; each row gets its first history entry."""
    import hashlib

    script(_OUTBOX)(conn)
    rows = conn.execute(
        "SELECT o.referral_id, o.package, o.state, o.queued_at, o.attempts, o.next_attempt_at, "
        "o.last_error, o.sent_at, o.receipt, r.state, r.updated_at "
        "FROM outbox o JOIN referrals r ON r.id = o.referral_id"
    ).fetchall()
    for row in rows:
        (rid, package, old, queued_at, attempts, next_at, error, sent_at, receipt) = row[:9]
        package = bytes(package)
        delivered = old == "sent" and receipt is not None
        state = "delivered" if delivered else "queued"
        reason = None if delivered or old != "sent" else "migrated: sent without a receipt"
        exported_at = row[10] if row[9] == "exported" else None
        conn.execute(
            "INSERT INTO outbox_items (referral_id, package, package_sha256, size, state, "
            "queued_at, updated_at, attempts, next_attempt_at, last_reason, exported_at, "
            "delivered_at, receipt, receipt_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?)",
            (
                rid,
                package,
                hashlib.sha256(package).hexdigest(),
                len(package),
                state,
                queued_at,
                sent_at or queued_at,
                int(attempts or 0),
                None if delivered else next_at,
                error if reason is None else reason,
                exported_at,
                sent_at if delivered else None,
                bytes(receipt) if delivered else None,
                "file" if delivered else None,
            ),
        )
        conn.execute(
            "INSERT INTO outbox_history (referral_id, from_state, to_state, at, reason) "
            "VALUES (?, NULL, ?, ?, ?)",
            (rid, state, sent_at or queued_at, "migrated"),
        )
    conn.execute("DROP TABLE outbox")


MIGRATIONS: Sequence[Migration] = (
    script(_V1),
    script(_V2),
    script(_REFERRALS),
    script(_FOLLOW_UPS),
    script(_DESK_REPLIES),
    _outbox,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the vault's schema up to ``target``; returns the version found before."""
    return run_migrations(conn, MIGRATIONS, target)
