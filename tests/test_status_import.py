"""Importing the desk's status messages on the advisor's device (app/status.py, ``advisor status
import``): verified with the desk's key in the profile, decrypted with the device's age key,
kept with the referral; refused when from another key, altered, for another device, or for a
referral this device does not have; an older message never replaces a newer one."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.app.referrals import export_referral
from advisor_desktop.app.status import import_status, import_status_file, status_history
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import DeskIdentity
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.errors import ReferralNotFound
from advisor_desktop.protocol.keys import key_id, raw_public
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.status_message import (
    StatusBadSignature,
    StatusMessage,
    StatusMessageError,
    StatusUndecryptable,
    build_status_message,
)
from advisor_desktop.referral.desk_status import (
    ImportResult,
    StatusConflict,
    StatusNotForThisDevice,
)
from advisor_desktop.storage.store import Vault
from tests.conftest import CliRunner
from tests.test_app_referrals import Setup as ReferralSetup
from tests.test_app_referrals import sealed
from tests.test_app_referrals import setup as referral_setup  # noqa: F401 - a fixture


@dataclass
class Setup:
    workspace: Workspace
    desk: DeskIdentity
    referral_id: str

    def message(self, sequence: int, state: ReferralState, **changes: object) -> StatusMessage:
        """A step of this referral as the desk would send it."""
        base = StatusMessage(
            referral_id=self.referral_id,
            sequence=sequence,
            state=state,
            outcome=Outcome.ADVICE_GIVEN if state is ReferralState.CLOSED else None,
            text=None,
            set_at=f"2026-04-{sequence:02d}T09:00:00Z",
            desk_key_id=key_id(raw_public(self.desk.signing_key.public_key())),
            device_key_id=self.workspace.referrals.device_keys.public_key().key_id,
        )
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]

    def sealed(self, message: StatusMessage, key: Ed25519PrivateKey | None = None) -> bytes:
        """``message`` signed by the desk (or ``key``) and encrypted to this device."""
        recipient = self.workspace.referrals.device_keys.public_key().age_recipient
        return build_status_message(message, key or self.desk.signing_key, recipient)


@pytest.fixture
def setup(referral_setup: ReferralSetup, tmp_path: Path) -> Setup:  # noqa: F811
    """A referral sealed and exported to the desk of the profile."""
    ref = sealed(referral_setup)
    export_referral(referral_setup.workspace, ref, tmp_path)
    return Setup(referral_setup.workspace, referral_setup.desk, ref)


def test_round_trip(setup: Setup) -> None:
    step = setup.message(2, ReferralState.IN_ASSESSMENT, text="We are looking into it.\nThanks.")
    imported = import_status(setup.workspace, setup.sealed(step))
    assert imported.result is ImportResult.LATEST
    assert imported.status.state is ReferralState.IN_ASSESSMENT
    assert imported.status.text == "We are looking into it.\nThanks."
    assert imported.latest == imported.status
    (summary,) = setup.workspace.referrals.list_referrals()
    assert summary.desk_status == imported.status
    assert summary.state == "exported"  # the device's own state of the referral is unchanged
    # The same message again changes nothing.
    again = import_status(setup.workspace, setup.sealed(step))
    assert again.result is ImportResult.ALREADY
    assert len(status_history(setup.workspace, setup.referral_id)) == 1


def test_an_older_message_never_replaces_a_newer_one(setup: Setup) -> None:
    closed = setup.message(3, ReferralState.CLOSED, text="Closed.")
    earlier = setup.message(2, ReferralState.IN_ASSESSMENT)
    assert import_status(setup.workspace, setup.sealed(closed)).result is ImportResult.LATEST
    # The earlier step arrives after (a replay, or a late stick): kept, but not the status.
    replay = import_status(setup.workspace, setup.sealed(earlier))
    assert replay.result is ImportResult.EARLIER
    assert replay.latest.state is ReferralState.CLOSED
    (summary,) = setup.workspace.referrals.list_referrals()
    assert summary.desk_status is not None
    assert summary.desk_status.label == "closed (advice-given)"
    assert [s.sequence for s in status_history(setup.workspace, setup.referral_id)] == [2, 3]
    # A second, different message for a step already kept: the first one stays.
    other = dataclasses.replace(earlier, text="something else")
    with pytest.raises(StatusConflict):
        import_status(setup.workspace, setup.sealed(other))
    assert status_history(setup.workspace, setup.referral_id)[0].text is None


def test_a_message_signed_by_another_key(setup: Setup) -> None:
    forger = Ed25519PrivateKey.generate()
    step = setup.message(
        2, ReferralState.CLOSED, desk_key_id=key_id(raw_public(forger.public_key()))
    )
    with pytest.raises(StatusBadSignature) as err:
        import_status(setup.workspace, setup.sealed(step, forger))
    assert err.value.exit_code == 7
    assert setup.workspace.referrals.list_referrals()[0].desk_status is None


def test_a_tampered_byte(setup: Setup) -> None:
    data = bytearray(setup.sealed(setup.message(2, ReferralState.REFERRED_ON)))
    for index in (30, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[index] ^= 0x20
        with pytest.raises(StatusUndecryptable):
            import_status(setup.workspace, bytes(changed))
    assert status_history(setup.workspace, setup.referral_id) == []


def test_another_devices_message(setup: Setup, tmp_path: Path) -> None:
    """A message for another device does not decrypt here; one that device decrypted and
    encrypted again to this one names that device, and is refused too."""
    other_device = pyrage.x25519.Identity.generate()
    step = setup.message(2, ReferralState.IN_ASSESSMENT)
    theirs = build_status_message(step, setup.desk.signing_key, str(other_device.to_public()))
    with pytest.raises(StatusUndecryptable) as err:
        import_status(setup.workspace, theirs)
    assert err.value.exit_code == 6
    forwarded_step = dataclasses.replace(step, device_key_id="c" * 32)
    forwarded = setup.sealed(forwarded_step)
    with pytest.raises(StatusNotForThisDevice):
        import_status(setup.workspace, forwarded)
    assert status_history(setup.workspace, setup.referral_id) == []


def test_a_referral_this_device_does_not_have(setup: Setup) -> None:
    step = setup.message(2, ReferralState.CLOSED, referral_id=str(uuid.uuid4()))
    with pytest.raises(ReferralNotFound):
        import_status(setup.workspace, setup.sealed(step))


def test_not_a_status_file(setup: Setup, tmp_path: Path) -> None:
    recipient = pyrage.x25519.Recipient.from_str(
        setup.workspace.referrals.device_keys.public_key().age_recipient
    )
    with pytest.raises(StatusMessageError):
        import_status(setup.workspace, pyrage.encrypt(b'{"format": "x"}', [recipient]))
    big = tmp_path / "big.status"
    big.write_bytes(b"age-encryption.org/v1\n" + b"x" * 70_000)
    with pytest.raises(StatusUndecryptable):
        import_status_file(setup.workspace, big)


# -- the command line ------------------------------------------------------------------------


def test_cli_import_and_list(
    vault: Vault, paths: AppPaths, setup: Setup, tmp_path: Path, policy: KdfPolicy
) -> None:
    closed = tmp_path / "closed.status"
    closed.write_bytes(setup.sealed(setup.message(3, ReferralState.CLOSED, text="Done.\nBye.")))
    older = tmp_path / "older.status"
    older.write_bytes(setup.sealed(setup.message(2, ReferralState.IN_ASSESSMENT)))
    junk = tmp_path / "junk.status"
    junk.write_bytes(b"not a status")
    vault.close()  # the CLI opens the vault itself
    cli = CliRunner(paths.data, policy)
    result = cli("status", "import", str(closed), str(junk), str(older), str(tmp_path / "none"))
    assert result.code == 6, result.err  # the first refusal's code
    assert f"referral {setup.referral_id} is closed (advice-given) at the desk" in result.out
    assert "    Done.\n    Bye.\n" in result.out
    assert "an earlier step" in result.out
    assert "its status stays closed (advice-given)" in result.out
    assert "junk.status: refused" in result.err
    assert "none: refused" in result.err
    listed = cli("referral", "list", "--json")
    (doc,) = json.loads(listed.out)
    assert doc["desk_status"]["state"] == "closed"
    assert doc["desk_status"]["outcome"] == "advice-given"
    assert doc["desk_status"]["text"] == "Done.\nBye."
    assert "desk: closed (advice-given)" in cli("referral", "list").out
    history = json.loads(cli("status", "history", setup.referral_id, "--json").out)
    assert [h["sequence"] for h in history] == [2, 3]
    assert cli("status", "history", str(uuid.uuid4())).code == 1
    again = cli("status", "import", str(closed))
    assert again.code == 0
    assert "already imported" in again.out


def test_cli_device_key_shows_both_keys(cli: CliRunner) -> None:
    assert cli("init").code == 0
    doc = json.loads(cli("device-key", "--json").out)
    assert doc["public_key"].startswith("ed25519:")
    assert doc["age_recipient"].startswith("age1")
    assert len(doc["age_fingerprint"].split()) == 8
    text = cli("device-key")
    lines = text.out.splitlines()
    assert lines[:2] == [doc["public_key"], doc["age_recipient"]]
    assert f"Fingerprint: {doc['fingerprint']}" in text.out
    assert f"Age key fingerprint: {doc['age_fingerprint']}" in text.out
    assert "advisor-desk enrol" in text.err
    assert json.loads(cli("device-key", "--json").out) == doc  # made once, kept
