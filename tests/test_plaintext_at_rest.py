"""No plaintext at rest: canaries in every text field are found nowhere on disk.

A full workflow (CLI import, API edits with identifiers and drafts, searches, a backup, close)
runs with unique canary strings in several scripts in every free-text field. Afterwards every
file in the data folder, the backup (and each member inside it) and every file that appeared
or changed in the temp folders is scanned for the canaries in UTF-8 and UTF-16 (LE/BE), as
typed, folded and index-normalised. The scanner is first shown to find them in the test's own
plaintext input, so the check can fail.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import tempfile
from pathlib import Path

import pytest

from advisor_desktop.notebook.csv_import import REQUIRED_COLUMNS
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.platform.textnorm import fold
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import open_vault

from .conftest import PASSPHRASE, CliRunner
from .helpers.canaries import all_files, make_canaries, patterns, scan_file
from .helpers.records import make_record

FIELDS = ("notes", "agreed", "alias", "identifiers", "draft", "deleted", "updated_away")
CSV_HEADER = [*REQUIRED_COLUMNS, "alias"]


def _temp_roots() -> list[Path]:
    roots = [Path(tempfile.gettempdir())]
    roots += [p for p in (Path("/var/tmp"), Path("/dev/shm")) if p.is_dir()]
    return roots


def test_no_plaintext_at_rest(
    cli: CliRunner, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    canaries = {field: make_canaries(field) for field in FIELDS}
    every = [c for group in canaries.values() for c in group]
    pats = patterns(every)
    # Pytest's own folders hold this test's plaintext inputs; the app never writes there.
    pytest_root = tmp_path_factory.getbasetemp().parent
    temp_before = {root: all_files(root, exclude=[pytest_root]) for root in _temp_roots()}

    # Plaintext input, outside the data folder: the scanner must find every canary in it.
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    for i in range(6):
        writer.writerow(
            [
                "2026-02-0" + str(i + 1),
                "in-person",
                "hq",
                "bullying",
                "manager",
                canaries["agreed"][i],
                "",
                "open",
                "en",
                f"Notes {canaries['notes'][i]} end",
                canaries["alias"][i],
            ]
        )
    csv_path = inputs / "export.csv"
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    control = {h.canary for h in scan_file(csv_path, pats)}
    assert control == set(canaries["notes"] + canaries["agreed"] + canaries["alias"])
    utf16 = inputs / "control16.txt"
    utf16.write_bytes(fold(canaries["draft"][3]).encode("utf-16-be"))
    assert {h.canary for h in scan_file(utf16, pats)} == {canaries["draft"][3]}

    # A control file in the temp folder: the before/after comparison must pick it up.
    control_canary = make_canaries("control")[2]
    with tempfile.NamedTemporaryFile("wb", prefix="advisor-test-control-", delete=False) as fh:
        fh.write(control_canary.encode("utf-16-le"))
    control_file = Path(fh.name)
    pats_with_control = {**pats, **patterns([control_canary])}

    # 1. CLI: create, import.
    assert cli("init").code == 0
    r = cli("import", str(csv_path))
    assert r.code == 0, r.err

    # 2. API: identifiers, a draft, a deleted record, an update that removes text.
    paths = resolve_paths(cli.data_dir)
    with open_vault(paths, bytearray(PASSPHRASE.encode()), cli.policy) as vault:
        nb = Notebook(vault, load_vault_profile(vault))
        nb.add(make_record(notes="plain words", identifiers=tuple(canaries["identifiers"])))
        for i in range(6):
            nb.save_draft(f"record:{100 + i}", {"notes": canaries["draft"][i]})
        nb.save_draft("discarded", {"notes": " ".join(canaries["draft"])})
        nb.discard_draft("discarded")
        gone = nb.add(make_record(notes=" ".join(canaries["deleted"])))
        nb.delete(gone)
        changed = nb.add(make_record(notes=" ".join(canaries["updated_away"])))
        nb.update(dataclasses.replace(nb.get(changed), notes="replaced text"))
        assert len(nb.search(canaries["notes"][4])) == 1
        assert nb.search(canaries["deleted"][0]) == []

    # 3. CLI: search every canary, show, list, backup.
    for field in ("notes", "agreed", "alias"):
        for canary in canaries[field]:
            hits = json.loads(cli("search", canary, "--json").out)
            assert len(hits) == 1, (field, canary)
    shown = json.loads(cli("show", "1", "--json").out)
    assert shown["alias"] == canaries["alias"][0]
    assert cli("list").code == 0
    assert cli("follow-ups", "--json").code == 0
    backup_dir = tmp_path / "backups"
    backup = backup_dir / "vault-backup.advisor"
    assert cli("backup", "--out", str(backup)).code == 0

    # 4. Scan everything the application wrote.
    hits = []
    data_files = all_files(paths.data)
    assert paths.vault_db in data_files
    assert paths.key_slots in data_files
    assert any(p.suffix == ".log" for p in data_files), "the log file must be scanned too"
    for path in data_files:
        hits += scan_file(path, pats)
    hits += scan_file(backup, pats)
    assert sorted(p.name for p in backup_dir.iterdir()) == [backup.name]
    try:
        for root, before in temp_before.items():
            for path, stat in all_files(root, exclude=[pytest_root]).items():
                if before.get(path) != stat:
                    hits += scan_file(path, pats_with_control)
    finally:
        control_file.unlink()
    assert [(h.path, h.canary) for h in hits if h.canary == control_canary] == [
        (control_file, control_canary)
    ]
    hits = [h for h in hits if h.canary != control_canary]
    assert hits == [], f"plaintext found: {[(str(h.path), h.where, h.canary) for h in hits]}"
    # The log has events, but no content.
    log_text = (paths.logs / "advisor-desktop.log").read_text(encoding="utf-8")
    assert "vault_opened" in log_text
    assert "backup_written" in log_text
