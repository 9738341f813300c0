"""Key-derivation settings read from a file are bounded: a tampered key file or desk identity
asking for gigabytes of memory or dozens of passes is refused as damaged before any KDF runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import (
    MAX_MEMORY_KIB,
    MAX_TIME_COST,
    MAX_WORK_KIB_PASSES,
    KdfParams,
    calibrate,
)
from advisor_desktop.platform.errors import VaultCorrupt

from .conftest import CliRunner

HOSTILE = [
    {"time_cost": 64, "memory_kib": 4 * 1024 * 1024, "lanes": 4},  # the review's 4 GiB / 64
    {"time_cost": 1, "memory_kib": 4 * 1024 * 1024, "lanes": 4},  # 4 GiB, one pass
    {"time_cost": 64, "memory_kib": 64 * 1024, "lanes": 4},  # 64 passes
    {"time_cost": 16, "memory_kib": 1024 * 1024, "lanes": 4},  # both within, product not
    {"time_cost": 1, "memory_kib": 1024, "lanes": 1},  # below the floor
    {"time_cost": 1, "memory_kib": 64 * 1024, "lanes": 64},
]


@pytest.mark.parametrize("kdf", HOSTILE, ids=lambda k: f"t{k['time_cost']}-m{k['memory_kib']}")
def test_validate_refuses_what_calibration_never_writes(kdf: dict[str, int]) -> None:
    with pytest.raises(VaultCorrupt):
        KdfParams(**kdf).validate()


def test_validate_accepts_every_calibration_outcome_with_headroom() -> None:
    # What calibrate() can return: 64, 128 or 256 MiB; passes up to its cap.
    for memory in (64 * 1024, 128 * 1024, 256 * 1024):
        for passes in range(1, 9):
            KdfParams(passes, memory).validate()
    KdfParams(1, 8 * 1024, 1).validate()  # the tests' fast settings
    assert MAX_MEMORY_KIB >= 4 * 256 * 1024
    assert MAX_TIME_COST >= 2 * 8
    assert MAX_WORK_KIB_PASSES >= 2 * 256 * 1024 * 8
    params = calibrate(target_seconds=0.05)
    params.validate()


def _tamper(path: Path, kdf: dict[str, int]) -> None:
    doc = json.loads(path.read_text())
    for slot in doc["slots"]:
        slot["kdf"].update(kdf)
    path.write_text(json.dumps(doc))


def test_tampered_vault_keys_refused_fast(cli: CliRunner) -> None:
    assert cli("init").code == 0
    _tamper(cli.data_dir / "vault.keys", HOSTILE[0])
    started = time.perf_counter()
    r = cli("list")
    elapsed = time.perf_counter() - started
    assert r.code == 4, (r.code, r.err)
    assert "damaged" in r.err
    assert elapsed < 5.0  # refused before Argon2id: 4 GiB × 64 passes would run minutes


def test_tampered_desk_identity_refused_fast(tmp_path: Path) -> None:
    from advisor_desktop.desk.identity import IDENTITY_FILE, keygen, unlock

    folder = tmp_path / "desk"
    keygen(folder, "Test desk", b"a desk passphrase long enough", KdfParams(1, 8192, 1))
    path = folder / IDENTITY_FILE
    doc = json.loads(path.read_text())
    doc["kdf"].update(HOSTILE[0])
    path.write_text(json.dumps(doc))
    started = time.perf_counter()
    with pytest.raises(VaultCorrupt, match="desk identity file is damaged"):
        unlock(folder, b"a desk passphrase long enough")
    assert time.perf_counter() - started < 5.0
