"""The organisation profile: channels, concern categories, options for action, retention, desks.

Shipped in ``resources/profiles/``; validated on load with errors that name the bad field. The
active profile is copied into the vault at creation, so a file swapped on disk later cannot
change which desk keys the advisor trusts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import resources_dir

PROFILE_FORMAT = "advisor-desktop-profile"
PROFILE_VERSION = 1
CHANNEL_IDS = (
    "manager",
    "central-desk",
    "external-reporting-point",
    "external-support-point",
    "confidential-advisor",
)


def default_profile_path() -> Path:
    """The profile shipped with the application."""
    return resources_dir() / "profiles" / "default.json"


@dataclass(frozen=True)
class Labelled:
    """Something with an id and a label per language (English required)."""

    id: str
    labels: dict[str, str]

    def label(self, lang: str = "en") -> str:
        """The label in ``lang``, its base language, or English."""
        return self.labels.get(lang) or self.labels.get(lang.split("-")[0]) or self.labels["en"]


@dataclass(frozen=True)
class Channel(Labelled):
    """A reporting or advice channel (manager, central desk, external points, advisor)."""

    kind: str = "internal"
    descriptions: dict[str, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)

    def description(self, lang: str = "en") -> str:
        """The description in ``lang`` or English ('' when none)."""
        return (
            self.descriptions.get(lang)
            or self.descriptions.get(lang.split("-")[0])
            or self.descriptions.get("en", "")
        )


@dataclass(frozen=True)
class Desk:
    """A receiving desk: where referrals go (filled by the referral feature)."""

    name: str
    age_recipient: str
    signing_key: str
    url: str = ""
    tls_pin: str = ""


@dataclass(frozen=True)
class RetentionPolicy:
    """How long closed records are kept and how early the advisor is warned."""

    months_after_close: int = 24
    warn_days: int = 30


@dataclass(frozen=True)
class OrgProfile:
    """A validated organisation profile."""

    id: str
    names: dict[str, str]
    channels: tuple[Channel, ...]
    categories: tuple[Labelled, ...]
    options: tuple[Labelled, ...]
    retention: RetentionPolicy
    desks: tuple[Desk, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def name(self, lang: str = "en") -> str:
        """The organisation's name in ``lang`` or English."""
        return self.names.get(lang) or self.names["en"]

    def category(self, key: str) -> Labelled:
        """The category with id ``key``."""
        return _by_id(self.categories, key)

    def option(self, key: str) -> Labelled:
        """The option for action with id ``key``."""
        return _by_id(self.options, key)

    def channel(self, key: str) -> Channel:
        """The channel with id ``key``."""
        found = _by_id(self.channels, key)
        assert isinstance(found, Channel)
        return found

    def to_json(self) -> str:
        """The profile as the JSON it was loaded from (stored in the vault)."""
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True)


def _by_id(items: tuple[Labelled, ...], key: str) -> Labelled:
    for item in items:
        if item.id == key:
            return item
    raise KeyError(key)


def load_profile(path: Path | None = None) -> OrgProfile:
    """Read and validate a profile file (the shipped default when ``path`` is None)."""
    path = path or default_profile_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(
            _("The organisation profile {name} cannot be read.").format(name=path.name)
        ) from exc
    return parse_profile(text)


def parse_profile(text: str) -> OrgProfile:
    """Validate profile JSON; the error names the first bad field."""
    try:
        doc = jsonio.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(
            _("The organisation profile is not valid JSON (line {line}).").format(line=exc.lineno)
        ) from None
    return _Validator().profile(doc)


class _Validator:
    def fail(self, where: str, what: str) -> ProfileError:
        return ProfileError(
            _("The organisation profile is invalid at {where}: {what}").format(
                where=where, what=what
            )
        )

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, _("expected an object"))
        return value

    def text(self, value: Any, where: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(where, _("expected a non-empty text"))
        if len(value) > 2000:
            raise self.fail(where, _("text is too long"))
        return value

    def ident(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        if not all(c.isascii() and (c.isalnum() or c == "-") for c in text) or len(text) > 64:
            raise self.fail(where, _("an id uses only letters, digits and dashes"))
        return text

    def labels(self, value: Any, where: str) -> dict[str, str]:
        labels = self.obj(value, where)
        if "en" not in labels:
            raise self.fail(where, _("an English ('en') text is required"))
        return {self.ident(k, where): self.text(v, f"{where}.{k}") for k, v in labels.items()}

    def items(self, value: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, _("expected a non-empty list"))
        items = [self.obj(v, f"{where}[{i}]") for i, v in enumerate(value)]
        ids = [item.get("id") for item in items]
        if len(set(map(str, ids))) != len(ids):
            raise self.fail(where, _("ids must be unique"))
        return items

    def profile(self, doc: Any) -> OrgProfile:
        doc = self.obj(doc, "(top)")
        if doc.get("format") != PROFILE_FORMAT:
            raise self.fail("format", _("this is not an Advisor Desktop profile"))
        version = doc.get("version")
        if not isinstance(version, int) or version > PROFILE_VERSION or version < 1:
            raise self.fail("version", _("unsupported profile version"))
        channels = tuple(
            Channel(
                id=self.ident(c.get("id"), f"channels[{i}].id"),
                labels=self.labels(c.get("name"), f"channels[{i}].name"),
                kind=self.text(c.get("kind", "internal"), f"channels[{i}].kind"),
                descriptions=self.labels(
                    c.get("description", {"en": ""}) or {"en": ""}, f"channels[{i}].description"
                )
                if c.get("description")
                else {},
                contact={
                    self.ident(k, f"channels[{i}].contact"): self.text(
                        v, f"channels[{i}].contact.{k}", allow_empty=True
                    )
                    for k, v in self.obj(c.get("contact", {}), f"channels[{i}].contact").items()
                },
            )
            for i, c in enumerate(self.items(doc.get("channels"), "channels"))
        )
        missing = [cid for cid in CHANNEL_IDS if cid not in {c.id for c in channels}]
        if missing:
            raise self.fail("channels", _("missing channel {id}").format(id=missing[0]))
        categories = self.labelled(doc.get("categories"), "categories")
        options = self.labelled(doc.get("options"), "options")
        retention_doc = self.obj(doc.get("retention", {}), "retention")
        months = retention_doc.get("months_after_close", 24)
        warn = retention_doc.get("warn_days", 30)
        if not isinstance(months, int) or not (1 <= months <= 240):
            raise self.fail("retention.months_after_close", _("expected 1 to 240 months"))
        if not isinstance(warn, int) or not (0 <= warn <= 365):
            raise self.fail("retention.warn_days", _("expected 0 to 365 days"))
        desks_doc = doc.get("desks", [])
        if not isinstance(desks_doc, list):
            raise self.fail("desks", _("expected a list"))
        desks = tuple(self.desk(d, f"desks[{i}]") for i, d in enumerate(desks_doc))
        if len({d.name for d in desks}) != len(desks):
            raise self.fail("desks", _("desk names must be unique"))
        return OrgProfile(
            id=self.ident(doc.get("id"), "id"),
            names=self.labels(doc.get("name"), "name"),
            channels=channels,
            categories=categories,
            options=options,
            retention=RetentionPolicy(months_after_close=months, warn_days=warn),
            desks=desks,
            raw=doc,
        )

    def labelled(self, value: Any, where: str) -> tuple[Labelled, ...]:
        return tuple(
            Labelled(
                id=self.ident(item.get("id"), f"{where}[{i}].id"),
                labels=self.labels(item.get("label"), f"{where}[{i}].label"),
            )
            for i, item in enumerate(self.items(value, where))
        )

    def desk(self, value: Any, where: str) -> Desk:
        from advisor_desktop.protocol.errors import KeyFormatError
        from advisor_desktop.protocol.keys import decode_public_key, parse_recipient

        doc = self.obj(value, where)
        desk = Desk(
            name=self.text(doc.get("name"), f"{where}.name"),
            age_recipient=self.text(doc.get("age_recipient"), f"{where}.age_recipient"),
            signing_key=self.text(doc.get("signing_key"), f"{where}.signing_key"),
            url=self.text(doc.get("url", ""), f"{where}.url", allow_empty=True),
            tls_pin=self.text(doc.get("tls_pin", ""), f"{where}.tls_pin", allow_empty=True),
        )
        # A desk key that does not parse would only fail later, when a referral is sealed.
        try:
            parse_recipient(desk.age_recipient)
        except KeyFormatError as exc:
            raise self.fail(f"{where}.age_recipient", exc.message) from None
        try:
            decode_public_key(desk.signing_key)
        except KeyFormatError as exc:
            raise self.fail(f"{where}.signing_key", exc.message) from None
        return desk


def with_desk(profile: OrgProfile, desk: Desk) -> OrgProfile:
    """A copy of ``profile`` with ``desk`` added (replacing a desk of the same name)."""
    raw = dict(profile.raw)
    entry = {
        "name": desk.name,
        "age_recipient": desk.age_recipient,
        "signing_key": desk.signing_key,
    }
    if desk.url:
        entry["url"] = desk.url
    if desk.tls_pin:
        entry["tls_pin"] = desk.tls_pin
    others = [d for d in raw.get("desks", []) if isinstance(d, dict) and d.get("name") != desk.name]
    raw["desks"] = [*others, entry]
    return parse_profile(json.dumps(raw, ensure_ascii=False))
