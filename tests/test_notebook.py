"""The notebook service: add/update/get/delete, status, filters, follow-ups, drafts, validation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from advisor_desktop.notebook.models import (
    ContactChannel,
    RecordFilter,
    RecordId,
    Status,
    VisitorRole,
)
from advisor_desktop.notebook.service import Notebook, add_months
from advisor_desktop.platform.errors import RecordNotFound, ValidationError
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.store import Vault

from .helpers.records import FakeClock, make_record, utc


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 4, 1))


@pytest.fixture
def nb(vault: Vault, profile: OrgProfile, clock: FakeClock) -> Notebook:
    return Notebook(vault, profile, clock)


def test_add_get_round_trip_all_fields(nb: Notebook, clock: FakeClock) -> None:
    record = make_record(
        channel=ContactChannel.VIDEO,
        role=VisitorRole.EXTERNAL,
        categories=("fraud", "conflict-of-interest"),
        options=("central-desk", "mediation"),
        agreed="Talk again next week",
        follow_up=dt.date(2026, 4, 20),
        notes="Receipts were edited several times.\nSecond line — with “quotes”.",
        language="pt-BR",
        alias="the tall one",
        identifiers=("Person A", "Имя Б"),
    )
    rid = nb.add(record)
    got = nb.get(rid)
    assert got.id == rid
    assert dataclasses.replace(got, id=None) == record
    assert got.created_at == clock.now
    assert got.updated_at == clock.now
    assert got.closed_at is None


def test_add_many_is_all_or_nothing(nb: Notebook) -> None:
    good = make_record(notes="fine")
    bad = make_record(categories=("no-such-category",))
    with pytest.raises(ValidationError):
        nb.add_many([good, good, bad])
    assert nb.count() == 0
    assert len(nb.add_many([good, good])) == 2
    assert nb.count() == 2


def test_update_replaces_fields_and_search_rows(nb: Notebook, clock: FakeClock) -> None:
    rid = nb.add(make_record(notes="original wording about parking"))
    clock.advance(hours=2)
    stored = nb.get(rid)
    nb.update(dataclasses.replace(stored, notes="rewritten about catering", agreed="call back"))
    got = nb.get(rid)
    assert got.notes == "rewritten about catering"
    assert got.agreed == "call back"
    assert got.updated_at == clock.now
    assert got.created_at == stored.created_at
    assert [h.summary.id for h in nb.search("catering")] == [rid]
    assert nb.search("parking") == []


def test_update_unknown_or_unsaved_record(nb: Notebook) -> None:
    with pytest.raises(RecordNotFound):
        nb.update(make_record())
    with pytest.raises(RecordNotFound):
        nb.update(make_record(id=RecordId(4242)))


def test_update_keeps_original_closed_at(nb: Notebook, clock: FakeClock) -> None:
    rid = nb.add(make_record(status=Status.CLOSED))
    closed_at = nb.get(rid).closed_at
    assert closed_at == clock.now
    clock.advance(days=40)
    stored = nb.get(rid)
    nb.update(dataclasses.replace(stored, closed_at=None, notes="amended later"))
    assert nb.get(rid).closed_at == closed_at


def test_delete(nb: Notebook) -> None:
    rid = nb.add(make_record(notes="to be deleted zebrafish"))
    keep = nb.add(make_record(notes="kept zebrafish"))
    nb.save_draft(f"record:{rid}", {"notes": "draft"})
    nb.delete(rid)
    with pytest.raises(RecordNotFound):
        nb.get(rid)
    with pytest.raises(RecordNotFound):
        nb.delete(rid)
    assert nb.load_draft(f"record:{rid}") is None
    assert [h.summary.id for h in nb.search("zebrafish")] == [keep]


def test_get_missing(nb: Notebook) -> None:
    with pytest.raises(RecordNotFound, match="123"):
        nb.get(RecordId(123))


def test_set_status_close_and_reopen(nb: Notebook, clock: FakeClock) -> None:
    rid = nb.add(make_record())
    assert nb.purge_date(nb.get(rid)) is None
    clock.now = utc(2026, 5, 31)
    nb.set_status(rid, Status.CLOSED)
    got = nb.get(rid)
    assert got.status is Status.CLOSED
    assert got.closed_at == clock.now
    # Default policy: 24 months after closing.
    assert nb.purge_date(got) == dt.date(2028, 5, 31)
    nb.set_status(rid, Status.OPEN)
    got = nb.get(rid)
    assert got.status is Status.OPEN
    assert got.closed_at is None
    with pytest.raises(RecordNotFound):
        nb.set_status(RecordId(999), Status.CLOSED)


def test_add_months_clamps() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 24) == dt.date(2028, 11, 15)
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)


def test_filters(nb: Notebook) -> None:
    a = nb.add(
        make_record(
            conv_date=dt.date(2026, 1, 5),
            role=VisitorRole.HQ,
            categories=("fraud",),
            status=Status.CLOSED,
        )
    )
    b = nb.add(
        make_record(
            conv_date=dt.date(2026, 2, 10),
            role=VisitorRole.SECONDED,
            categories=("bullying", "aggression"),
        )
    )
    c = nb.add(
        make_record(conv_date=dt.date(2026, 3, 15), role=VisitorRole.HQ, categories=("bullying",))
    )

    def ids(**kw: object) -> list[int]:
        return [s.id for s in nb.list_records(RecordFilter(**kw))]  # type: ignore[arg-type]

    assert ids() == [c, b, a]  # newest conversation first
    assert ids(status=Status.OPEN) == [c, b]
    assert ids(status=Status.CLOSED) == [a]
    assert ids(category="bullying") == [c, b]
    assert ids(category="aggression") == [b]
    assert ids(category="bully") == []  # exact category ids, no substring match
    assert ids(role=VisitorRole.HQ) == [c, a]
    assert ids(date_from=dt.date(2026, 2, 10)) == [c, b]
    assert ids(date_to=dt.date(2026, 2, 10)) == [b, a]
    assert ids(date_from=dt.date(2026, 1, 6), date_to=dt.date(2026, 3, 14)) == [b]
    assert ids(role=VisitorRole.HQ, status=Status.OPEN, category="bullying") == [c]
    assert nb.count(RecordFilter(role=VisitorRole.HQ)) == 2
    assert nb.count() == 3
    assert [s.id for s in nb.list_records(limit=1, offset=1)] == [b]


def test_summary_preview_is_short(nb: Notebook) -> None:
    nb.add(make_record(notes="word " * 200))
    (summary,) = nb.list_records()
    assert len(summary.preview) <= 120


def test_search_respects_filters(nb: Notebook) -> None:
    a = nb.add(make_record(notes="pelican story", status=Status.CLOSED))
    b = nb.add(make_record(notes="pelican again"))
    assert {h.summary.id for h in nb.search("pelican")} == {a, b}
    assert [
        h.summary.id for h in nb.search("pelican", filters=RecordFilter(status=Status.OPEN))
    ] == [b]


def test_follow_ups(nb: Notebook) -> None:
    today = dt.date(2026, 4, 1)
    overdue = nb.add(make_record(follow_up=dt.date(2026, 3, 20)))
    due_today = nb.add(make_record(follow_up=today))
    in_five = nb.add(make_record(follow_up=today + dt.timedelta(days=5)))
    in_thirty = nb.add(make_record(follow_up=today + dt.timedelta(days=30)))
    nb.add(make_record(follow_up=None))
    closed = nb.add(make_record(follow_up=dt.date(2026, 3, 1), status=Status.CLOSED))

    assert [s.id for s in nb.follow_ups(today)] == [overdue, due_today]
    assert [s.id for s in nb.follow_ups(today, within_days=4)] == [overdue, due_today]
    assert [s.id for s in nb.follow_ups(today, within_days=5)] == [overdue, due_today, in_five]
    assert [s.id for s in nb.follow_ups(today, within_days=30)] == [
        overdue,
        due_today,
        in_five,
        in_thirty,
    ]
    # Default "today" comes from the notebook's clock (2026-04-01).
    assert [s.id for s in nb.follow_ups()] == [overdue, due_today]
    assert closed not in [s.id for s in nb.follow_ups(today, within_days=365)]
    nb.set_status(overdue, Status.CLOSED)
    assert [s.id for s in nb.follow_ups(today)] == [due_today]


def test_drafts(nb: Notebook) -> None:
    assert nb.load_draft("new") is None
    nb.save_draft("new", {"notes": "half a thought — ½", "categories": ["fraud"]})
    assert nb.load_draft("new") == {"notes": "half a thought — ½", "categories": ["fraud"]}
    nb.save_draft("new", {"notes": "second save"})
    assert nb.load_draft("new") == {"notes": "second save"}
    nb.save_draft("record:7", {"agreed": "x"})
    nb.discard_draft("new")
    assert nb.load_draft("new") is None
    assert nb.load_draft("record:7") == {"agreed": "x"}
    nb.discard_draft("never-saved")  # no error


def test_drafts_survive_reopen(vault_and_code: tuple[Vault, str], profile: OrgProfile) -> None:
    from advisor_desktop.storage.store import open_vault

    from .conftest import PASSPHRASE

    vault, _code = vault_and_code
    Notebook(vault, profile).save_draft("new", {"notes": "persisted"})
    paths, policy = vault.paths, vault._policy
    vault.close()
    with open_vault(paths, bytearray(PASSPHRASE.encode()), policy) as again:
        assert Notebook(again, profile).load_draft("new") == {"notes": "persisted"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"categories": ("bullying", "gossip")}, "category: gossip"),
        ({"options": ("sue-them",)}, "option for action: sue-them"),
        ({"language": "English"}, "language code: English"),
        ({"language": "e"}, "language code"),
        ({"notes": "x" * 100_001}, "too long"),
        ({"agreed": "x" * 100_001}, "too long"),
        ({"alias": "x" * 100_001}, "too long"),
        ({"follow_up": dt.date(2000, 1, 1)}, "not plausible"),
    ],
)
def test_validation_errors(nb: Notebook, fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        nb.add(make_record(**fields))
    rid = nb.add(make_record())
    with pytest.raises(ValidationError, match=message):
        nb.update(dataclasses.replace(nb.get(rid), **fields))  # type: ignore[arg-type]
    assert nb.count() == 1


@pytest.mark.parametrize("language", ["", "en", "nl", "zh-Hans", "pt-BR", "ar", "fil"])
def test_valid_languages(nb: Notebook, language: str) -> None:
    rid = nb.add(make_record(language=language))
    assert nb.get(rid).language == language


def test_follow_up_overview_pages_and_counts(notebook) -> None:  # type: ignore[no-untyped-def]
    """Overdue most recently due first, upcoming soonest first, each capped, counts complete."""
    import datetime as dt

    from advisor_desktop.notebook.models import Status
    from tests.helpers.records import make_record

    today = dt.date(2026, 6, 15)
    records = [make_record(follow_up=today - dt.timedelta(days=d)) for d in range(1, 6)]
    records += [make_record(follow_up=today + dt.timedelta(days=d)) for d in range(4)]
    records.append(make_record(follow_up=today + dt.timedelta(days=30)))  # beyond the window
    records.append(make_record(follow_up=today - dt.timedelta(days=2), status=Status.CLOSED))
    notebook.add_many(records)
    overview = notebook.follow_up_overview(today, within_days=7, limit=3)
    assert (overview.overdue_count, overview.upcoming_count) == (5, 4)
    assert [s.follow_up for s in overview.overdue] == [
        today - dt.timedelta(days=d) for d in (1, 2, 3)
    ]
    assert [s.follow_up for s in overview.upcoming] == [
        today + dt.timedelta(days=d) for d in (0, 1, 2)
    ]
    full = notebook.follow_ups(today, within_days=7)
    assert len(full) == 9
