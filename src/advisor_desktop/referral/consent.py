"""Consent: the scopes a visitor chose, the statement they read, and the record of both.

Statements live in ``resources/consent/<lang>.json`` (English is the source; every translation
has the same placeholders), with the scope labels and the texts of the other controls the
visitor sees next to the statement (the period choice, the contact choice, field hints). The
record keeps the exact text shown, so what the visitor agreed to can be shown again later even
after the statements are revised.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.languages import match_tag, primary
from advisor_desktop.platform.paths import resources_dir
from advisor_desktop.protocol.errors import ConsentError
from advisor_desktop.protocol.referral_package import coarse_time
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope


@dataclass(frozen=True)
class ConsentScopes:
    """The consented scopes, with the period's granularity when ``period`` is among them."""

    scopes: frozenset[Scope]
    period: Granularity = Granularity.MONTH

    def __contains__(self, scope: object) -> bool:
        return scope in self.scopes

    @property
    def granularity(self) -> Granularity | None:
        """The period's granularity when the period is consented, else None: the precision
        of every time that travels with the referral."""
        return self.period if Scope.PERIOD in self.scopes else None

    def to_list(self) -> list[str]:
        """Scope ids in a fixed order, ``period`` written as ``period=GRANULARITY``."""
        out = []
        for scope in Scope:
            if scope in self.scopes:
                out.append(f"period={self.period.value}" if scope is Scope.PERIOD else scope.value)
        return out

    def to_text(self) -> str:
        """The CLI form, e.g. ``category,role,period=month,summary``."""
        return ",".join(self.to_list())


def parse_scopes(text: str | list[str]) -> ConsentScopes:
    """Parse ``category,role,period=quarter,…`` (or a list of those items)."""
    items = text.split(",") if isinstance(text, str) else list(text)
    scopes: set[Scope] = set()
    period = Granularity.MONTH
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        name, _sep, value = item.partition("=")
        try:
            scope = Scope(name.strip())
        except ValueError:
            raise ConsentError(_("Unknown scope: {id}").format(id=name.strip()[:40])) from None
        if value:
            if scope is not Scope.PERIOD:
                raise ConsentError(
                    _("Only the period scope takes a value: {item}").format(item=item[:40])
                )
            try:
                period = Granularity(value.strip())
            except ValueError:
                raise ConsentError(
                    _("The period is shared by day, month or quarter, not {value}.").format(
                        value=value.strip()[:20]
                    )
                ) from None
        scopes.add(scope)
    if not scopes:
        raise ConsentError(_("Choose at least one scope to share."))
    return ConsentScopes(frozenset(scopes), period)


@dataclass(frozen=True)
class ConsentControls:
    """The texts of the visitor-facing controls beside the statement, in its language.

    They are labels, not part of what the visitor agrees to: they are not stored with the
    consent record, and changing them does not need a new statement ``version``.
    """

    day: str
    month: str
    quarter: str
    contact_advisor: str
    contact_typed: str
    post_placeholder: str
    region_placeholder: str
    contact_placeholder: str

    def period_label(self, granularity: Granularity) -> str:
        """The period choice ``granularity`` in the statement's language."""
        labels = {
            Granularity.DAY: self.day,
            Granularity.MONTH: self.month,
            Granularity.QUARTER: self.quarter,
        }
        return labels[granularity]


#: The keys of a statement file's ``controls`` object, in file order.
CONTROL_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ConsentControls))


@dataclass(frozen=True)
class ConsentStatement:
    """A statement in one language, placeholders filled in.

    ``controls`` is always set for statements loaded from the files; it is ``None`` only for
    statements built by hand, and then the UI shows its own texts.
    """

    language: str
    version: str
    direction: str
    title: str
    text: str
    scope_labels: dict[str, str] = field(default_factory=dict)
    controls: ConsentControls | None = None


_LANG_FILE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,8})?$")
PLACEHOLDERS = ("{desk}",)


def consent_dir() -> Path:
    """Where the statement files are."""
    return resources_dir() / "consent"


def statement_languages(folder: Path | None = None) -> list[str]:
    """Language codes that have a consent statement, sorted."""
    root = folder or consent_dir()
    return sorted(p.stem for p in root.glob("*.json") if _LANG_FILE.match(p.stem))


def load_statement(language: str, desk_name: str, folder: Path | None = None) -> ConsentStatement:
    """The statement in ``language`` (or its base language), for the desk ``desk_name``."""
    root = folder or consent_dir()
    available = statement_languages(root)
    code = match_tag(language, available) or match_tag(primary(language), available) or ""
    if code not in available:
        raise ConsentError(
            _("There is no consent statement in the language {code}.").format(code=language[:20])
        )
    try:
        doc = json.loads((root / f"{code}.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ConsentError(
            _("The consent statement in {code} is damaged; reinstall the application.").format(
                code=code
            )
        ) from None
    return _statement_from_doc(doc, code, desk_name)


def _statement_from_doc(doc: Any, code: str, desk_name: str) -> ConsentStatement:
    damaged = ConsentError(
        _("The consent statement in {code} is damaged; reinstall the application.").format(
            code=code
        )
    )
    if not isinstance(doc, dict):
        raise damaged
    text, title, version = doc.get("text"), doc.get("title"), doc.get("version")
    labels = doc.get("scopes", {})
    if not (isinstance(text, str) and isinstance(title, str) and isinstance(version, str)):
        raise damaged
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise damaged
    direction = doc.get("direction", "ltr")
    return ConsentStatement(
        language=code,
        version=version,
        direction="rtl" if direction == "rtl" else "ltr",
        title=title,
        text=text.replace("{desk}", desk_name),
        scope_labels={str(k): v for k, v in labels.items()},
        controls=_controls_from_doc(doc.get("controls"), code),
    )


def _controls_from_doc(raw: Any, code: str) -> ConsentControls:
    """The ``controls`` object of a statement file: exactly the keys, each a non-empty text."""
    if not isinstance(raw, dict):
        raise ConsentError(
            _(
                "The consent statement in {code} has no texts for the consent controls; "
                "reinstall the application."
            ).format(code=code)
        )
    bad = [k for k in CONTROL_KEYS if not (isinstance(raw.get(k), str) and raw[k].strip())]
    unknown = sorted(str(k)[:40] for k in raw if k not in CONTROL_KEYS)
    if bad or unknown:
        raise ConsentError(
            _(
                "The consent statement in {code} has missing, empty or unknown control "
                "texts ({keys}); reinstall the application."
            ).format(code=code, keys=", ".join(bad + unknown))
        )
    return ConsentControls(**{k: raw[k].strip() for k in CONTROL_KEYS})


@dataclass(frozen=True)
class ConsentRecord:
    """What the visitor consented to, how and when; kept in the vault."""

    scopes: ConsentScopes
    language: str
    statement_version: str
    statement_text: str
    method: ConsentMethod
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None = None

    def summary(self) -> dict[str, Any]:
        """The part of the record that travels in the package (payload version 3; no
        statement text): the statement's language only with the ``language`` scope, and
        when consent was given only with the ``period`` scope, at its granularity (a
        consent given during the meeting would date the meeting)."""
        doc: dict[str, Any] = {
            "scopes": self.scopes.to_list(),
            "statement_version": self.statement_version,
            "method": self.method.value,
        }
        if Scope.LANGUAGE in self.scopes:
            doc["language"] = self.language
        given = coarse_time(self.given_at, self.scopes.granularity)
        if given is not None:
            doc["given"] = given
        return doc


def record_consent(
    scopes: ConsentScopes,
    statement: ConsentStatement,
    method: ConsentMethod | str,
    now: dt.datetime,
) -> ConsentRecord:
    """A consent record for ``statement`` as shown, given now by ``method``."""
    try:
        how = ConsentMethod(method)
    except ValueError:
        raise ConsentError(
            _("Consent is given on-screen, verbal or written, not {value}.").format(
                value=str(method)[:20]
            )
        ) from None
    return ConsentRecord(
        scopes=scopes,
        language=statement.language,
        statement_version=statement.version,
        statement_text=statement.text,
        method=how,
        given_at=now,
    )
