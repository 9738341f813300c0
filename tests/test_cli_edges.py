"""Bad values at the command line's edge: each a typed error with its documented exit code,
never an OverflowError, and never a draft that ``confirm`` refuses later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import keygen
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.errors import EXIT_USAGE
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import open_vault
from tests.conftest import PASSPHRASE, TEST_KDF, CliRunner
from tests.helpers.records import make_record

HUGE = "99999999999999999999"


@pytest.fixture
def initialised(cli: CliRunner) -> CliRunner:
    assert cli("init").code == 0
    return cli


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("follow-ups", "--within", "1000000000"), "must be a whole number from 0 to 3650"),
        (("follow-ups", "--within", "-1"), "must be a whole number from 0 to 3650"),
        (("follow-ups", "--within", "soon"), "'soon' is not a whole number"),
        (("show", HUGE), "must be a whole number from 1 to"),
        (("close", HUGE), "must be a whole number from 1 to"),
        (("reopen", "0"), "must be a whole number from 1 to"),
        (("search", "x", "--limit", HUGE), "must be a whole number from 1 to 10000"),
        (("referral", "new", HUGE, "--desk", "d", "--scopes", "category"), "from 1 to"),
    ],
)
def test_out_of_range_numbers_are_usage_errors(
    initialised: CliRunner,
    argv: tuple[str, ...],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = initialised(*argv)
    err = result.err + capsys.readouterr().err  # argparse writes its usage errors itself
    assert result.code == EXIT_USAGE
    assert fragment in err
    assert "OverflowError" not in err
    assert "unexpected" not in err


def test_follow_ups_within_the_range_still_works(initialised: CliRunner) -> None:
    result = initialised("follow-ups", "--within", "3650", "--json")
    assert (result.code, json.loads(result.out)) == (0, [])


@pytest.fixture
def record_id(cli: CliRunner, policy: KdfPolicy, tmp_path: Path) -> str:
    """A record in a vault whose profile has a desk."""
    assert cli("init").code == 0
    keygen(tmp_path / "desk", "Central desk", b"desk passphrase", TEST_KDF)
    assert cli("profile", "import", str(tmp_path / "desk" / "desk-public.json")).code == 0
    vault = open_vault(resolve_paths(cli.data_dir), bytearray(PASSPHRASE.encode()), policy)
    with vault:
        rid = Notebook(vault, load_vault_profile(vault)).add(make_record(notes="A note."))
    return str(rid)


@pytest.mark.parametrize(
    ("scopes", "option", "value", "fragment"),
    [
        ("category,contact", "--contact", "call me\x07 tomorrow", "The visitor's contact"),
        ("category,contact", "--contact", "x" * 501, "The visitor's contact"),
        ("category,contact", "--contact", "left\u202eright", "The visitor's contact"),
        ("category,post", "--post", "Nairobi\x1b[2J", "The post"),
        ("category,region", "--region", "r" * 201, "The region"),
    ],
)
def test_referral_new_refuses_what_confirm_would_refuse(
    cli: CliRunner, record_id: str, scopes: str, option: str, value: str, fragment: str
) -> None:
    made = cli(
        "referral", "new", record_id, "--desk", "Central desk", "--scopes", scopes, option, value
    )
    assert made.code == EXIT_USAGE
    assert made.err.startswith(f"advisor: {fragment} contains a control character")
    assert "nothing was recorded" in made.err
    assert value not in made.err
    assert json.loads(cli("referral", "list", "--json").out) == []


def test_referral_new_accepts_a_contact_of_500_characters(cli: CliRunner, record_id: str) -> None:
    contact = "c" * 500
    made = cli(
        "referral", "new", record_id, "--desk", "Central desk", "--scopes", "category,contact",
        "--contact", contact,
    )  # fmt: skip
    assert made.code == 0, made.err
    assert cli("referral", "confirm", made.out.strip()).code == 0
