"""What each step at the desk means, told to the visitor in their language.

The advisor shows these to the visitor ("Show the visitor" on a referral): where the report
stands, what this step means and what happens next, in the consent language of the referral.
The seeds promise that a reporter is informed in detail about the steps and the procedure;
these texts are that information, short and plain, for a person who may be in distress.

The texts live in ``resources/status/<lang>.json`` (English is the source; every guide
language has a file with exactly the same keys; right-to-left languages say
``"direction": "rtl"``). The loader refuses a file with a missing, empty or unknown text, so a
visitor never sees a blank or an English gap in the middle of their language. See
``resources/status/README.md`` for the fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor_desktop.platform.errors import EXIT_USAGE
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.languages import match_tag, primary
from advisor_desktop.platform.paths import resources_dir
from advisor_desktop.protocol.errors import ReferralError
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState

#: States the visitor can be shown before the desk has said anything: the referral is sealed
#: but not delivered yet, or delivered (a verified receipt) with no status message yet.
ON_ITS_WAY = "on-its-way"
DELIVERED = "delivered"

#: The keys of ``states``: the two before the desk speaks, then the open desk states.
STATE_KEYS: tuple[str, ...] = (
    ON_ITS_WAY,
    DELIVERED,
    ReferralState.RECEIVED.value,
    ReferralState.IN_ASSESSMENT.value,
    ReferralState.REFERRED_ON.value,
)
#: The keys of ``outcomes``: every way the desk closes a referral.
OUTCOME_KEYS: tuple[str, ...] = tuple(o.value for o in Outcome)
#: The keys of ``steps``: the short names of the path a report takes, in order.
STEP_KEYS: tuple[str, ...] = ("sent", *(s.value for s in ReferralState))
#: The single-text fields of a file.
TEXT_KEYS: tuple[str, ...] = ("title", "date_line", "desk_message", "footer")
#: The one placeholder, in ``date_line`` only.
DATE_PLACEHOLDER = "{date}"

_LANG_FILE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,8})?$")
_TOP_KEYS = frozenset(
    {"language", "source_version", "review", "direction", *TEXT_KEYS, "steps"}
    | {"states", "outcomes"}
)


class StatusTextsError(ReferralError):
    """A status text file is missing, damaged or incomplete (exit 1): the installation is
    broken."""


class StatusLanguageUnknown(StatusTextsError):
    """There are no status texts in the language asked for (exit 2)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class StatusText:
    """One step told to the visitor: a heading and what it means, what happens next."""

    heading: str
    text: str


@dataclass(frozen=True)
class Step:
    """One step on the path shown to the visitor; ``current`` marks where the report is."""

    key: str
    label: str
    done: bool
    current: bool


@dataclass(frozen=True)
class StatusTexts:
    """Every status text in one language, checked complete."""

    language: str
    direction: str
    title: str
    date_line: str
    desk_message: str
    footer: str
    steps: dict[str, str]
    states: dict[str, StatusText]
    outcomes: dict[str, StatusText]

    @property
    def rtl(self) -> bool:
        """True for a language written right to left."""
        return self.direction == "rtl"

    def for_status(
        self,
        state: ReferralState | None,
        outcome: Outcome | None = None,
        *,
        delivered: bool = False,
    ) -> StatusText:
        """The text for the desk's latest ``state`` (with its ``outcome`` when closed); with no
        state yet, the text for a delivered referral or for one still on its way."""
        if state is None:
            return self.states[DELIVERED if delivered else ON_ITS_WAY]
        if state is ReferralState.CLOSED:
            return self.outcomes[(outcome or Outcome.OTHER).value]
        return self.states[state.value]

    def since(self, date_text: str) -> str:
        """``Since 3 May``: the date line with the date (already in the visitor's language)."""
        return self.date_line.replace(DATE_PLACEHOLDER, date_text)

    def path(self, state: ReferralState | None, *, delivered: bool = False) -> list[Step]:
        """The steps a report takes, marked up to where it stands now. A report passed on is
        shown as passed on instead of assessed; otherwise "passed on" is not on the path."""
        keys = [k for k in STEP_KEYS if k != ReferralState.REFERRED_ON.value]
        if state is ReferralState.REFERRED_ON:
            keys = [k for k in STEP_KEYS if k != ReferralState.IN_ASSESSMENT.value]
        if state is None:
            current = ReferralState.RECEIVED.value if delivered else "sent"
        else:
            current = state.value
        at = keys.index(current)
        return [
            Step(key, self.steps[key], done=i < at, current=i == at) for i, key in enumerate(keys)
        ]


def status_dir() -> Path:
    """Where the status text files are."""
    return resources_dir() / "status"


def status_languages(folder: Path | None = None) -> list[str]:
    """Language codes that have status texts, sorted."""
    root = folder or status_dir()
    return sorted(p.stem for p in root.glob("*.json") if _LANG_FILE.match(p.stem))


def load_status_texts(language: str, folder: Path | None = None) -> StatusTexts:
    """The status texts in ``language`` (or its base language), checked complete."""
    root = folder or status_dir()
    available = status_languages(root)
    code = match_tag(language, available) or match_tag(primary(language), available)
    if code is None:
        raise StatusLanguageUnknown(
            _("There are no status texts for the visitor in the language {code}.").format(
                code=language[:20]
            )
        )
    try:
        doc = json.loads((root / f"{code}.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(code, "") from None
    return texts_from_doc(doc, code)


def _damaged(code: str, keys: str) -> StatusTextsError:
    if keys:
        return StatusTextsError(
            _(
                "The status texts in {code} have missing, empty or unknown texts ({keys}); "
                "reinstall the application."
            ).format(code=code, keys=keys)
        )
    return StatusTextsError(
        _("The status texts in {code} are damaged; reinstall the application.").format(code=code)
    )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _problems(raw: Any, keys: tuple[str, ...], prefix: str) -> list[str]:
    if not isinstance(raw, dict):
        return [prefix.rstrip(".")]
    bad = [f"{prefix}{k}" for k in keys if k not in raw]
    bad += sorted(f"{prefix}{str(k)[:40]}" for k in raw if k not in keys)
    return bad


def texts_from_doc(doc: Any, code: str) -> StatusTexts:
    """:class:`StatusTexts` from a parsed file: exactly the keys, every text non-empty, the
    date placeholder once in ``date_line`` and nowhere else."""
    if not isinstance(doc, dict):
        raise _damaged(code, "")
    bad = sorted(str(k)[:40] for k in doc if k not in _TOP_KEYS)
    bad += [k for k in TEXT_KEYS if _text(doc.get(k)) is None]
    bad += [f"steps.{k}" for k in STEP_KEYS if _text(_get(doc, "steps", k)) is None]
    bad += _problems(doc.get("steps"), STEP_KEYS, "steps.")
    for group, keys in (("states", STATE_KEYS), ("outcomes", OUTCOME_KEYS)):
        bad += _problems(doc.get(group), keys, f"{group}.")
        for key in keys:
            entry = _get(doc, group, key)
            for part in ("heading", "text"):
                value = entry.get(part) if isinstance(entry, dict) else None
                if _text(value) is None:
                    bad.append(f"{group}.{key}.{part}")
            if isinstance(entry, dict) and set(entry) - {"heading", "text"}:
                bad.append(f"{group}.{key}")
    if doc.get("direction") not in ("ltr", "rtl"):
        bad.append("direction")
    if doc.get("language") != code:
        bad.append("language")
    if bad:
        raise _damaged(code, ", ".join(dict.fromkeys(bad)))
    everything = json.dumps({k: v for k, v in doc.items() if k != "date_line"}, ensure_ascii=False)
    if doc["date_line"].count(DATE_PLACEHOLDER) != 1 or DATE_PLACEHOLDER in everything:
        raise _damaged(code, "date_line")

    def entries(group: str, keys: tuple[str, ...]) -> dict[str, StatusText]:
        return {
            k: StatusText(doc[group][k]["heading"].strip(), doc[group][k]["text"].strip())
            for k in keys
        }

    return StatusTexts(
        language=code,
        direction=str(doc["direction"]),
        title=doc["title"].strip(),
        date_line=doc["date_line"].strip(),
        desk_message=doc["desk_message"].strip(),
        footer=doc["footer"].strip(),
        steps={k: doc["steps"][k].strip() for k in STEP_KEYS},
        states=entries("states", STATE_KEYS),
        outcomes=entries("outcomes", OUTCOME_KEYS),
    )


def _get(doc: dict[str, Any], group: str, key: str) -> Any:
    raw = doc.get(group)
    return raw.get(key) if isinstance(raw, dict) else None
