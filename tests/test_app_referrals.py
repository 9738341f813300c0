"""The referral use cases (app/referrals.py) over a real vault: draft → preview → seal → export,
withdraw, and the refusals; the file a desk receives is exactly the sealed package."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest

from advisor_desktop.app.referrals import (
    EXPORT_MODE,
    decide_redactions,
    device_public_key,
    draft_referral,
    export_referral,
    neutral_file_name,
    referral_draft,
    referral_preview,
    reset_redactions,
    seal_referral,
    withdraw_referral,
)
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.desk.identity import DeskIdentity, keygen
from advisor_desktop.platform.errors import RecordNotFound, StorageError
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.errors import (
    ConsentError,
    ReferralError,
    ReferralNotFound,
    ReferralStateError,
)
from advisor_desktop.protocol.keys import canonical_json
from advisor_desktop.protocol.profile import Desk, OrgProfile, with_desk
from advisor_desktop.protocol.referral_package import parse_envelope
from advisor_desktop.protocol.referral_terms import ConsentMethod
from advisor_desktop.referral.anonymiser import DecisionKind, RedactionDecision, RedactionKind
from advisor_desktop.referral.consent import load_statement, parse_scopes
from advisor_desktop.referral.draft import DraftInputs, DraftProblem, DraftRuleError
from advisor_desktop.referral.review import RowState, redaction_rows
from advisor_desktop.storage.store import Vault
from tests.conftest import TEST_KDF
from tests.helpers.records import make_record

DESK = "Central desk"
LISTED = "Maria Jansen"
NOTES = f"{LISTED} (maria@example.org, +31 6 12345678) was insulted on 2026-03-14."
NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)
NEUTRAL = re.compile(r"^[0-9a-f]{16}\.referral$")


def clock() -> dt.datetime:
    return NOW


@dataclass
class Setup:
    workspace: Workspace
    desk: DeskIdentity
    record_id: int


@pytest.fixture
def setup(vault: Vault, paths: AppPaths, profile: OrgProfile, tmp_path: Path) -> Setup:
    """A workspace whose profile names a real desk, and a record with a listed identifier."""
    desk = keygen(tmp_path / "desk", DESK, b"desk passphrase", TEST_KDF)
    public = desk.public
    workspace = Workspace(vault, paths, clock)  # the vault fixture closes the vault
    workspace.set_profile(
        with_desk(profile, Desk(public.name, public.age_recipient, public.signing_key))
    )
    record_id = workspace.notebook.add(make_record(notes=NOTES, identifiers=(LISTED,)))
    return Setup(workspace, desk, int(record_id))


def inputs(scopes: str = "category,role,period,summary", **kw: object) -> DraftInputs:
    return DraftInputs(desk=DESK, scopes=parse_scopes(scopes), **kw)  # type: ignore[arg-type]


def drafted(s: Setup, scopes: str = "category,role,period,summary") -> str:
    draft = draft_referral(s.workspace, s.record_id, inputs(scopes), "en", ConsentMethod.VERBAL)
    return draft.referral_id


def sealed(s: Setup) -> str:
    ref = drafted(s)
    seal_referral(s.workspace, ref, referral_preview(s.workspace, ref).digest)
    return ref


def test_draft_seal_export_writes_exactly_the_sealed_package(setup: Setup, tmp_path: Path) -> None:
    ws = setup.workspace
    ref = drafted(setup)
    preview = referral_preview(ws, ref)
    assert json.loads(preview.text) == json.loads(preview.payload)
    assert LISTED not in preview.text
    assert f"Referral {ref}" in preview.readable
    assert seal_referral(ws, ref, preview.digest) == preview.digest
    assert ws.referrals.get(ref).summary.state == "confirmed"

    usb = tmp_path / "usb"
    usb.mkdir()
    written = export_referral(ws, ref, usb)
    assert written.parent == usb
    assert NEUTRAL.match(written.name), written.name
    assert ref not in written.name
    assert stat.S_IMODE(written.stat().st_mode) == EXPORT_MODE == 0o600
    assert written.read_bytes() == ws.referrals.package(ref)
    assert [p.name for p in usb.iterdir()] == [written.name]  # no temp file left
    assert ws.referrals.get(ref).summary.state == "exported"
    # What the desk decrypts is what the advisor previewed.
    plain = pyrage.decrypt(written.read_bytes(), [setup.desk.age_identity])
    signed = parse_envelope(plain).payload
    signed.pop("padding")  # added when sealed, dropped by the desk
    assert canonical_json(signed) == preview.payload


def test_export_twice_gives_the_same_bytes(setup: Setup, tmp_path: Path) -> None:
    ref = sealed(setup)
    first = export_referral(setup.workspace, ref, tmp_path / "first.referral")
    second = export_referral(setup.workspace, ref, tmp_path / "second.referral")
    again = export_referral(setup.workspace, ref, first)  # over the earlier file
    assert (first, second, again) == (
        tmp_path / "first.referral",
        tmp_path / "second.referral",
        first,
    )
    assert first.read_bytes() == second.read_bytes() == setup.workspace.referrals.package(ref)
    assert stat.S_IMODE(second.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ("category", dt.datetime(1980, 1, 1, tzinfo=dt.UTC)),  # no period: dates nothing
        ("category,period=quarter", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("category,period=month", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
        ("category,period=day", dt.datetime(2026, 3, 20, tzinfo=dt.UTC)),
    ],
)
def test_an_exported_file_dates_nothing_finer_than_the_consent(
    setup: Setup, tmp_path: Path, scopes: str, expected: dt.datetime
) -> None:
    """Exported during the meeting (10:00 on 20 March), the file's times say no more than
    the payload may: the start of the consented period, or nothing."""
    from advisor_desktop.app.outbox import export_item

    ref = drafted(setup, scopes)
    seal_referral(setup.workspace, ref, None)
    # Both ways out: the referral's export and the outbox's "Export as file".
    for written in (
        export_referral(setup.workspace, ref, tmp_path / "usb.referral"),
        export_item(setup.workspace, ref, tmp_path / "outbox.referral"),
    ):
        info = written.stat()
        assert info.st_mtime == expected.timestamp()
        assert info.st_atime == expected.timestamp()


def test_export_of_an_unsealed_draft_is_refused(setup: Setup, tmp_path: Path) -> None:
    ref = drafted(setup)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ReferralStateError) as err:
        export_referral(setup.workspace, ref, out)
    assert err.value.message
    assert list(out.iterdir()) == []
    assert setup.workspace.referrals.get(ref).summary.state == "draft"
    with pytest.raises(ReferralNotFound):
        export_referral(setup.workspace, "no-such-id", out)


def test_a_refused_write_marks_nothing(setup: Setup, tmp_path: Path) -> None:
    ref = sealed(setup)
    with pytest.raises(StorageError):
        export_referral(setup.workspace, ref, tmp_path / "missing" / "x.referral")
    assert setup.workspace.referrals.get(ref).summary.state == "confirmed"


def test_neutral_file_names_are_random() -> None:
    names = {neutral_file_name() for _ in range(50)}
    assert len(names) == 50
    assert all(NEUTRAL.match(n) for n in names)


def test_seal_checks_the_previewed_digest(setup: Setup) -> None:
    ref = drafted(setup)
    digest = referral_preview(setup.workspace, ref).digest
    rows = redaction_rows(referral_draft(setup.workspace, ref))
    phone = next(r for r in rows if r.kind is RedactionKind.PHONE)
    decide_redactions(
        setup.workspace, ref, [RedactionDecision(DecisionKind.UNDO, phone.start, phone.end)]
    )
    with pytest.raises(ReferralStateError):
        seal_referral(setup.workspace, ref, digest)  # the draft changed since that preview
    assert setup.workspace.referrals.get(ref).summary.state == "draft"
    back = reset_redactions(setup.workspace, ref)
    assert {r.state for r in redaction_rows(back)} == {RowState.PROPOSED}
    assert seal_referral(setup.workspace, ref, digest) == digest


def test_draft_referral_records_the_statement_read(setup: Setup) -> None:
    ws = setup.workspace
    draft = draft_referral(ws, setup.record_id, inputs("summary"), "ar", "written")
    consent = ws.referrals.get(draft.referral_id).consent
    assert consent.language == "ar"
    assert consent.statement_text == load_statement("ar", DESK).text
    assert consent.method is ConsentMethod.WRITTEN
    # No language given: the record's (English here).
    default = draft_referral(ws, setup.record_id, inputs("summary"), None, "on-screen")
    assert ws.referrals.get(default.referral_id).consent.language == "en"


def test_draft_referral_refusals(setup: Setup) -> None:
    ws = setup.workspace
    with pytest.raises(RecordNotFound):
        draft_referral(ws, setup.record_id + 1000, inputs(), "en", "verbal")
    with pytest.raises(ReferralError):
        draft_referral(
            ws, setup.record_id, DraftInputs("Nope", parse_scopes("category")), "en", "verbal"
        )
    with pytest.raises(ConsentError):
        draft_referral(ws, setup.record_id, inputs(), "xx", "verbal")
    with pytest.raises(DraftRuleError) as err:
        draft_referral(ws, setup.record_id, inputs("post,contact", contact=""), "en", "verbal")
    assert err.value.problems == (DraftProblem.POST_MISSING, DraftProblem.CONTACT_MISSING)
    assert ws.referrals.list_referrals() == []


def test_withdraw_says_whether_a_file_was_written(setup: Setup, tmp_path: Path) -> None:
    ws = setup.workspace
    draft_only = drafted(setup)
    assert not withdraw_referral(ws, draft_only).was_exported
    exported = sealed(setup)
    export_referral(ws, exported, tmp_path)
    withdrawal = withdraw_referral(ws, exported)
    assert withdrawal.referral_id == exported
    assert withdrawal.was_exported
    assert ws.referrals.outbox_ids() == []
    with pytest.raises(ReferralStateError):
        export_referral(ws, exported, tmp_path)


def test_device_key_is_the_signing_key(setup: Setup) -> None:
    ref = sealed(setup)
    key = device_public_key(setup.workspace)
    plain = pyrage.decrypt(setup.workspace.referrals.package(ref), [setup.desk.age_identity])
    assert json.loads(plain)["signature"]["key_id"] == key.key_id


def test_withdraw_after_it_left_signs_a_withdrawal_for_the_desk(
    setup: Setup, tmp_path: Path
) -> None:
    from advisor_desktop.app.referrals import write_withdrawal
    from advisor_desktop.protocol.intake_api import verify_withdrawal
    from advisor_desktop.protocol.withdrawal import open_withdrawal_file

    ws = setup.workspace
    key = device_public_key(ws)
    trusted = {key.key_id: key.raw}
    exported = sealed(setup)
    export_referral(ws, exported, tmp_path)
    withdrawal = withdraw_referral(ws, exported, tmp_path)
    assert withdrawal.notice
    assert withdrawal.was_exported
    assert withdrawal.file is not None
    assert re.match(r"^[0-9a-f]{16}\.withdrawal$", withdrawal.file.name)
    assert stat.S_IMODE(withdrawal.file.stat().st_mode) == EXPORT_MODE
    document = open_withdrawal_file(withdrawal.file.read_bytes(), [setup.desk.age_identity])
    signed = verify_withdrawal(document, trusted)
    assert (signed.referral_id, signed.device_key_id) == (exported, key.key_id)
    assert signed.withdrawn_at == "2026-03-20T10:00:00Z"
    # Written again later: the same signed withdrawal.
    again = withdraw_referral(ws, exported, tmp_path / "again.withdrawal")
    assert again.again
    assert again.file == tmp_path / "again.withdrawal"
    assert open_withdrawal_file(again.file.read_bytes(), [setup.desk.age_identity]) == document
    # A sent referral (by the outbox) can be withdrawn now too, with a withdrawal.
    sent = sealed(setup)
    with ws.vault.write() as conn:
        conn.execute("UPDATE referrals SET state = 'sent' WHERE id = ?", (sent,))
    assert withdraw_referral(ws, sent).notice
    assert ws.referrals.withdrawal_document(sent) is not None
    # One that never left the device: nothing for the desk.
    kept = sealed(setup)
    assert not withdraw_referral(ws, kept, tmp_path).notice
    with pytest.raises(ReferralStateError):
        write_withdrawal(ws, kept, tmp_path)
    with pytest.raises(ReferralStateError):
        withdraw_referral(ws, kept)
