"""Enrolment is the desk's trust decision: it needs the desk passphrase, shows the key's
fingerprint and asks for confirmation; names are unique; a forged key never shows as an
advisor the desk knows (the attack an adversarial review found against advisors.json)."""

from __future__ import annotations

import json
from pathlib import Path

from advisor_desktop.desk.registry import AdvisorRegistry
from advisor_desktop.protocol.keys import public_key_fingerprint
from tests.desk.conftest import NOW, Advisor, DeskRunner, Forger, payload

NO_PASSPHRASE = {"ADVISOR_DESK_PASSPHRASE": ""}


def names(desk: DeskRunner) -> list[str]:
    listed = desk("devices", "--json")
    assert listed.code == 0, listed.err
    return [d["name"] for d in json.loads(listed.out)]


def test_enrol_needs_the_passphrase(new_desk: DeskRunner, forger: Forger) -> None:
    key = forger.public_text
    # No passphrase anywhere and no terminal: refused before anything is read.
    none = new_desk("enrol", key, "--name", "Advisor Kyiv", "--yes", env=NO_PASSPHRASE)
    assert none.code == 2
    assert "passphrase" in none.err
    # A passphrase, but the wrong one.
    wrong = new_desk(
        "enrol", key, "--name", "Advisor Kyiv", "--yes", env={"ADVISOR_DESK_PASSPHRASE": "guess"}
    )
    assert wrong.code == 3
    # An empty answer on a terminal's passphrase prompt is no passphrase either.
    empty = new_desk("enrol", key, "--name", "Advisor Kyiv", env=NO_PASSPHRASE, terminal="y\n")
    assert empty.code == 3
    assert names(new_desk) == []


def test_enrol_asks_for_confirmation(new_desk: DeskRunner, forger: Forger) -> None:
    key = forger.public_text
    fingerprint = public_key_fingerprint(forger.key.public_key().public_bytes_raw())
    # Without a terminal and without --yes: a usage error, nothing asked, nothing enrolled.
    no_tty = new_desk("enrol", key, "--name", "Advisor Kyiv")
    assert no_tty.code == 2
    assert "--yes" in no_tty.err
    # On a terminal: the fingerprint, then the question; anything but yes declines.
    for answer in ("\n", "n\n", "no\n", "yess\n", ""):
        declined = new_desk("enrol", key, "--name", "Advisor Kyiv", terminal=answer)
        assert declined.code == 1, answer
        assert fingerprint in declined.out
        assert "[y/N]" in declined.out
        assert "Nothing was enrolled" in declined.err
    assert names(new_desk) == []
    accepted = new_desk("enrol", key, "--name", "Advisor Kyiv", terminal="y\n")
    assert accepted.code == 0, accepted.err
    assert accepted.out.index(fingerprint) < accepted.out.index("[y/N]")
    assert names(new_desk) == ["Advisor Kyiv"]
    shown = json.loads(new_desk("devices", "--json").out)[0]
    assert shown["fingerprint"] == fingerprint
    assert shown["enrolled_at"] == "2026-04-02T09:30:00Z"


def test_names_are_unique_and_a_key_is_enrolled_once(new_desk: DeskRunner) -> None:
    first, second = Forger(), Forger()
    assert new_desk("enrol", first.public_text, "--name", "Advisor Kyiv", "--yes").code == 0
    for taken in ("Advisor Kyiv", "advisor kyiv", "  ADVISOR   KYIV ", "Advisor\u00a0Kyiv"):
        refused = new_desk("enrol", second.public_text, "--name", taken, "--yes")
        assert refused.code == 1, taken
        assert "already enrolled as Advisor Kyiv" in refused.err
    again = new_desk("enrol", first.public_text, "--name", "Advisor Lviv", "--yes")
    assert again.code == 1
    assert "already enrolled, as Advisor Kyiv" in again.err
    assert new_desk("enrol", second.public_text, "--name", "Advisor Lviv", "--yes").code == 0
    assert names(new_desk) == ["Advisor Kyiv", "Advisor Lviv"]


def test_names_a_terminal_would_not_show_as_they_are(new_desk: DeskRunner) -> None:
    key = Forger().public_text
    for bad in (
        "Advisor \u202evyiK",
        "Advisor\x1b[8mKyiv",
        "Advisor\u200bKyiv",
        "Advisor\u2066Kyiv",
        "",
        "x" * 101,
    ):
        refused = new_desk("enrol", key, "--name", bad, "--yes")
        assert refused.code == 1, bad
        assert "\x1b" not in refused.err
        assert "\u202e" not in refused.err
    # Scripts that need joiners keep them.
    assert new_desk("enrol", key, "--name", "مشاور\u200cکی‌یف", "--yes").code == 0


def test_bad_keys(new_desk: DeskRunner) -> None:
    assert new_desk("enrol", "not-a-key", "--name", "A", "--yes").code == 1
    assert new_desk("enrol", "ed25519:AAAA", "--name", "A", "--yes").code == 1
    assert new_desk("enrol", "--name", "A").code == 2


def test_enrol_on_a_missing_desk(desk: DeskRunner) -> None:
    refused = desk("enrol", Forger().public_text, "--name", "A", "--yes")
    assert refused.code == 4
    assert not desk.folder.exists() or not any(desk.folder.iterdir())


def test_a_forged_key_is_never_shown_as_an_existing_advisor(
    ready: tuple[DeskRunner, Advisor], tmp_path: Path
) -> None:
    """The review's attack: a key written into the desk folder under "Advisor Kyiv"."""
    desk, _advisor = ready
    forger = Forger()
    # advisors.json is no longer read once the store exists: writing one trusts nobody.
    AdvisorRegistry(desk.folder).enrol("Advisor Kyiv", forger.public_text, NOW)
    forged = forger.seal(
        desk, payload(forger.key, summary="Please act on this at once."), tmp_path / "f.referral"
    )
    opened = desk("open", str(forged))
    assert opened.code == 7
    assert "Signed by" not in opened.out
    assert "advisors.json in the desk folder is ignored" in opened.err
    imported = desk("import", str(forged))
    assert imported.code == 7
    assert not (tmp_path / "f.receipt").exists()
    # Enrolling it under that name needs the passphrase, and is refused even with it.
    assert desk("enrol", forger.public_text, "--name", "Advisor Kyiv", "--yes").code == 1
    assert names(desk) == ["Advisor Kyiv"]
    assert desk("list", "--json").out.strip() == "[]"
