"""A desk from before the store (desk-identity.json, advisors.json, seen-ids): its files are
imported into the store once, at ``init`` or at the first unlock, and then removed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.desk.identity import keygen, unlock
from advisor_desktop.desk.legacy import IMPORTED_META
from advisor_desktop.desk.registry import ADVISORS_FILE, SEEN_FILE, AdvisorRegistry, SeenIds
from advisor_desktop.desk.store import KEYS_FILE, create_store, open_store, store_exists
from advisor_desktop.protocol.keys import decode_public_key, public_key_fingerprint
from tests.conftest import TEST_KDF
from tests.desk.conftest import DESK_PASS, NOW, Advisor, DeskRunner, Forger, payload

SEEN = str(uuid.uuid4())


def older_desk(desk: DeskRunner, advisor: Advisor, *extra: tuple[str, str]) -> str:
    """A desk folder as the desk before the store left it: identity, advisors.json (with the
    advisor's device as "Advisor Kyiv" and ``extra`` (name, key) entries), seen-ids."""
    keygen(desk.folder, "Central desk", DESK_PASS.encode(), TEST_KDF)
    key = advisor.join(desk)
    registry = AdvisorRegistry(desk.folder)
    registry.enrol("Advisor Kyiv", key, NOW)
    for name, other in extra:
        registry.enrol(name, other, NOW)
    SeenIds(desk.folder).add(SEEN)
    return key


def devices(desk: DeskRunner) -> dict[str, str]:
    listed = desk("devices", "--json")
    assert listed.code == 0, listed.err
    return {d["name"]: d["fingerprint"] for d in json.loads(listed.out)}


def test_init_imports_and_removes_the_older_files(
    desk: DeskRunner, advisor: Advisor, tmp_path: Path
) -> None:
    key = older_desk(desk, advisor)
    identity_before = unlock(desk.folder, DESK_PASS.encode())
    assert identity_before.store_id is None
    made = desk("init")
    assert made.code == 0, made.err
    assert "Imported from advisors.json, seen-ids: 1 enrolled device" in made.out
    fingerprint = public_key_fingerprint(_raw(key))
    assert f"Advisor Kyiv: fingerprint {fingerprint}" in made.out
    assert "1 referral id already seen was imported" in made.out
    assert not (desk.folder / ADVISORS_FILE).exists()
    assert not (desk.folder / SEEN_FILE).exists()
    # The same keys, now bound to the store.
    identity = unlock(desk.folder, DESK_PASS.encode())
    assert identity.public == identity_before.public
    with open_store(desk.folder, bytearray(DESK_PASS.encode())) as store:
        assert identity.store_id == store.store_id
        assert store.meta(IMPORTED_META) == "2026-04-02T09:30:00Z"
    assert devices(desk) == {"Advisor Kyiv": fingerprint}
    # The imported device's packages open; the imported id is still a replay.
    package = tmp_path / "p.referral"
    advisor.package(package)
    assert desk("import", str(package)).code == 0
    assert desk("init").code == 4


def test_the_first_unlock_imports_them(desk: DeskRunner, advisor: Advisor, tmp_path: Path) -> None:
    older_desk(desk, advisor)
    package = tmp_path / "p.referral"
    advisor.package(package)
    opened = desk("open", str(package), "--json")
    assert opened.code == 0, opened.err
    assert json.loads(opened.out)["signer"] == "Advisor Kyiv"
    # Said on stderr (stdout stays the JSON), with the recovery code shown this once.
    assert "Desk store created" in opened.err
    assert "recovery code" in opened.err
    assert store_exists(desk.folder)
    assert not (desk.folder / ADVISORS_FILE).exists()
    assert not (desk.folder / SEEN_FILE).exists()
    again = desk("list")
    assert again.code == 0
    assert "Desk store created" not in again.err


def test_a_seen_id_stays_a_replay(
    desk: DeskRunner, advisor: Advisor, forger: Forger, tmp_path: Path
) -> None:
    older_desk(desk, advisor, ("Advisor Lviv", forger.public_text))
    doc = payload(forger.key, summary="Seen before.")
    doc["referral_id"] = SEEN
    package = forger.seal(desk, doc, tmp_path / "seen.referral")
    assert desk("init").code == 0
    assert desk("import", str(package)).code == 9
    assert desk("open", str(package)).code == 9


def test_one_name_for_two_keys_is_not_trusted_as_that_name(
    desk: DeskRunner, advisor: Advisor, forger: Forger, tmp_path: Path
) -> None:
    """advisors.json allowed a forged key under an existing name: after the import neither
    key is shown as the bare name, and the desk is told to compare fingerprints."""
    key = older_desk(desk, advisor, ("advisor KYIV", forger.public_text))
    made = desk("init")
    assert made.code == 0, made.err
    genuine = public_key_fingerprint(_raw(key))
    forged = public_key_fingerprint(_raw(forger.public_text))
    shown = devices(desk)
    assert shown == {
        f"Advisor Kyiv [{genuine[:19]}]": genuine,
        f"advisor KYIV [{forged[:19]}]": forged,
    }
    assert "was imported as" in made.out
    package = forger.seal(desk, payload(forger.key, summary="x"), tmp_path / "f.referral")
    opened = desk("open", str(package))
    assert opened.code == 0
    assert "Signed by: Advisor Kyiv (" not in opened.out
    assert f"Signed by: advisor KYIV [{forged[:19]}]" in opened.out


def test_names_with_control_characters_are_imported_escaped(
    desk: DeskRunner, advisor: Advisor, forger: Forger
) -> None:
    older_desk(desk, advisor, ("Advisor\u202e \x1b[1mLviv", forger.public_text))
    made = desk("init")
    assert made.code == 0, made.err
    assert "\x1b" not in made.out
    assert "\u202e" not in made.out
    assert "Advisor\\u202e \\u001b[1mLviv" in devices(desk)


def test_a_damaged_advisors_file_creates_nothing(desk: DeskRunner, advisor: Advisor) -> None:
    older_desk(desk, advisor)
    (desk.folder / ADVISORS_FILE).write_text('{"format": "advisor-desktop-desk-advisors", ')
    refused = desk("init")
    assert refused.code == 4
    assert not store_exists(desk.folder)
    assert (desk.folder / SEEN_FILE).exists()
    assert desk("list").code == 4
    assert not store_exists(desk.folder)


def test_the_older_passphrase_is_the_one(desk: DeskRunner, advisor: Advisor) -> None:
    older_desk(desk, advisor)
    wrong = desk("init", env={"ADVISOR_DESK_PASSPHRASE": "another passphrase"})
    assert wrong.code == 3
    assert not store_exists(desk.folder)
    assert desk("list", env={"ADVISOR_DESK_PASSPHRASE": "another passphrase"}).code == 3
    assert not store_exists(desk.folder)


def test_interrupted_between_store_and_binding(
    desk: DeskRunner, advisor: Advisor, tmp_path: Path
) -> None:
    """A store made, the identity not yet bound (the process was killed): the next unlock that
    opens the store with the passphrase binds it."""
    keygen(desk.folder, "Central desk", DESK_PASS.encode(), TEST_KDF)
    store, _code = create_store(
        desk.folder, bytearray(DESK_PASS.encode()), desk.policy, "2026-04-02T09:30:00Z"
    )
    store_id = store.store_id
    store.close()
    key = advisor.join(desk)
    assert desk("enrol", key, "--name", "Advisor Kyiv", "--yes").code == 0
    package = tmp_path / "p.referral"
    advisor.package(package)
    assert desk("import", str(package)).code == 0
    assert unlock(desk.folder, DESK_PASS.encode()).store_id == store_id
    assert (desk.folder / KEYS_FILE).exists()


def _raw(text: str) -> bytes:
    return decode_public_key(text)


@pytest.fixture(autouse=True)
def _no_leftover_temps(desk: DeskRunner) -> Iterator[None]:
    yield
    if desk.folder.exists():
        assert not list(desk.folder.glob(".*.tmp"))
