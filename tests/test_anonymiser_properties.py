"""Property tests: no listed identifier, and no text of a field outside the consented scopes,
ever appears in the package bytes before encryption."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisor_desktop.notebook.models import VisitorRole
from advisor_desktop.protocol.keys import canonical_json
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope
from advisor_desktop.referral.consent import ConsentScopes, ConsentStatement, record_consent
from advisor_desktop.referral.draft import DraftInputs, build_payload, new_draft
from tests.helpers.records import make_record

NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
STATEMENT = ConsentStatement("en", "1", "ltr", "t", "statement text", {})
KEY_ID = "0" * 32

ALPHABETS = {
    "latin": "abcdefghijklmnopqrstuvwxyzäöüéñ",
    "cyrillic": "абвгдежзиклмнопрстуфхцчшщыэюя",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "cjk": "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
}
# Case endings and clitics an identifier may appear with in running text.
FORMS = {
    "latin": ["{}", "{}s", "{}'s", "{}en", "{}a"],
    "cyrillic": ["{}", "{}а", "{}у", "{}ом", "{}ой", "{}ым"],
    "arabic": ["{}", "ال{}", "و{}", "ب{}", "وال{}", "{}ه"],
    "cjk": ["{}", "{}的", "和{}"],
}
FILLER = st.sampled_from(
    ["the", "manager", "said", "встреча", "قال", "在", "1", ",", ".", "\n", "hello", "x"]
)


@st.composite
def identifier_and_form(draw: st.DrawFn) -> tuple[str, str]:
    script = draw(st.sampled_from(sorted(ALPHABETS)))
    min_len = 2 if script == "cjk" else 4
    word = draw(st.text(ALPHABETS[script], min_size=min_len, max_size=9))
    if script in ("latin", "cyrillic"):
        word = word.capitalize()
    form = draw(st.sampled_from(FORMS[script]))
    casing = draw(st.sampled_from([str, str.lower, str.upper, str.title]))
    return word, casing(form.format(word)) if script in ("latin", "cyrillic") else form.format(word)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[tuple[str, ...], str, ConsentScopes]:
    pairs = draw(st.lists(identifier_and_form(), min_size=1, max_size=3))
    words: list[str] = draw(st.lists(FILLER, max_size=12))
    for _ident, form in pairs:
        words.insert(draw(st.integers(0, len(words))), form)
    glue = draw(st.sampled_from([" ", "  ", " \n", ", "]))
    scopes = draw(st.sets(st.sampled_from(list(Scope)), min_size=1))
    period = draw(st.sampled_from(list(Granularity)))
    return tuple(p[0] for p in pairs), glue.join(words), ConsentScopes(frozenset(scopes), period)


def payload_bytes(identifiers: tuple[str, ...], notes: str, scopes: ConsentScopes) -> bytes:
    record = make_record(
        notes=notes,
        identifiers=identifiers,
        conv_date=dt.date(2019, 7, 9),
        role=VisitorRole.SECONDED,
        categories=("discrimination",),
        agreed="AGREED-MARKER follow-up",
    )
    inputs = DraftInputs(
        desk="Desk",
        scopes=scopes,
        post="POSTMARKER" if Scope.POST in scopes else "",
        region="REGIONMARKER" if Scope.REGION in scopes else "",
    )
    draft = new_draft(record, inputs, "en", NOW)
    draft = draft.__class__(**{**draft.__dict__, "referral_id": str(uuid.UUID(int=1, version=4))})
    consent = record_consent(scopes, STATEMENT, ConsentMethod.ON_SCREEN, NOW)
    return canonical_json(build_payload(draft, consent, KEY_ID, KEY_ID))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_no_listed_identifier_in_package_bytes(
    case: tuple[tuple[str, ...], str, ConsentScopes],
) -> None:
    identifiers, notes, scopes = case
    scopes = ConsentScopes(scopes.scopes | {Scope.SUMMARY}, scopes.period)
    # The fixed parts of a payload (keys, markers) must not contain the identifier by chance.
    template = payload_bytes((), "", scopes).decode().casefold()
    for ident in identifiers:
        assume(ident.casefold() not in template)
    data = payload_bytes(identifiers, notes, scopes).decode("utf-8").casefold()
    for ident in identifiers:
        assert ident.casefold() not in data


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_nothing_outside_consented_scopes(
    case: tuple[tuple[str, ...], str, ConsentScopes],
) -> None:
    identifiers, notes, scopes = case
    data = payload_bytes(identifiers, "notesmarker " + notes, scopes)
    present = {
        Scope.SUMMARY: b"notesmarker",
        Scope.POST: b"POSTMARKER",
        Scope.REGION: b"REGIONMARKER",
        Scope.ROLE: b"seconded",
        Scope.CATEGORY: b"discrimination",
        Scope.PERIOD: b"2019-",
        Scope.CONTACT: b'"via"',
    }
    for scope, marker in present.items():
        assert (marker in data) == (scope in scopes), (scope, data)
    assert b"AGREED-MARKER" not in data  # never in any scope
    assert (b"secretary" in data) == (Scope.SECRETARY_GENERAL in scopes)
