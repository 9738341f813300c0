"""The referral benchmark: one command, a table on stdout and a JSON file.

    python -m tests.benchmarks.referral_bench [--quick] [--out FILE.json]

Measures: building one referral (anonymise + sign + encrypt, core only), the same through the
vault service (draft + consent rows, confirm: sign, encrypt, queue), opening one package at the
desk (decrypt + verify + validate + replay check with the on-disk seen list), and the desk
opening 1,000 packages in a row. Aims: ≤ 50 ms per build and per open, ≤ 10 s per 1,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.timing import stats, timed

AIMS_MS = {"build_core": 50.0, "build_vault": 50.0, "open_one": 50.0, "open_1000": 10_000.0}
NOTES = (
    "Maria Jansen came on 14 March 2026. Her manager Piet de Boer (piet.deboer@example.org, "
    "+31 6 12345678) shouted at her twice in the team meeting; Иван Петров и Ивану Петрову "
    "сказали молчать. قال لمحمد إن المدير غاضب. 王小明说小明的经理很生气。 Staff no. AB-123456, "
    "see https://intranet.example.org/case/42. She wants the desk to look at it. "
) * 4


def run(quick: bool, workdir: Path) -> dict[str, Any]:
    """Run every measurement in ``workdir``; returns the results document."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
    from advisor_desktop.desk.identity import keygen
    from advisor_desktop.desk.opener import open_package
    from advisor_desktop.desk.registry import SeenIds
    from advisor_desktop.notebook.models import ContactChannel, ConversationRecord, VisitorRole
    from advisor_desktop.notebook.service import Notebook
    from advisor_desktop.platform.paths import AppPaths
    from advisor_desktop.protocol.keys import key_id, raw_public
    from advisor_desktop.protocol.profile import Desk, load_profile, with_desk
    from advisor_desktop.protocol.referral_package import (
        encrypt_to,
        recipient_key_id,
        sign_envelope,
    )
    from advisor_desktop.referral.consent import load_statement, parse_scopes, record_consent
    from advisor_desktop.referral.draft import DraftInputs, build_payload, new_draft
    from advisor_desktop.referral.service import ReferralService
    from advisor_desktop.storage.meta import store_profile
    from advisor_desktop.storage.store import create_vault

    fast = KdfParams(time_cost=1, memory_kib=8192, lanes=1)  # setup only; never measured
    desk = keygen(workdir / "desk", "Central desk", b"bench passphrase", fast)
    recipient = desk.public.age_recipient
    profile = with_desk(load_profile(), Desk("Central desk", recipient, desk.public.signing_key))
    record = ConversationRecord(
        conv_date=dt.date(2026, 3, 14),
        channel=ContactChannel.IN_PERSON,
        role=VisitorRole.LOCALLY_EMPLOYED,
        categories=("bullying",),
        notes=NOTES,
        language="en",
        identifiers=("Maria Jansen", "Иван Петров", "محمد", "王小明"),
    )
    scopes = parse_scopes("category,role,region,period,summary,contact")
    inputs = DraftInputs(desk="Central desk", scopes=scopes, post="Lagos", region="West Africa")
    statement = load_statement("en", "Central desk")
    signing = Ed25519PrivateKey.generate()
    trusted = {key_id(raw_public(signing.public_key())): raw_public(signing.public_key())}
    now = dt.datetime.now(dt.UTC)

    def build_core() -> bytes:
        draft = new_draft(record, inputs, "en", now)
        consent = record_consent(scopes, statement, "on-screen", now)
        payload = build_payload(
            draft, consent, key_id(raw_public(signing.public_key())), recipient_key_id(recipient)
        )
        return encrypt_to(sign_envelope(payload, signing), [recipient])

    build_core()  # warm-up: phone metadata, month names, regex compilation
    rounds = 20 if quick else 100
    results: dict[str, Any] = {}
    results["build_core"] = stats([timed(build_core) for _ in range(rounds)])

    paths = AppPaths(workdir / "vault", workdir / "vault/c", workdir / "vault/l")
    vault, _code = create_vault(paths, bytearray(b"benchmark passphrase"), KdfPolicy.fixed(fast))
    with vault:
        store_profile(vault, profile)
        notebook = Notebook(vault, profile)
        service = ReferralService(vault, profile)
        stored = notebook.get(notebook.add(record))

        def build_vault() -> None:
            draft = service.create(stored, inputs, statement, "on-screen")
            service.confirm(draft.referral_id)

        build_vault()
        results["build_vault"] = stats([timed(build_vault) for _ in range(rounds // 2)])

    count = 200 if quick else 1000
    packages = [build_core() for _ in range(count)]
    seen_dir = workdir / "seen"
    identities = [desk.age_identity]
    one = [
        timed(lambda p=p: open_package(p, identities, trusted, SeenIds(None)))  # type: ignore[misc]
        for p in packages[:rounds]
    ]
    results["open_one"] = stats(one)
    seen = SeenIds(seen_dir)
    start = time.perf_counter()
    for package in packages:
        open_package(package, identities, trusted, seen)
    total = (time.perf_counter() - start) * 1000.0
    results["open_1000"] = {
        "n": count,
        "total_ms": round(total, 1),
        "per_package_ms": round(total / count, 3),
    }
    return {
        "benchmark": "referral",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "quick": quick,
        "summary_chars": len(NOTES),
        "aims_ms": AIMS_MS,
        "results": results,
    }


def table(doc: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    lines = [f"{'measurement':<14} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'total ms':>9} aim"]
    for name, row in doc["results"].items():
        aim = AIMS_MS[name]
        if "total_ms" in row:
            ok = row["total_ms"] * (1000 / row["n"]) <= aim
            lines.append(
                f"{name:<14} {row['n']:>5} {row['per_package_ms']:>10} {'':>8} "
                f"{row['total_ms']:>9} ≤ {aim:.0f} ms per 1,000 {'ok' if ok else 'MISSED'}"
            )
        else:
            ok = row["median_ms"] <= aim
            lines.append(
                f"{name:<14} {row['n']:>5} {row['median_ms']:>10} {row['p95_ms']:>8} {'':>9} "
                f"≤ {aim:.0f} ms {'ok' if ok else 'MISSED'}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.referral_bench")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, 200 packages")
    parser.add_argument("--out", default="referral-bench.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        doc = run(args.quick, Path(tmp))
    print(table(doc))
    Path(args.out).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
