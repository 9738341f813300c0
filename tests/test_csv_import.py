"""CSV import: good files, every kind of bad row with its line number, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from advisor_desktop.notebook.csv_import import CsvImportError, RowError, parse_csv
from advisor_desktop.notebook.models import ContactChannel, Status, VisitorRole
from advisor_desktop.protocol.profile import OrgProfile

from .conftest import CliRunner

HEADER = "date,channel,role,categories,options,agreed,follow_up,status,language,notes"
GOOD_ROWS = [
    "2026-01-05,in-person,locally-employed,bullying;aggression,manager;mediation,"
    "Keep a diary,2026-02-01,open,en,Remarks in meetings",
    "2026-01-06,phone,hq,fraud,central-desk,,,closed,nl,Bonnetjes aangepast",
    '2026-01-07,video,external,other,no-action,"Talk, later",,open,ar,"يصف الزائر ""تعليقات"""',
]


def csv_bytes(*rows: str, header: str = HEADER, eol: str = "\n") -> bytes:
    return (eol.join([header, *rows]) + eol).encode("utf-8")


def lines_of(errors: tuple[RowError, ...]) -> list[int]:
    return [e.line for e in errors]


def test_good_file(profile: OrgProfile) -> None:
    parsed = parse_csv(csv_bytes(*GOOD_ROWS), profile)
    assert parsed.errors == ()
    assert len(parsed.records) == 3
    first, second, third = parsed.records
    assert first.conv_date == dt.date(2026, 1, 5)
    assert first.channel is ContactChannel.IN_PERSON
    assert first.role is VisitorRole.LOCALLY_EMPLOYED
    assert first.categories == ("bullying", "aggression")
    assert first.options == ("manager", "mediation")
    assert first.agreed == "Keep a diary"
    assert first.follow_up == dt.date(2026, 2, 1)
    assert first.status is Status.OPEN
    assert first.notes == "Remarks in meetings"
    assert second.status is Status.CLOSED
    assert second.follow_up is None
    assert second.agreed == ""
    assert third.agreed == "Talk, later"
    assert third.notes == 'يصف الزائر "تعليقات"'
    assert third.alias is None


def test_crlf_extra_columns_alias_and_column_order(profile: OrgProfile) -> None:
    header = "notes,alias,Date,CHANNEL,role,categories,options,agreed,follow_up,status,language,x"
    row = "Multi\r\nline note,The Owl,2026-02-02,message,seconded,fraud,,,,,en,ignored"
    parsed = parse_csv(
        csv_bytes(
            '"Multi\r\nline note"' + row[len("Multi\r\nline note") :], header=header, eol="\r\n"
        ),
        profile,
    )
    assert parsed.errors == ()
    (record,) = parsed.records
    assert record.notes == "Multi\r\nline note"
    assert record.alias == "The Owl"
    assert record.channel is ContactChannel.MESSAGE
    assert record.status is Status.OPEN  # empty status means open
    assert record.options == ()


def test_labels_instead_of_ids_case_insensitive(profile: OrgProfile) -> None:
    row = (
        '2026-03-01,IN PERSON,"External (e.g. NGO staff)","Discrimination / racism; BULLYING",'
        '"talk to the manager;Central Reporting and Advice Desk",,,CLOSED,fr,x'
    )
    row2 = "2026-03-02,Video Call,Locally Employed,Sexual-Harassment,No-Action,,,Open,en,y"
    parsed = parse_csv(csv_bytes(row, row2), profile)
    assert parsed.errors == ()
    a, b = parsed.records
    assert a.channel is ContactChannel.IN_PERSON
    assert a.role is VisitorRole.EXTERNAL
    assert a.categories == ("discrimination", "bullying")
    assert a.options == ("manager", "central-desk")
    assert a.status is Status.CLOSED
    assert b.channel is ContactChannel.VIDEO
    assert b.role is VisitorRole.LOCALLY_EMPLOYED
    assert b.categories == ("sexual-harassment",)
    assert b.options == ("no-action",)


def test_bom_file(profile: OrgProfile) -> None:
    parsed = parse_csv(b"\xef\xbb\xbf" + csv_bytes(*GOOD_ROWS), profile)
    assert parsed.errors == ()
    assert len(parsed.records) == 3


# One good row, then bad rows: the line numbers are 1-based, the header is line 1.
BAD_ROWS = {
    "bad date": "2026-02-30,phone,hq,fraud,manager,,,open,en,x",
    "not iso date": "14/03/2026,phone,hq,fraud,manager,,,open,en,x",
    "empty date": ",phone,hq,fraud,manager,,,open,en,x",
    "bad follow-up": "2026-02-01,phone,hq,fraud,manager,,soon,open,en,x",
    "unknown role": "2026-02-01,phone,ambassador,fraud,manager,,,open,en,x",
    "unknown channel": "2026-02-01,pigeon,hq,fraud,manager,,,open,en,x",
    "unknown category": "2026-02-01,phone,hq,fraud;gossip,manager,,,open,en,x",
    "unknown option": "2026-02-01,phone,hq,fraud,manager;lawsuit,,,open,en,x",
    "unknown status": "2026-02-01,phone,hq,fraud,manager,,,pending,en,x",
    "bad language": "2026-02-01,phone,hq,fraud,manager,,,open,English please,x",
    "too few columns": "2026-02-01,phone,hq,fraud,manager,,,open,en",
    "too many columns": "2026-02-01,phone,hq,fraud,manager,,,open,en,x,extra",
}
EXPECTED_MESSAGE = {
    "bad date": "date",
    "not iso date": "not a date",
    "empty date": "date is empty",
    "bad follow-up": "follow_up 'soon'",
    "unknown role": "unknown role 'ambassador'",
    "unknown channel": "unknown channel 'pigeon'",
    "unknown category": "unknown category 'gossip'",
    "unknown option": "unknown option 'lawsuit'",
    "unknown status": "unknown status 'pending'",
    "bad language": "language",
    "too few columns": "columns",
    "too many columns": "columns",
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_each_bad_row_kind(profile: OrgProfile, kind: str) -> None:
    data = csv_bytes(GOOD_ROWS[0], GOOD_ROWS[1], BAD_ROWS[kind], GOOD_ROWS[2])
    parsed = parse_csv(data, profile)
    assert lines_of(parsed.errors) == [4]
    assert EXPECTED_MESSAGE[kind] in parsed.errors[0].message
    assert str(parsed.errors[0]).startswith("line 4: ")
    assert len(parsed.records) == 3


def test_all_bad_rows_reported_with_their_lines(profile: OrgProfile) -> None:
    kinds = sorted(BAD_ROWS)
    rows: list[str] = []
    expected: list[int] = []
    for i, kind in enumerate(kinds):
        rows.append(GOOD_ROWS[i % 3])
        rows.append(BAD_ROWS[kind])
        expected.append(2 * i + 3)  # header is line 1; good row 2i+2; bad row 2i+3
    parsed = parse_csv(csv_bytes(*rows), profile)
    assert lines_of(parsed.errors) == expected
    for error, kind in zip(parsed.errors, kinds, strict=True):
        assert EXPECTED_MESSAGE[kind] in error.message, (kind, error)
    assert len(parsed.records) == len(kinds)


def test_line_numbers_after_multiline_note_and_blank_line(profile: OrgProfile) -> None:
    """Line numbers are the rows a spreadsheet shows: a multi-line note is one row."""
    rows = [
        '2026-01-05,phone,hq,fraud,manager,,,open,en,"first line\nsecond line\nthird line"',
        BAD_ROWS["unknown role"],  # spreadsheet row 3
        "",  # an empty row 4
        BAD_ROWS["unknown channel"],  # row 5
        '2026-01-05,phone,hq,fraud,manager,,,open,en,"two\nlines"',  # row 6
        BAD_ROWS["bad date"],  # row 7
    ]
    parsed = parse_csv(csv_bytes(*rows), profile)
    assert lines_of(parsed.errors) == [3, 5, 7]
    assert len(parsed.records) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "lacks the column"),
        (b"\xef\xbb\xbf", "lacks the column"),
        (b"date,channel,role\n2026-01-01,phone,hq\n", "follow_up"),
        (HEADER.replace(",notes", "").encode() + b"\n", "notes"),
        (b"datum;kanaal;rol\n", "date"),
        ("date,channel,role,notes\n2026-01-01,phone,hq,Ümlaut\n".encode("latin-1"), "UTF-8"),
        ("\n".join([HEADER, GOOD_ROWS[0]]).encode("utf-16"), "UTF-8"),
        (b"\x00\x01\x02binary\x00" * 10, "not a CSV"),
        (csv_bytes('2026-01-01,phone,hq,,,,,,en,"' + "x" * 200_000 + '"'), "not valid CSV"),
    ],
)
def test_unusable_files(profile: OrgProfile, data: bytes, message: str) -> None:
    with pytest.raises(CsvImportError, match=message):
        parse_csv(data, profile)


def test_header_is_case_insensitive_and_trimmed(profile: OrgProfile) -> None:
    header = " DATE , Channel ,ROLE,Categories,Options,Agreed,Follow_Up,Status,Language,Notes"
    parsed = parse_csv(csv_bytes(GOOD_ROWS[0], header=header), profile)
    assert parsed.errors == ()
    assert len(parsed.records) == 1


def test_header_only_file(profile: OrgProfile) -> None:
    parsed = parse_csv(csv_bytes(), profile)
    assert parsed.records == ()
    assert parsed.errors == ()


# -- through the CLI ---------------------------------------------------------------------


@pytest.fixture
def initialised(cli: CliRunner) -> CliRunner:
    assert cli("init").code == 0
    return cli


def _write(tmp_path: Path, data: bytes, name: str = "export.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _count(cli: CliRunner) -> int:
    result = cli("list", "--json")
    assert result.code == 0, result.err
    return len(json.loads(result.out))


def test_cli_import_good(initialised: CliRunner, tmp_path: Path) -> None:
    r = initialised("import", _write(tmp_path, b"\xef\xbb\xbf" + csv_bytes(*GOOD_ROWS)))
    assert r.code == 0, r.err
    assert "Imported 3 records" in r.out
    assert _count(initialised) == 3
    hits = json.loads(initialised("search", "تعليقات", "--json").out)
    assert len(hits) == 1


def test_cli_import_bad_rows_import_nothing(initialised: CliRunner, tmp_path: Path) -> None:
    data = csv_bytes(GOOD_ROWS[0], BAD_ROWS["unknown role"], GOOD_ROWS[1], BAD_ROWS["bad date"])
    r = initialised("import", _write(tmp_path, data))
    assert r.code != 0
    err_lines = r.err.strip().splitlines()
    assert err_lines[0].startswith("line 3: ")
    assert "ambassador" in err_lines[0]
    assert err_lines[1].startswith("line 5: ")
    assert "2 rows are invalid; nothing was imported" in err_lines[-1]
    assert "Traceback" not in r.err
    assert _count(initialised) == 0


def test_cli_import_skip_invalid(initialised: CliRunner, tmp_path: Path) -> None:
    data = csv_bytes(GOOD_ROWS[0], BAD_ROWS["unknown role"], GOOD_ROWS[1], BAD_ROWS["bad date"])
    r = initialised("import", "--skip-invalid", _write(tmp_path, data))
    assert r.code == 0, r.err
    assert "line 3: " in r.err
    assert "line 5: " in r.err
    assert "Imported 2 records" in r.out
    listed = json.loads(initialised("list", "--json").out)
    assert sorted(item["date"] for item in listed) == ["2026-01-05", "2026-01-06"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "lacks the column"),
        (b"date;channel\n", "lacks the column"),
        ("date,notes\n2026,é\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_cli_import_unusable_file(
    initialised: CliRunner, tmp_path: Path, data: bytes, fragment: str
) -> None:
    r = initialised("import", _write(tmp_path, data))
    assert r.code == 1
    assert fragment in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert _count(initialised) == 0


def test_cli_import_missing_file(initialised: CliRunner, tmp_path: Path) -> None:
    r = initialised("import", str(tmp_path / "nope.csv"))
    assert r.code == 2
    assert "nope.csv" in r.err
