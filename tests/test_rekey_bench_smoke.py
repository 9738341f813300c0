"""The rekey part of the vault benchmark runs end to end at a tiny size and reports every
measurement (no timings are judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_rekey_benchmark_reports_every_measurement(tmp_path: Path) -> None:
    out = tmp_path / "rekey.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "tests.benchmarks.vault_bench", "--records", "300"),
            *("--rekey-only", "--dir", str(tmp_path), "--out", str(out)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "passphrase change (rekey, as the app)" in done.stdout
    rekey = json.loads(out.read_text(encoding="utf-8"))["rekey"]["300"]
    assert rekey["records"] == 300
    for name in ("change", "export", "pragma_rekey", "vacuum_into", "file_copy"):
        assert rekey[name]["n"] == 3, name
        assert rekey[name]["p50_ms"] > 0, name
    assert rekey["db_size_mib"] > 0
    assert rekey["plain_size_mib"] > 0
