"""The desk store's schema versions (``PRAGMA user_version``) and the migrations between them.

Each entry of :data:`MIGRATIONS` moves the schema from version ``i`` to ``i + 1``;
``storage/migrations.py`` runs each inside one transaction with the version bump, as it does the
vault's, so a crash leaves the old version intact. Tests build every older version and migrate
it (tests/desk/test_store_integrity.py).
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
-- Advisor devices the desk trusts. name_key is the name folded for comparison (NFKC, case,
-- spaces): two devices can never be shown under the same name.
CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,
    public_key   BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
    key_id       TEXT NOT NULL UNIQUE,
    enrolled_at  TEXT NOT NULL,
    origin       TEXT NOT NULL CHECK (origin IN ('enrol', 'advisors.json'))
);
-- Every package the desk accepted, byte for byte (what a receipt's digest names).
CREATE TABLE packages (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    data         BLOB NOT NULL,
    received_at  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('file', 'server')),
    file_name    TEXT
);
-- Referral ids the desk has seen: a second package with one of them is a replay. Ids from a
-- seen-ids file of an older desk have no package.
CREATE TABLE seen_ids (
    referral_id  TEXT PRIMARY KEY,
    seen_at      TEXT NOT NULL,
    origin       TEXT NOT NULL CHECK (origin IN ('package', 'seen-ids'))
);
-- What was opened: the verified payload (canonical JSON), its package and its signer.
CREATE TABLE referrals (
    id             TEXT PRIMARY KEY REFERENCES seen_ids (referral_id),
    package_id     INTEGER NOT NULL UNIQUE REFERENCES packages (id),
    device_id      INTEGER NOT NULL REFERENCES devices (id),
    signer_key_id  TEXT NOT NULL,
    payload        TEXT NOT NULL,
    opened_at      TEXT NOT NULL
);
-- The desk's weighing of each referral, oldest first; the last row is its state.
CREATE TABLE status_history (
    id           INTEGER PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES referrals (id),
    state        TEXT NOT NULL
                 CHECK (state IN ('received', 'in-assessment', 'referred-on', 'closed')),
    outcome      TEXT,
    message      TEXT,
    set_at       TEXT NOT NULL,
    CHECK ((state = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX status_by_referral ON status_history (referral_id, id);
-- Packages refused (by digest and reason only: no bytes are kept of what failed a check).
CREATE TABLE refusals (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    refused_at   TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('file', 'server')),
    reason       TEXT NOT NULL
)
"""


# Version 2: what the intake server relays (docs/sync-protocol.md). A withdrawal is the
# advisor's signed document, kept as received; status messages wait here until `push` has
# handed them to the server (the blob is the status message format's, opaque to the store).
_V2 = """
CREATE TABLE withdrawals (
    referral_id    TEXT PRIMARY KEY,
    device_key_id  TEXT NOT NULL,
    withdrawn_at   TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    document       BLOB NOT NULL
);
CREATE TABLE status_outbox (
    id             TEXT PRIMARY KEY,
    device_key_id  TEXT NOT NULL,
    referral_id    TEXT NOT NULL,
    blob           BLOB NOT NULL,
    queued_at      TEXT NOT NULL,
    pushed_at      TEXT
);
CREATE INDEX status_outbox_waiting ON status_outbox (queued_at) WHERE pushed_at IS NULL
"""

# Version 3: a device's age recipient (age1…), enrolled beside its Ed25519 key; the desk
# encrypts its status messages to it. NULL: enrolled without one, so no status can be sent.
_V3 = """
ALTER TABLE devices ADD COLUMN age_recipient TEXT
"""

MIGRATIONS: Sequence[Migration] = (script(_V1), script(_V2), script(_V3))
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the desk store's schema up to ``target``; returns the version found before."""
    return run_migrations(conn, MIGRATIONS, target)
