"""Translations: nothing user-visible escapes gettext; catalogs complete and compiled fresh."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "advisor_desktop"

_spec = importlib.util.spec_from_file_location("manage", ROOT / "translations" / "manage.py")
assert _spec
assert _spec.loader
manage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(manage)

# Qt calls whose string argument a person reads.
DISPLAY_METHODS = {
    "setText",
    "setWindowTitle",
    "setToolTip",
    "setPlaceholderText",
    "setTitle",
    "setSubTitle",
    "setStatusTip",
    "setWhatsThis",
    "setAccessibleName",
    "setAccessibleDescription",
    "addItem",
    "addTab",
    "setTabText",
    "showMessage",
    "setLabelText",
    "setButtonText",
    "setHeaderLabels",
    "addAction",
    "addMenu",
    "setInformativeText",
    "setDetailedText",
    "setSpecialValueText",
    "setPrefix",
    "setSuffix",
    "information",
    "warning",
    "critical",
    "question",
}
DISPLAY_CLASSES = {
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QAction",
    "QGroupBox",
    "QMenu",
    "QToolButton",
    "QCommandLinkButton",
}


LOGGERS = {"log", "logger", "logging"}
GETTEXT_FUNCTIONS = {"_", "ngettext", "N_", "pgettext", "npgettext"}
EXEMPT = "# i18n-exempt"  # a line with this comment shows no words (e.g. an input mask)


def _is_text(node: ast.AST) -> bool:
    """A literal with words in it (f-strings: in their literal parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def _violations(path: Path) -> list[str]:
    found: list[str] = []
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if EXEMPT in lines[node.lineno - 1]:
            continue
        func = node.func
        owner = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(owner, ast.Name) and owner.id in LOGGERS:
            continue  # log lines are event names for the log file, never shown
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in GETTEXT_FUNCTIONS:
            if any(isinstance(a, ast.JoinedStr) for a in node.args):
                found.append(f"{path.name}:{node.lineno}: f-string inside {name}()")
            continue
        candidates: list[ast.AST] = []
        if name in DISPLAY_METHODS or name in DISPLAY_CLASSES:
            candidates.extend(node.args)
        candidates.extend(
            k.value for k in node.keywords if k.arg in {"help", "description", "epilog", "title"}
        )
        for arg in candidates:
            if _is_text(arg):
                where = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
                found.append(f"{where}:{node.lineno}: untranslated text in {name}()")
    return found


def test_no_user_visible_string_escapes_gettext() -> None:
    problems: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "screenshots.py":
            continue  # fictional sample content for the screenshot script
        problems.extend(_violations(path))
    assert not problems, "\n".join(problems)


def test_the_check_catches_untranslated_text(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "label = QLabel('Hello')\n"
        "button.setText(f'Save {name}')\n"
        "parser.add_argument('--x', help='the x option')\n"
        "ok = QLabel(_('Hello'))\n"
        "log.warning('event_name')\n"
        "bad = _(f'Hi {name}')\n"
        "nav = QLabel(pgettext('navigation', 'Sections'))\n"
        "worse = npgettext('ctx', f'{n} item', '{n} items', n)\n"
    )
    problems = _violations(sample)
    assert [p.split(":")[1] for p in problems] == ["1", "2", "3", "6", "8"], problems


def test_template_is_fresh() -> None:
    """translations/advisor_desktop.pot holds exactly the strings in src/ (run manage.py all)."""
    extracted = {(m.context, m.id) for m in manage.extract() if m.id}
    template = {(m.context, m.id) for m in manage.load(manage.POT, "en") if m.id}
    assert extracted == template, (
        f"stale template: new {sorted(map(str, extracted - template))[:5]}, "
        f"gone {sorted(map(str, template - extracted))[:5]}"
    )


@pytest.mark.parametrize("lang", manage.LANGUAGES)
def test_catalog_complete(lang: str) -> None:
    template = {(m.context, m.id) for m in manage.load(manage.POT, "en") if m.id}
    catalog = manage.load(manage._po_path(lang), lang)
    problems = []
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        ids.add((message.context, message.id))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(str(message.id)[:60])
    assert template <= ids, f"{lang}: missing {sorted(map(str, template - ids))[:5]}"
    assert not problems, f"{lang}: empty or fuzzy: {problems[:10]}"


@pytest.mark.parametrize("lang", [*manage.LANGUAGES, manage.PSEUDO])
def test_compiled_catalog_is_fresh(lang: str) -> None:
    """The catalog the installed package reads holds exactly the messages of its source
    (compared message by message: the Babel version that compiled it does not matter)."""
    path = manage._mo_path(lang)
    assert path.is_file(), f"{lang}: not compiled; reinstall or run translations/manage.py compile"
    built = manage.messages(manage.read_compiled(path))
    source = manage.messages(manage.source_catalog(lang))
    assert built == source, (
        f"{lang}: stale compiled catalog (run python translations/manage.py compile): "
        f"{sorted(map(str, set(source) ^ set(built)))[:5]}"
    )


def test_the_freshness_check_sees_a_changed_translation(tmp_path: Path) -> None:
    catalog = manage.source_catalog("nl")
    manage.compile_all(tmp_path)
    assert manage.messages(manage.read_compiled(manage._mo_path("nl", tmp_path))) == (
        manage.messages(catalog)
    )
    message = next(m for m in catalog if m.id and isinstance(m.id, str) and m.string)
    message.string = "iets anders"
    assert manage.messages(manage.read_compiled(manage._mo_path("nl", tmp_path))) != (
        manage.messages(catalog)
    )


def test_compiled_catalogs_are_not_committed() -> None:
    """The .mo files are built on install (setup.py), so they can never go stale in git."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    assert tracked.stdout.split() == []


@pytest.mark.parametrize("lang", manage.LANGUAGES)
def test_placeholders_survive_translation(lang: str) -> None:
    import re

    field = re.compile(r"\{[a-z_]*\}")
    for message in manage.load(manage._po_path(lang), lang):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(field.findall(ids[-1]))
        for text in strings:
            assert set(field.findall(text)) <= expected | set(field.findall(ids[0])), (
                f"{lang}: placeholder changed in {ids[0][:50]!r}"
            )
            assert set(field.findall(ids[0])) <= set(field.findall(text)) or "{n}" in ids[0], (
                f"{lang}: placeholder lost in {ids[0][:50]!r}"
            )


def test_pseudo_locale_switches_messages() -> None:
    from advisor_desktop.platform import i18n

    try:
        i18n.activate(manage.PSEUDO)
        assert i18n._("The passphrase is not correct.") != "The passphrase is not correct."
        assert i18n.pgettext("main navigation", "Sections") != "Sections"
        i18n.activate("nl")
        assert i18n._("The passphrase is not correct.") != "The passphrase is not correct."
        # One English word, two meanings: the context picks the translation.
        assert i18n.pgettext("main navigation", "Sections") != i18n.pgettext(
            "guide sections", "Sections"
        )
        assert i18n.ngettext("{n} check failed.", "{n} checks failed.", 2) == (
            "{n} controles mislukt."
        )
    finally:
        i18n.activate("en")
