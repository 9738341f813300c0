"""What the desk prints of a package is safe for a terminal: controls, C1 controls and bidi
overrides/isolates are shown escaped, never raw, on every output path (open, import, list,
show, errors; text and JSON), and no value can print a line that poses as the desk's own."""

from __future__ import annotations

import json
from pathlib import Path

from advisor_desktop.platform.terminal import is_unsafe
from tests.desk.conftest import DeskRunner, Forger, payload

# What the format lets through to the desk: bidi isolates in the free-text summary, a tab, and
# a line that poses as the desk's own. (Overrides, C1 controls and DEL are refused by the
# validator itself: see the last tests.)
SUMMARY = (
    "Dear desk,\nSigned by: Advisor Kyiv (00000000000000000000000000000000)\n"
    "\u2066isolated\u2069, tab\there"
)
POST = "Kyiv"


def raw_unsafe(text: str) -> list[str]:
    return [c for c in text if is_unsafe(c) and c != "\n"]


def lviv(new_desk: DeskRunner, forger: Forger) -> DeskRunner:
    assert new_desk("enrol", forger.public_text, "--name", "Advisor Lviv", "--yes").code == 0
    return new_desk


def test_open_show_and_list_escape_everything(
    new_desk: DeskRunner, forger: Forger, tmp_path: Path
) -> None:
    desk = lviv(new_desk, forger)
    doc = payload(forger.key, summary=SUMMARY, post=POST)
    package = forger.seal(desk, doc, tmp_path / "hostile.referral")

    opened = desk("open", str(package))
    assert opened.code == 0, opened.err
    assert raw_unsafe(opened.out) == []
    assert "\\u2066isolated\\u2069" in opened.out
    assert "tab\\u0009here" in opened.out
    assert "post: Kyiv" in opened.out
    lines = opened.out.splitlines()
    # The one line that says who signed is the desk's, right below the referral's id; the
    # summary's own "Signed by" line is indented under the summary.
    assert [line for line in lines if line.startswith("Signed by:")] == [
        f"Signed by: Advisor Lviv ({doc['advisor_key_id']})"
    ]
    assert lines[1].startswith("Signed by: Advisor Lviv")
    assert "    Signed by: Advisor Kyiv (00000000000000000000000000000000)" in lines

    shown = desk("show", doc["referral_id"][:8])
    assert shown.code == 0, shown.err
    assert raw_unsafe(shown.out) == []
    assert [line for line in shown.out.splitlines() if line.startswith("Signed by:")] == [
        f"Signed by: Advisor Lviv ({doc['advisor_key_id']})"
    ]
    for command in (("show", doc["referral_id"], "--json"), ("list", "--json")):
        result = desk(*command)
        assert result.code == 0, result.err
        assert raw_unsafe(result.out) == []
        assert "\\u2066" in result.out or command[0] == "list"
    as_json = json.loads(desk("show", doc["referral_id"], "--json").out)
    assert as_json["payload"] == doc  # escaped for the terminal, the same values when parsed
    assert raw_unsafe(desk("list").out) == []


def test_open_json_is_exact_and_safe(new_desk: DeskRunner, forger: Forger, tmp_path: Path) -> None:
    desk = lviv(new_desk, forger)
    doc = payload(forger.key, summary=SUMMARY)
    opened = desk("open", str(forger.seal(desk, doc, tmp_path / "h.referral")), "--json")
    assert opened.code == 0, opened.err
    assert raw_unsafe(opened.out) == []
    assert json.loads(opened.out)["payload"] == doc


def test_a_payload_with_escape_is_refused_and_the_refusal_is_safe(
    new_desk: DeskRunner, forger: Forger, tmp_path: Path
) -> None:
    """ESC is not allowed in the format's text: refused (exit 8), and nothing of it printed."""
    desk = lviv(new_desk, forger)
    doc = payload(forger.key, summary="\u202e\x1b]0;owned\x07\x1b[2J")
    package = forger.seal(desk, doc, tmp_path / "esc.referral")
    for command in ("open", "import"):
        result = desk(command, str(package))
        assert result.code == 8
        assert result.out == ""
        assert raw_unsafe(result.err) == []
        assert "owned" not in result.err


def test_file_names_from_a_stick_are_escaped(
    new_desk: DeskRunner, forger: Forger, tmp_path: Path
) -> None:
    desk = lviv(new_desk, forger)
    stick = tmp_path / "stick"
    stick.mkdir()
    good = forger.seal(
        desk, payload(forger.key, summary="ok"), stick / "\x1b[31mred\u202e.referral"
    )
    bad = stick / "\x1b]0;title\x07.referral"
    bad.write_bytes(b"not a package")
    result = desk("import", str(good), str(bad))
    assert result.code == 6
    assert raw_unsafe(result.out) == []
    assert raw_unsafe(result.err) == []
    assert "\\u001b[31mred\\u202e.referral: received referral" in result.out
    assert "\\u001b]0;title\\u0007.referral: refused" in result.err
    assert raw_unsafe(desk("open", str(bad)).err) == []


def test_overrides_c1_and_del_are_refused_and_the_refusal_is_safe(
    new_desk: DeskRunner, forger: Forger, tmp_path: Path
) -> None:
    """The validator both ends share refuses them in every field (exit 8), printing none."""
    desk = lviv(new_desk, forger)
    for n, (field, text) in enumerate(
        [
            ("summary", "\u202eevil text\u202c"),
            ("summary", "C1 CSI \x9b2J"),
            ("summary", "DEL \x7f"),
            ("post", "Kyiv \u202e tsop"),
            ("post", "Kyiv \u2066isolated\u2069"),  # isolates only in free text
        ]
    ):
        doc = payload(forger.key, **{field: text})
        package = forger.seal(desk, doc, tmp_path / f"bad{n}.referral")
        result = desk("open", str(package))
        assert result.code == 8, (field, text, result.err)
        assert result.out == ""
        assert raw_unsafe(result.err) == []
