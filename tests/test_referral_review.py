"""The draft rules (one statement in the core) and the review model of a draft's redactions."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor_desktop.protocol.errors import ConsentError
from advisor_desktop.protocol.referral_package import MAX_SUMMARY_CHARS
from advisor_desktop.referral.anonymiser import (
    DecisionKind,
    RedactionDecision,
    RedactionKind,
    RedactionLocked,
)
from advisor_desktop.referral.consent import ConsentScopes, parse_scopes
from advisor_desktop.referral.draft import (
    DraftInputs,
    DraftProblem,
    DraftRuleError,
    ReferralDraft,
    check_draft_inputs,
    draft_problems,
    new_draft,
    problem_message,
)
from advisor_desktop.referral.review import (
    RowState,
    accept_decisions,
    pending_rows,
    redaction_rows,
)
from tests.helpers.records import make_record

NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)
NOTES = "Maria Jansen (maria@example.org, +31 6 12345678) was insulted on 2026-03-14."


def inputs(scopes: str, **kw: object) -> DraftInputs:
    return DraftInputs(desk="Desk", scopes=parse_scopes(scopes), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (inputs("category,summary"), ()),
        (DraftInputs("Desk", ConsentScopes(frozenset())), (DraftProblem.NO_SCOPE,)),
        (inputs("post"), (DraftProblem.POST_MISSING,)),
        (inputs("post", post="  "), (DraftProblem.POST_MISSING,)),
        (inputs("post", post="Nairobi"), ()),
        (inputs("region"), (DraftProblem.REGION_MISSING,)),
        (inputs("contact"), ()),  # through the advisor
        (inputs("contact", contact=" "), (DraftProblem.CONTACT_MISSING,)),
        (inputs("contact", contact="via the union rep"), ()),
        (inputs("category", contact="x"), (DraftProblem.CONTACT_NOT_CONSENTED,)),
        (
            inputs("post,region,summary", summary="x" * (MAX_SUMMARY_CHARS + 1)),
            (
                DraftProblem.POST_MISSING,
                DraftProblem.REGION_MISSING,
                DraftProblem.SUMMARY_TOO_LONG,
            ),
        ),
    ],
)
def test_draft_problems(given: DraftInputs, expected: tuple[DraftProblem, ...]) -> None:
    assert draft_problems(given, NOTES) == expected


def test_the_notes_count_when_there_is_no_summary() -> None:
    long_notes = "y" * (MAX_SUMMARY_CHARS + 1)
    assert draft_problems(inputs("summary"), long_notes) == (DraftProblem.SUMMARY_TOO_LONG,)
    assert draft_problems(inputs("summary", summary="short"), long_notes) == ()


def test_draft_rule_error_is_typed_and_translated() -> None:
    with pytest.raises(DraftRuleError) as err:
        check_draft_inputs(inputs("post,region"), NOTES)
    assert isinstance(err.value, ConsentError)
    assert err.value.exit_code == 2
    assert err.value.problems == (DraftProblem.POST_MISSING, DraftProblem.REGION_MISSING)
    assert err.value.message == problem_message(DraftProblem.POST_MISSING)
    assert "post" in err.value.message
    for problem in DraftProblem:
        assert problem_message(problem)
    check_draft_inputs(inputs("category"), NOTES)  # no error


def test_new_draft_enforces_the_same_rules() -> None:
    record = make_record(notes=NOTES, identifiers=("Maria Jansen",))
    with pytest.raises(DraftRuleError) as err:
        new_draft(record, inputs("contact", contact=""), "en", NOW)
    assert err.value.problems == (DraftProblem.CONTACT_MISSING,)


def _draft() -> ReferralDraft:
    record = make_record(notes=NOTES, identifiers=("Maria Jansen",))
    return new_draft(record, inputs("summary,period=month"), "en", NOW)


def test_rows_start_proposed_and_follow_the_decisions() -> None:
    draft = _draft()
    rows = redaction_rows(draft)
    assert {r.state for r in rows} == {RowState.PROPOSED}
    assert [r.start for r in rows] == sorted(r.start for r in rows)
    assert all(draft.source[r.start : r.end] == r.original for r in rows)
    kinds = {r.kind for r in rows}
    assert {RedactionKind.NAME, RedactionKind.EMAIL, RedactionKind.PHONE} <= kinds
    assert pending_rows(rows) == rows

    phone = next(r for r in rows if r.kind is RedactionKind.PHONE)
    name = next(r for r in rows if r.kind is RedactionKind.NAME)
    undone = draft.with_decisions([RedactionDecision(DecisionKind.UNDO, phone.start, phone.end)])
    rows = redaction_rows(undone)
    kept = next(r for r in rows if (r.start, r.end) == (phone.start, phone.end))
    assert kept.state is RowState.UNDONE
    assert not kept.removed
    assert kept.state_label() == "Kept"
    assert kept.kind_label() == "Phone number"

    # Accepting an undone proposal redacts it again with its own replacement.
    decisions = accept_decisions(kept)
    assert [d.kind for d in decisions] == [DecisionKind.ADD, DecisionKind.ACCEPT]
    redone = undone.with_decisions([*undone.decisions, *decisions])
    again = next(r for r in redaction_rows(redone) if r.start == phone.start)
    assert again.state is RowState.ACCEPTED
    assert again.replacement == phone.replacement
    assert phone.original not in redone.summary_text()

    accept = accept_decisions(name)
    assert [d.kind for d in accept] == [DecisionKind.ACCEPT]
    with pytest.raises(RedactionLocked):
        draft.with_decisions([RedactionDecision(DecisionKind.UNDO, name.start, name.end)])


def test_added_rows() -> None:
    draft = _draft()
    start = draft.source.index("insulted")
    added = draft.with_decisions(
        [RedactionDecision(DecisionKind.ADD, start, start + len("insulted"))]
    )
    row = next(r for r in redaction_rows(added) if r.start == start)
    assert row.state is RowState.ADDED
    assert row.kind is RedactionKind.MANUAL
    assert row.original == "insulted"
    assert row.removed
