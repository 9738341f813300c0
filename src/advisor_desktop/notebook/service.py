"""The notebook service: add, edit, find, follow up and purge conversation records.

All reads and writes go through the open :class:`~advisor_desktop.storage.Vault`. The search
index is kept in step with the records inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from advisor_desktop.notebook.models import (
    ConversationRecord,
    RecordFilter,
    RecordId,
    RecordSummary,
    SearchHit,
    Status,
)
from advisor_desktop.notebook.rows import (
    COLUMNS,
    EDITABLE,
    SUMMARY_COLUMNS,
    add_months,
    index_body,
    json_ids,
    row_to_record,
    row_to_summary,
    snippet,
    where_clause,
    with_closed_at,
)
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.errors import RecordNotFound
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.textnorm import fts_query
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.store import Vault

log = logging.getLogger(__name__)

# A search ranks at most this many matches, the most recently added: bm25 over every match of a
# word found in half of 100,000 notes takes ~40 ms, over 2,000 of them ~3 ms. Below this many
# matches the ranking is exact.
RANK_CANDIDATES = 2000
# After adding this many records at once, the search index is merged into one segment (~0.5 s
# per 100,000 records). Otherwise FTS5 finishes the import's merges a slice at a time during
# later saves, each slice a 10-30 ms stall. (Pausing FTS5's merges during the import would be
# faster, but leaves the merged segment on a low level, where the merges of every later save
# soon rewrite all of it.)
OPTIMIZE_AFTER = 1000


@dataclass(frozen=True)
class FollowUpOverview:
    """What the follow-ups view shows: a page of each group and the full counts."""

    overdue: list[RecordSummary]
    upcoming: list[RecordSummary]
    overdue_count: int
    upcoming_count: int


def warm_up(vault: Vault) -> None:
    """Read what the notebook's first screen reads (the record count, the newest page), so the
    pages are decrypted into SQLCipher's cache before a GUI thread asks for them."""
    with vault.read() as conn:
        conn.execute("SELECT count(*) FROM records").fetchone()
        conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM records ORDER BY conv_date DESC, id DESC LIMIT 200"
        ).fetchall()


class Notebook:
    """Conversation records in an open vault, validated against the organisation profile."""

    def __init__(self, vault: Vault, profile: OrgProfile, clock: Clock = utc_now) -> None:
        self._vault = vault
        self.profile = profile
        self._clock = clock
        self._categories = {c.id for c in profile.categories}
        self._options = {o.id for o in profile.options}

    # -- writing ---------------------------------------------------------------------------

    def _values(self, record: ConversationRecord, now: dt.datetime) -> list[Any]:
        closed_at = record.closed_at
        if record.status is Status.CLOSED and closed_at is None:
            closed_at = now
        if record.status is Status.OPEN:
            closed_at = None
        return [
            record.conv_date.isoformat(),
            record.channel.value,
            record.role.value,
            json_ids(record.categories),
            json_ids(record.options),
            record.agreed,
            record.follow_up.isoformat() if record.follow_up else None,
            record.notes,
            record.status.value,
            record.language,
            record.alias or None,
            json.dumps(list(record.identifiers), ensure_ascii=False)
            if record.identifiers
            else "[]",
            closed_at.isoformat() if closed_at else None,
        ]

    def add(self, record: ConversationRecord) -> RecordId:
        """Store a new record (and its search rows) durably; returns its id."""
        return self.add_many([record])[0]

    def add_many(self, records: Iterable[ConversationRecord]) -> list[RecordId]:
        """Store many records in one transaction (all or nothing)."""
        batch = list(records)
        now = self._clock()
        stamp = now.isoformat()
        ids: list[RecordId] = []
        with self._vault.write() as conn:
            for record in batch:
                record.validate(self._categories, self._options)
                cursor = conn.execute(
                    "INSERT INTO records (conv_date, channel, role, categories, options, agreed,"
                    " follow_up, notes, status, language, alias, identifiers, closed_at,"
                    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [*self._values(record, now), stamp, stamp],
                )
                rowid = int(cursor.lastrowid)
                conn.execute(
                    "INSERT INTO record_fts (rowid, body) VALUES (?, ?)",
                    (rowid, index_body(record)),
                )
                ids.append(RecordId(rowid))
            if len(ids) >= OPTIMIZE_AFTER:
                conn.execute("INSERT INTO record_fts (record_fts) VALUES ('optimize')")
        log.info("records_added count=%s", len(ids))
        return ids

    def update(self, record: ConversationRecord) -> None:
        """Replace the stored fields of ``record.id`` (and its search rows)."""
        if record.id is None:
            raise RecordNotFound(_("This record has not been saved yet."))
        record.validate(self._categories, self._options)
        now = self._clock()
        with self._vault.write() as conn:
            row = conn.execute(
                f"SELECT {', '.join(EDITABLE)} FROM records WHERE id = ?", (record.id,)
            ).fetchone()
            if row is None:
                raise self._not_found(record.id)
            stored = dict(zip(EDITABLE, row, strict=True))
            if record.status is Status.CLOSED and record.closed_at is None and stored["closed_at"]:
                record = with_closed_at(record, dt.datetime.fromisoformat(stored["closed_at"]))
            # Only the columns that changed are written: an unchanged column leaves its index
            # pages alone, and unchanged text leaves the search index alone (fewer pages to
            # encrypt and write per save).
            changed = {
                column: value
                for column, value in zip(EDITABLE, self._values(record, now), strict=True)
                if value != stored[column]
            }
            assignments = "".join(f"{column} = ?, " for column in changed)
            conn.execute(
                f"UPDATE records SET {assignments}updated_at = ? WHERE id = ?",
                [*changed.values(), now.isoformat(), record.id],
            )
            if changed.keys() & {"notes", "agreed", "alias"}:
                conn.execute("DELETE FROM record_fts WHERE rowid = ?", (record.id,))
                conn.execute(
                    "INSERT INTO record_fts (rowid, body) VALUES (?, ?)",
                    (record.id, index_body(record)),
                )
        log.info("record_updated id=%s", record.id)

    def set_status(self, record_id: RecordId, status: Status) -> None:
        """Close or reopen a record (closing starts its retention period)."""
        now = self._clock()
        with self._vault.write() as conn:
            closed_at = now.isoformat() if status is Status.CLOSED else None
            cursor = conn.execute(
                "UPDATE records SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
                (status.value, closed_at, now.isoformat(), record_id),
            )
            if cursor.rowcount == 0:
                raise self._not_found(record_id)
        log.info("record_status id=%s status=%s", record_id, status.value)

    def delete(self, record_id: RecordId) -> None:
        """Delete a record and its search rows (secure_delete zeroes the freed pages)."""
        with self._vault.write() as conn:
            cursor = conn.execute("DELETE FROM records WHERE id = ?", (record_id,))
            if cursor.rowcount == 0:
                raise self._not_found(record_id)
            conn.execute("DELETE FROM record_fts WHERE rowid = ?", (record_id,))
            conn.execute("DELETE FROM drafts WHERE slot = ?", (f"record:{record_id}",))
        log.info("record_deleted id=%s", record_id)

    # -- reading ---------------------------------------------------------------------------

    def get(self, record_id: RecordId) -> ConversationRecord:
        """One record, all fields."""
        with self._vault.read() as conn:
            row = conn.execute(
                f"SELECT {COLUMNS} FROM records WHERE id = ?", (record_id,)
            ).fetchone()
        if row is None:
            raise self._not_found(record_id)
        return row_to_record(row)

    def count(self, filters: RecordFilter | None = None) -> int:
        """How many records match ``filters``."""
        where, params = where_clause(filters)
        with self._vault.read() as conn:
            return int(conn.execute(f"SELECT count(*) FROM records{where}", params).fetchone()[0])

    def list_records(
        self, filters: RecordFilter | None = None, *, limit: int = -1, offset: int = 0
    ) -> list[RecordSummary]:
        """Records, newest conversation first, a page at a time."""
        where, params = where_clause(filters)
        with self._vault.read() as conn:
            rows = conn.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM records{where}"
                " ORDER BY conv_date DESC, id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return [row_to_summary(r) for r in rows]

    def search(
        self, query: str, *, limit: int = 50, filters: RecordFilter | None = None
    ) -> list[SearchHit]:
        """Full-text search over notes, agreed actions and alias; best matches first.

        Matches are ranked by bm25. When a query matches more than :data:`RANK_CANDIDATES`
        records, only the most recently added that many are ranked (and filtered): ranking every
        match of a very common word would cost time in proportion to the whole notebook.
        """
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        where, params = where_clause(filters)
        where = where.replace(" WHERE ", " AND ", 1)
        with self._vault.read() as conn:
            rows = conn.execute(
                f"SELECT {SUMMARY_COLUMNS.replace('id,', 'r.id,', 1)}, r.notes, r.agreed"
                " FROM (SELECT rowid, rank FROM record_fts WHERE record_fts MATCH ?"
                " ORDER BY rowid DESC LIMIT ?) AS hit CROSS JOIN records AS r ON r.id = hit.rowid"
                f"{where} ORDER BY hit.rank, hit.rowid DESC LIMIT ?",
                [match, RANK_CANDIDATES, *params, limit],
            ).fetchall()
        return [SearchHit(row_to_summary(r[:7]), snippet(query, r[7], r[8])) for r in rows]

    def follow_ups(
        self, today: dt.date | None = None, *, within_days: int = 0
    ) -> list[RecordSummary]:
        """Open records whose follow-up date is due (today or earlier, plus ``within_days``)."""
        today = today or self._clock().date()
        horizon = today + dt.timedelta(days=within_days)
        with self._vault.read() as conn:
            rows = conn.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM records INDEXED BY records_open_follow_up"
                " WHERE follow_up IS NOT NULL AND follow_up <= ? AND status = 'open'"
                " ORDER BY follow_up, id",
                (horizon.isoformat(),),
            ).fetchall()
        return [row_to_summary(r) for r in rows]

    def follow_up_overview(
        self, today: dt.date | None = None, *, within_days: int = 7, limit: int = 300
    ) -> FollowUpOverview:
        """Overdue (most recently due first) and upcoming follow-ups, ``limit`` of each, with
        the full counts; cheap on a large notebook (partial index on open follow-ups)."""
        today = today or self._clock().date()
        horizon = (today + dt.timedelta(days=within_days)).isoformat()
        # INDEXED BY: without statistics the planner prefers the status index, which walks
        # every open record and sorts them.
        base = (
            f"SELECT {SUMMARY_COLUMNS} FROM records INDEXED BY records_open_follow_up"
            " WHERE follow_up IS NOT NULL AND status = 'open'"
        )
        with self._vault.read() as conn:
            overdue = conn.execute(
                f"{base} AND follow_up < ? ORDER BY follow_up DESC, id DESC LIMIT ?",
                (today.isoformat(), limit),
            ).fetchall()
            upcoming = conn.execute(
                f"{base} AND follow_up >= ? AND follow_up <= ? ORDER BY follow_up, id LIMIT ?",
                (today.isoformat(), horizon, limit),
            ).fetchall()
            counts = conn.execute(
                "SELECT sum(follow_up < ?), sum(follow_up >= ?) FROM records"
                " INDEXED BY records_open_follow_up WHERE follow_up IS NOT NULL"
                " AND status = 'open' AND follow_up <= ?",
                (today.isoformat(), today.isoformat(), horizon),
            ).fetchone()
        return FollowUpOverview(
            overdue=[row_to_summary(r) for r in overdue],
            upcoming=[row_to_summary(r) for r in upcoming],
            overdue_count=int(counts[0] or 0),
            upcoming_count=int(counts[1] or 0),
        )

    # -- retention -------------------------------------------------------------------------

    def purge_date(self, record: ConversationRecord) -> dt.date | None:
        """When a record is due for purge (None while it is open)."""
        if record.status is Status.OPEN or record.closed_at is None:
            return None
        return add_months(record.closed_at.date(), self.profile.retention.months_after_close)

    def _cutoff(self, today: dt.date) -> dt.date:
        return add_months(today, -self.profile.retention.months_after_close)

    def purge_candidates(
        self, today: dt.date | None = None, *, within_days: int = 0
    ) -> list[tuple[RecordSummary, dt.date]]:
        """Closed records whose retention ends by ``today + within_days``, with that date."""
        today = today or self._clock().date()
        cutoff = self._cutoff(today + dt.timedelta(days=within_days))
        months = self.profile.retention.months_after_close
        with self._vault.read() as conn:
            rows = conn.execute(
                f"SELECT {SUMMARY_COLUMNS}, closed_at FROM records WHERE status = 'closed'"
                " AND closed_at IS NOT NULL AND substr(closed_at, 1, 10) <= ?"
                " ORDER BY closed_at, id",
                (cutoff.isoformat(),),
            ).fetchall()
        return [
            (row_to_summary(r[:7]), add_months(dt.datetime.fromisoformat(r[7]).date(), months))
            for r in rows
        ]

    def retention_warnings(
        self, today: dt.date | None = None
    ) -> list[tuple[RecordSummary, dt.date]]:
        """Records due for purge within the profile's warning period (purge not yet due)."""
        today = today or self._clock().date()
        due_now = {s.id for s, _ in self.purge_candidates(today)}
        return [
            (s, when)
            for s, when in self.purge_candidates(
                today, within_days=self.profile.retention.warn_days
            )
            if s.id not in due_now
        ]

    def purge(self, today: dt.date | None = None) -> list[RecordId]:
        """Delete every record past retention so it cannot be recovered from the files.

        Rows are deleted with secure_delete on (freed pages zeroed); the full-text index is
        rebuilt ('optimize') so no segment keeps the purged tokens; the WAL is checkpointed and
        truncated so no old page copies stay in it.
        """
        ids = [s.id for s, _ in self.purge_candidates(today)]
        if not ids:
            return []
        with self._vault.write() as conn:
            for record_id in ids:
                conn.execute("DELETE FROM records WHERE id = ?", (record_id,))
                conn.execute("DELETE FROM record_fts WHERE rowid = ?", (record_id,))
                conn.execute("DELETE FROM drafts WHERE slot = ?", (f"record:{record_id}",))
            conn.execute("INSERT INTO record_fts (record_fts) VALUES ('optimize')")
        self._vault.checkpoint()
        log.info("records_purged count=%s", len(ids))
        return ids

    # -- drafts ----------------------------------------------------------------------------

    def save_draft(self, slot: str, fields: dict[str, Any]) -> None:
        """Autosave an unsaved editor state inside the vault (never a plaintext file)."""
        with self._vault.write() as conn:
            conn.execute(
                "INSERT INTO drafts (slot, body, saved_at) VALUES (?, ?, ?) ON CONFLICT(slot)"
                " DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
                (slot, json.dumps(fields, ensure_ascii=False), self._clock().isoformat()),
            )

    def load_draft(self, slot: str) -> dict[str, Any] | None:
        """The autosaved editor state for ``slot``, if any."""
        with self._vault.read() as conn:
            row = conn.execute("SELECT body FROM drafts WHERE slot = ?", (slot,)).fetchone()
        if row is None:
            return None
        value = json.loads(row[0])
        return value if isinstance(value, dict) else None

    def discard_draft(self, slot: str) -> None:
        """Forget the autosaved state for ``slot``."""
        with self._vault.write() as conn:
            conn.execute("DELETE FROM drafts WHERE slot = ?", (slot,))

    def _not_found(self, record_id: int) -> RecordNotFound:
        return RecordNotFound(_("There is no record {id}.").format(id=record_id))
