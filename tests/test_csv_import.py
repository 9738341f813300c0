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
    assert parsed.unknown_columns == ("x",)


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
    "date with garbage after it": "2026-03-01garbage,phone,hq,fraud,manager,,,open,en,x",
    "follow-up with garbage after it": "2026-02-01,phone,hq,fraud,manager,,2026-03-01x,open,en,x",
    "week date": "2026-W09-1,phone,hq,fraud,manager,,,open,en,x",
    "compact date": "20260301,phone,hq,fraud,manager,,,open,en,x",
}
# (column, message): the message names what is wrong, never the cell's content.
EXPECTED_MESSAGE = {
    "bad date": ("date", "not a date (YYYY-MM-DD)"),
    "not iso date": ("date", "not a date (YYYY-MM-DD)"),
    "empty date": ("date", "the date is empty"),
    "bad follow-up": ("follow_up", "not a date (YYYY-MM-DD)"),
    "unknown role": ("role", "not a known role (give its id or English label)"),
    "unknown channel": ("channel", "not a known channel (give its id or English label)"),
    "unknown category": ("categories", "not a known category (give its id or English label)"),
    "unknown option": ("options", "not a known option (give its id or English label)"),
    "unknown status": ("status", "not a known status (give its id or English label)"),
    "bad language": ("language", "not a language code (e.g. en, fr, zh-Hans)"),
    "too few columns": (None, "wrong number of columns"),
    "too many columns": (None, "wrong number of columns"),
    "date with garbage after it": ("date", "not a date (YYYY-MM-DD)"),
    "follow-up with garbage after it": ("follow_up", "not a date (YYYY-MM-DD)"),
    "week date": ("date", "not a date (YYYY-MM-DD)"),
    "compact date": ("date", "not a date (YYYY-MM-DD)"),
}
# What each bad row holds that must never be echoed.
CELL_CONTENT = (
    "2026-02-30", "14/03/2026", "soon", "ambassador", "pigeon", "gossip", "lawsuit", "pending",
    "English please", "garbage", "2026-03-01x", "W09", "20260301",
)  # fmt: skip


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_each_bad_row_kind(profile: OrgProfile, kind: str) -> None:
    data = csv_bytes(GOOD_ROWS[0], GOOD_ROWS[1], BAD_ROWS[kind], GOOD_ROWS[2])
    parsed = parse_csv(data, profile)
    assert lines_of(parsed.errors) == [4]
    column, message = EXPECTED_MESSAGE[kind]
    (error,) = parsed.errors
    assert (error.column, error.message) == (column, message)
    where = "line 4: " if column is None else f"line 4, column {column}: "
    assert str(error) == where + message
    for content in CELL_CONTENT:
        assert content not in str(error)
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
        assert (error.column, error.message) == EXPECTED_MESSAGE[kind], (kind, error)
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
    assert r.code == 1
    err_lines = r.err.strip().splitlines()
    assert err_lines[0] == "line 3, column role: not a known role (give its id or English label)"
    assert "ambassador" not in r.err
    assert err_lines[1] == "line 5, column date: not a date (YYYY-MM-DD)"
    assert "2 rows are invalid; nothing was imported" in err_lines[-1]
    assert "Traceback" not in r.err
    assert _count(initialised) == 0


def test_cli_import_skip_invalid(initialised: CliRunner, tmp_path: Path) -> None:
    data = csv_bytes(GOOD_ROWS[0], BAD_ROWS["unknown role"], GOOD_ROWS[1], BAD_ROWS["bad date"])
    r = initialised("import", "--skip-invalid", _write(tmp_path, data))
    assert r.code == 0, r.err
    assert "line 3, column role: " in r.err
    assert "line 5, column date: " in r.err
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


# -- quotes, dates, identifiers and unknown columns ---------------------------------------

SECRET_NOTE = "Jansen said the director threatened her"


@pytest.mark.parametrize(
    "rest",
    [
        # nothing after the open quote is quoted: the csv module read to the end of the file
        [GOOD_ROWS[1], "2026-01-08,phone,hq,fraud,manager,,,open,en,later note"],
        # a later quoted cell: without strict parsing, all of it became one note
        [GOOD_ROWS[1], GOOD_ROWS[2], "2026-01-08,phone,hq,fraud,manager,,,open,en,later"],
    ],
)
def test_unterminated_quote_is_an_error_naming_line_and_column(
    profile: OrgProfile, rest: list[str]
) -> None:
    bad = f'2026-01-07,phone,hq,fraud,manager,,,open,en,"{SECRET_NOTE}'
    with pytest.raises(CsvImportError) as caught:
        parse_csv(csv_bytes(GOOD_ROWS[0], bad, *rest), profile)
    message = str(caught.value)
    assert "line 3, column notes" in message
    assert "nothing was imported" in message
    assert "Jansen" not in message
    assert "director" not in message


def test_text_after_a_closing_quote_names_its_column(profile: OrgProfile) -> None:
    bad = '2026-01-07,phone,hq,fraud,manager,"Keep" a diary,,open,en,x'
    with pytest.raises(CsvImportError, match="line 4, column agreed") as caught:
        parse_csv(csv_bytes(GOOD_ROWS[0], GOOD_ROWS[1], bad), profile)
    assert "diary" not in str(caught.value)


def test_quoted_cells_with_doubled_quotes_and_newlines_still_parse(profile: OrgProfile) -> None:
    row = '2026-01-07,phone,hq,fraud,manager,"say ""no""",,open,en,"a ""b""\nc, d"'
    (record,) = parse_csv(csv_bytes(row), profile).records
    assert (record.agreed, record.notes) == ('say "no"', 'a "b"\nc, d')


def test_date_with_a_spreadsheet_time_is_read_as_its_date(profile: OrgProfile) -> None:
    rows = [
        "2026-03-01 00:00:00,phone,hq,fraud,manager,,2026-04-01T09:30,open,en,x",
        "2026-03-02 10:15,phone,hq,fraud,manager,,,open,en,y",
    ]
    first, second = parse_csv(csv_bytes(*rows), profile).records
    assert (first.conv_date, first.follow_up) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert second.conv_date == dt.date(2026, 3, 2)


def test_identifiers_column_is_stored_as_the_editor_stores_it(profile: OrgProfile) -> None:
    header = HEADER + ",identifiers"
    rows = [
        GOOD_ROWS[0] + ",Maria Jansen; Piet de Boer ;;  ",
        GOOD_ROWS[1] + ",",
        GOOD_ROWS[2] + ',"王先生;García"',
    ]
    first, second, third = parse_csv(csv_bytes(*rows, header=header), profile).records
    assert first.identifiers == ("Maria Jansen", "Piet de Boer")
    assert second.identifiers == ()
    assert third.identifiers == ("王先生", "García")
    assert parse_csv(csv_bytes(*rows, header=header), profile).unknown_columns == ()


def test_unknown_and_unnamed_columns_are_listed(profile: OrgProfile) -> None:
    header = HEADER + ",identifers,"
    parsed = parse_csv(csv_bytes(GOOD_ROWS[0] + ",Maria Jansen,", header=header), profile)
    assert parsed.unknown_columns == ("identifers", "number 12")
    assert len(parsed.records) == 1


def test_a_column_named_twice_is_refused(profile: OrgProfile) -> None:
    with pytest.raises(CsvImportError, match="more than once: notes"):
        parse_csv(csv_bytes(GOOD_ROWS[0] + ",other", header=HEADER + ",Notes"), profile)


def test_cli_unterminated_quote_imports_nothing(initialised: CliRunner, tmp_path: Path) -> None:
    bad = f'2026-01-07,phone,hq,fraud,manager,,,open,en,"{SECRET_NOTE}'
    data = csv_bytes(GOOD_ROWS[0], bad, GOOD_ROWS[1], GOOD_ROWS[2])
    r = initialised("import", _write(tmp_path, data))
    assert r.code == 1
    assert "line 3, column notes" in r.err
    assert "Jansen" not in r.err + r.out
    assert "Imported" not in r.out
    assert _count(initialised) == 0


def test_cli_import_stores_identifiers(initialised: CliRunner, tmp_path: Path) -> None:
    data = csv_bytes(GOOD_ROWS[0] + ",Maria Jansen;Piet de Boer", header=HEADER + ",identifiers")
    r = initialised("import", _write(tmp_path, data))
    assert (r.code, r.err) == (0, "")
    (item,) = json.loads(initialised("list", "--json").out)
    shown = json.loads(initialised("show", str(item["id"]), "--json").out)
    assert shown["identifiers"] == ["Maria Jansen", "Piet de Boer"]


def test_cli_unknown_column_is_refused_unless_ignored(
    initialised: CliRunner, tmp_path: Path
) -> None:
    data = csv_bytes(GOOD_ROWS[0] + ",Maria Jansen", header=HEADER + ",identifers")
    path = _write(tmp_path, data)
    r = initialised("import", path)
    assert r.code == 1
    assert "The column identifers is not one the importer knows; nothing was imported" in r.err
    assert "Maria" not in r.err
    assert _count(initialised) == 0
    r = initialised("import", "--ignore-unknown-columns", path)
    assert r.code == 0
    assert r.err.strip() == "Warning: the column identifers was not imported."
    assert "Imported 1 record." in r.out
    assert _count(initialised) == 1
