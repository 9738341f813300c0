"""The anonymiser against its corpus (tests/anonymiser_corpus/cases.jsonl): the catch rate per
class stays at or above its floor, and few negatives are over-redacted.

    python -m tests.test_anonymiser_corpus [--json FILE]

prints the table (full catch / partial / miss per class, over-redaction of the negatives).
A *full* catch covers every letter and digit of every string the case says must go; a
*partial* one some of them. The floors are the rates measured when the detectors were written,
less a small margin: raise them when the anonymiser gets better, never lower them to make a
change pass.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from advisor_desktop.protocol.referral_terms import Granularity
from advisor_desktop.referral.anonymiser import Anonymiser, Redaction

CORPUS = Path(__file__).parent / "anonymiser_corpus" / "cases.jsonl"

HELDOUT = Path(__file__).parent / "anonymiser_corpus" / "heldout.jsonl"

# Full-catch rate per class (fraction of its cases): the rate measured when the detectors were
# written (every class caught in full) less one case per class.
FLOORS: dict[str, float] = {
    "address-postcode": 0.9,
    "date-forms": 0.95,
    "domain-url": 0.87,
    "email-obfuscated": 0.9,
    "listed-arabic-marks": 0.87,
    "listed-cjk-honorific": 0.87,
    "listed-cjk-spaced": 0.83,
    "listed-diacritics": 0.91,
    "listed-fullwidth": 0.83,
    "listed-initials": 0.85,
    "listed-invisible": 0.9,
    "listed-spaced-letters": 0.85,
    "passport-plate": 0.9,
    "personnel-number": 0.87,
    "phone-words": 0.87,
    "social-handle": 0.87,
    "unlisted-caps": 0.85,
    "unlisted-lowercase": 0.87,
    "unlisted-script": 0.88,
    "unlisted-title": 0.93,
}
# At most this fraction of the negatives may lose text they must keep (measured: none).
OVER_REDACTION_CEILING = 0.1
# The held-out cases were written after the detectors and never tuned against: all of their
# positives at least at this rate, their negatives within their own ceiling (measured: 57 of 57
# caught in full, 1 of 10 negatives over-redacted, "the Christmas party").
HELDOUT_FLOOR = 0.9
HELDOUT_OVER_CEILING = 0.2


@dataclass(frozen=True)
class Case:
    id: str
    cls: str
    lang: str
    text: str
    identifiers: tuple[str, ...]
    remove: tuple[str, ...]
    keep: tuple[str, ...]


def load_cases(path: Path = CORPUS) -> list[Case]:
    """Every case of the corpus file."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        cases.append(
            Case(
                doc["id"],
                doc["class"],
                doc["lang"],
                doc["text"],
                tuple(doc["identifiers"]),
                tuple(doc["remove"]),
                tuple(doc.get("keep", ())),
            )
        )
    return cases


def _occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    out, pos = [], text.find(needle)
    while pos >= 0:
        out.append((pos, pos + len(needle)))
        pos = text.find(needle, pos + 1)
    return out


def score(case: Case, redactions: list[Redaction]) -> tuple[str, bool]:
    """("full" | "partial" | "miss" | "none", over-redacted) for ``case``."""
    covered = [False] * len(case.text)
    for r in redactions:
        for i in range(r.start, r.end):
            covered[i] = True
    wanted = [
        i
        for s in case.remove
        for lo, hi in _occurrences(case.text, s)
        for i in range(lo, hi)
        if case.text[i].isalnum()
    ]
    hit = sum(covered[i] for i in wanted)
    if not wanted:
        verdict = "none"
    elif hit == len(wanted):
        verdict = "full"
    else:
        verdict = "partial" if hit else "miss"
    over = any(
        covered[i]
        for s in case.keep
        for lo, hi in _occurrences(case.text, s)
        for i in range(lo, hi)
    )
    return verdict, over


def measure(cases: list[Case]) -> dict[str, Any]:
    """The table: per class the counts and the full-catch rate; the negatives' over-redaction."""
    per: dict[str, Counter[str]] = {}
    details: dict[str, str] = {}
    over_count = negatives = 0
    for case in cases:
        redactions = Anonymiser(case.identifiers).propose(case.text, Granularity.MONTH)
        verdict, over = score(case, redactions)
        details[case.id] = verdict + (" over" if over else "")
        if case.cls == "negative":
            negatives += 1
            over_count += over
            continue
        per.setdefault(case.cls, Counter())[verdict] += 1
    classes = {
        cls: {
            "cases": sum(c.values()),
            "full": c["full"],
            "partial": c["partial"],
            "miss": c["miss"],
            "full_rate": round(c["full"] / sum(c.values()), 3),
        }
        for cls, c in sorted(per.items())
    }
    return {
        "classes": classes,
        "negatives": {
            "cases": negatives,
            "over_redacted": over_count,
            "rate": round(over_count / negatives, 3) if negatives else 0.0,
        },
        "cases": details,
    }


def table(result: dict[str, Any]) -> str:
    """The result as a plain-text table."""
    lines = [f"{'class':<24}{'cases':>6}{'full':>6}{'part':>6}{'miss':>6}{'rate':>8}"]
    for cls, row in result["classes"].items():
        lines.append(
            f"{cls:<24}{row['cases']:>6}{row['full']:>6}{row['partial']:>6}{row['miss']:>6}"
            f"{row['full_rate']:>8.0%}"
        )
    neg = result["negatives"]
    lines.append(
        f"{'negatives over-redacted':<24}{neg['cases']:>6}{neg['over_redacted']:>24}"
        f"{neg['rate']:>8.0%}"
    )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return measure(load_cases())


def test_corpus_is_well_formed() -> None:
    cases = load_cases()
    assert len(cases) >= 150
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.remove or case.keep, case.id
        for needle in (*case.remove, *case.keep):
            assert needle in case.text, (case.id, needle)


def test_every_class_has_a_floor(result: dict[str, Any]) -> None:
    assert set(result["classes"]) == set(FLOORS)


@pytest.mark.parametrize("cls", sorted(FLOORS))
def test_catch_rate_stays_above_its_floor(result: dict[str, Any], cls: str) -> None:
    row = result["classes"][cls]
    misses = [
        k for k, v in result["cases"].items() if k.startswith(cls) and not v.startswith("full")
    ]
    assert row["full_rate"] >= FLOORS[cls], (row, misses)


def test_negatives_are_rarely_over_redacted(result: dict[str, Any]) -> None:
    over = [
        k for k, v in result["cases"].items() if v.endswith("over") and k.startswith("negative")
    ]
    assert result["negatives"]["rate"] <= OVER_REDACTION_CEILING, over


def test_held_out_cases() -> None:
    cases = load_cases(HELDOUT)
    assert len(cases) >= 60
    held = measure(cases)
    full = sum(row["full"] for row in held["classes"].values())
    total = sum(row["cases"] for row in held["classes"].values())
    missed = [k for k, v in held["cases"].items() if not v.startswith(("full", "none"))]
    assert full >= HELDOUT_FLOOR * total, missed
    assert held["negatives"]["rate"] <= HELDOUT_OVER_CEILING, held["cases"]


def main(argv: list[str] | None = None) -> int:
    """Print the table (and write it as JSON with ``--json FILE``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--verbose", action="store_true", help="print every case that is not a full catch"
    )
    args = parser.parse_args(argv)
    result = measure(load_cases())
    print(table(result))
    held = measure(load_cases(HELDOUT))
    print("\nheld out (written after the detectors):")
    print(table(held))
    result["heldout"] = held
    if args.verbose:
        for key, verdict in result["cases"].items():
            if verdict != "full" and verdict != "none":
                print(f"  {key}: {verdict}")
    if args.json:
        args.json.write_text(
            json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
