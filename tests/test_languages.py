"""One language module: every spelling of a tag is one language, wherever a language is taken;
the pseudo-locale is never offered; an unknown UI language is refused with the list."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from advisor_desktop.app.preferences import read_language, write_language
from advisor_desktop.cli.advisor.main import main as advisor_main
from advisor_desktop.cli.common import Console
from advisor_desktop.cli.desk.main import main as desk_main
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform import i18n
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.languages import (
    PSEUDO_LOCALE,
    catalog_name,
    is_rtl,
    match_tag,
    normalise_tag,
    resolve_ui_language,
    ui_languages,
)
from advisor_desktop.ui.shell.start import main as desktop_main

from .conftest import PASSPHRASE, CliRunner


@pytest.mark.parametrize(
    ("spelled", "canonical"),
    [
        ("zh-Hans", "zh-Hans"),
        ("zh_Hans", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("ZH_HANS", "zh-Hans"),
        ("pt-BR", "pt-BR"),
        ("pt_BR", "pt-BR"),
        ("pt_br", "pt-BR"),
        ("en_XA", "en-XA"),
        (" NL ", "nl"),
        ("es-419", "es-419"),
        ("sr_Latn_RS", "sr-Latn-RS"),
    ],
)
def test_every_spelling_normalises_to_one_tag(spelled: str, canonical: str) -> None:
    assert normalise_tag(spelled) == canonical
    assert catalog_name(spelled) == canonical.replace("-", "_")


@pytest.mark.parametrize("bad", ["", "x", "1234", "zh--Hans", "en_", "toolongsubtag9", "../x"])
def test_what_is_not_a_tag_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_tag(bad)


def test_one_right_to_left_table() -> None:
    from advisor_desktop.guides.languages import language_info

    for code in ("ar", "fa", "ur", "ps", "ckb", "he", "ar_EG"):
        assert is_rtl(code), code
    for code in ("en", "zh-Hans", "ru", "am", "not a tag"):
        assert not is_rtl(code), code
    # The guides' metadata agrees with it (they once had two tables that disagreed on ckb).
    for code in ("ar", "fa", "ur", "ps", "ckb", "en", "zh-Hans"):
        assert language_info(code).rtl == is_rtl(code), code


def test_ui_languages_never_list_the_pseudo_locale() -> None:
    langs = ui_languages()
    assert langs[0] == "en"
    assert {"nl", "fr", "es", "ar", "ru", "zh-Hans"} <= set(langs)
    assert PSEUDO_LOCALE not in langs
    assert all("_" not in code and "XA" not in code for code in langs)


def test_unknown_ui_language_is_refused_with_the_list() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_ui_language("am")  # a guide language, not a UI language
    assert "am" in caught.value.message
    for code in ui_languages():
        assert code in caught.value.message
    assert resolve_ui_language("ZH_hans") == "zh-Hans"
    assert resolve_ui_language("en_XA") == PSEUDO_LOCALE  # for developers, if asked for


def test_activate_any_spelling_gives_the_same_language() -> None:
    try:
        texts = set()
        for spelled in ("zh-Hans", "zh_Hans", "zh-hans"):
            i18n.activate(spelled)
            assert i18n.active_locale() == "zh-Hans"
            texts.add(i18n._("The passphrase is not correct."))
        assert len(texts) == 1
        assert texts != {"The passphrase is not correct."}
    finally:
        i18n.activate("en")


def test_profile_labels_follow_any_spelling(profile) -> None:  # type: ignore[no-untyped-def]
    try:
        labels = set()
        for spelled in ("zh-Hans", "zh_Hans"):
            i18n.activate(spelled)
            labels.add(profile.category("bullying").label(i18n.active_locale()))
        assert len(labels) == 1
        assert labels != {profile.category("bullying").label("en")}
    finally:
        i18n.activate("en")


def test_saved_ui_language_is_read_in_canonical_form(tmp_path: Path) -> None:
    write_language(tmp_path, "zh_Hans")
    assert read_language(tmp_path) == "zh-Hans"
    write_language(tmp_path, "am")  # not a UI language (any more): no choice
    assert read_language(tmp_path) is None
    write_language(tmp_path, "en_XA")
    assert read_language(tmp_path) == PSEUDO_LOCALE


def test_match_tag_keeps_the_known_spelling() -> None:
    assert match_tag("zh_hans", ["en", "zh-Hans"]) == "zh-Hans"
    assert match_tag("pt-br", ["pt_BR"]) == "pt_BR"
    assert match_tag("am", ["en"]) is None
    assert match_tag("", ["en"]) is None


# --- every entry point that takes a language -------------------------------------------------


def _advisor(argv: list[str], policy: KdfPolicy) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    console = Console(
        stdin=io.StringIO(""), stdout=out, stderr=err, env={"ADVISOR_PASSPHRASE": PASSPHRASE}
    )
    code = advisor_main(argv, console=console, policy=policy)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("spelled", ["zh-Hans", "zh_Hans", "zh-hans"])
def test_cli_lang_any_spelling_before_or_after(
    spelled: str, tmp_path: Path, policy: KdfPolicy
) -> None:
    folder = str(tmp_path / "data")
    reference = _advisor(["--data-dir", folder, "--lang", "zh-Hans", "list"], policy)
    assert reference[0] == 4
    assert "/data" in reference[2]
    before = _advisor(["--data-dir", folder, "--lang", spelled, "list"], policy)
    after = _advisor(["list", "--data-dir", folder, "--lang", spelled], policy)
    assert before == reference
    assert after == reference
    assert "No vault" not in reference[2]  # translated, not English


@pytest.mark.parametrize("where", ["before", "after"])
def test_cli_unknown_ui_language_is_one_line_with_the_list(where: str, policy: KdfPolicy) -> None:
    argv = (
        ["--lang", "am", "guides", "list"]
        if where == "before"
        else ["guides", "list", "--lang", "am"]
    )
    code, out, err = _advisor(argv, policy)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "am" in err
    assert "zh-Hans" in err


@pytest.mark.parametrize("spelled", ["zh-Hans", "zh_Hans", "ZH-HANS"])
def test_guides_take_any_spelling(spelled: str, tmp_path: Path, cli: CliRunner) -> None:
    shown = cli("guides", "show", "--lang", spelled, "--section", "1")
    assert shown.code == 0, shown.err
    assert shown.out == cli("guides", "show", "--lang", "zh-Hans", "--section", "1").out
    out = tmp_path / "guide.pdf"
    made = cli("guides", "pdf", "--lang", spelled, "--out", str(out))
    assert made.code == 0, made.err
    assert out.read_bytes().startswith(b"%PDF")


def test_consent_statement_takes_any_spelling() -> None:
    from advisor_desktop.referral.consent import load_statement

    assert load_statement("zh_Hans", "Desk").language == "zh-Hans"
    assert load_statement("PT-br", "Desk").language == "pt"  # the base language's statement


def test_desktop_refuses_an_unknown_ui_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert desktop_main(["--data-dir", str(tmp_path / "d"), "--lang", "am"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "zh-Hans" in err
    assert not (tmp_path / "d").exists()  # refused before anything was created


# --- shared options before and after the command ---------------------------------------------


def test_advisor_options_after_the_command(tmp_path: Path, policy: KdfPolicy) -> None:
    folder = str(tmp_path / "data")
    secret = tmp_path / "pw.txt"
    secret.write_text("a passphrase in a file\n", encoding="utf-8")
    # `advisor init --passphrase-file FILE` and `--data-dir DIR` after the command.
    code, _out, err = _advisor(
        ["init", "--passphrase-file", str(secret), "--data-dir", folder], policy
    )
    assert code == 0, err
    assert (tmp_path / "data" / "vault.db").exists()
    code, _out, err = _advisor(
        ["demo-data", "--count", "5", "--data-dir", folder, "--passphrase-file", str(secret)],
        policy,
    )
    assert code == 0, err
    after = _advisor(
        ["search", "a", "--json", "--data-dir", folder, "--passphrase-file", str(secret)], policy
    )
    before = _advisor(
        ["--data-dir", folder, "--passphrase-file", str(secret), "search", "a", "--json"], policy
    )
    assert after == before
    assert after[0] == 0
    # Nested commands take them too, and a value given before is kept.
    nested = _advisor(
        ["guides", "list", "--data-dir", folder, "--lang", "nl", "--passphrase-file", str(secret)],
        policy,
    )
    assert nested[0] == 0, nested[2]
    # The passphrase file is really used: the environment's passphrase is the wrong one.
    wrong = _advisor(["--data-dir", folder, "list"], policy)
    assert wrong[0] == 3


def _desk(argv: list[str], policy: KdfPolicy) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    console = Console(
        stdin=io.StringIO(""),
        stdout=out,
        stderr=err,
        env={"ADVISOR_DESK_PASSPHRASE": "desk passphrase for tests"},
    )
    code = desk_main(argv, console=console, policy=policy)
    return code, out.getvalue(), err.getvalue()


def test_desk_options_after_the_command(tmp_path: Path, policy: KdfPolicy) -> None:
    desk_dir = str(tmp_path / "desk")
    made = _desk(["keygen", "--name", "Desk", "--desk-dir", desk_dir], policy)
    assert made[0] == 0, made[2]
    assert (tmp_path / "desk").is_dir()
    package = tmp_path / "not-a-package.referral"
    package.write_bytes(b"not age at all")
    after = _desk(["open", str(package), "--desk-dir", desk_dir, "--lang", "nl"], policy)
    before = _desk(["--desk-dir", desk_dir, "--lang", "nl", "open", str(package)], policy)
    assert after == before
    assert after[0] in (6, 8), after[2]  # refused as a package, not as usage
