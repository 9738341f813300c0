"""A package taken from the intake server decrypts with Debian's ``age`` tool and the desk's
identity exported by ``advisor-desk export-age-identity``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from advisor_desktop.desk.identity import unlock
from tests.desk.conftest import DESK_PASS
from tests.intake.harness import LiveServer, TestDesk


def test_the_export_is_the_desk_identity_and_refuses_to_overwrite(
    desk: TestDesk, tmp_path: Path
) -> None:
    out = tmp_path / "desk.age-identity"
    done = desk("export-age-identity", "--out", str(out))
    assert done.code == 0, done.err
    assert "Warning" in done.err
    assert out.stat().st_mode & 0o077 == 0
    identity = unlock(desk.runner.folder, DESK_PASS.encode()).age_identity
    assert str(identity) in out.read_text(encoding="utf-8").splitlines()
    assert desk("export-age-identity", "--out", str(out)).code == 2
    assert (
        desk(
            "export-age-identity",
            "--out",
            str(tmp_path / "x"),
            env={"ADVISOR_DESK_PASSPHRASE": "wrong passphrase!"},
        ).code
        == 3
    )


@pytest.mark.skipif(shutil.which("age") is None, reason="the age tool is not installed")
def test_age_decrypts_a_package_from_the_server(
    desk: TestDesk, server: LiveServer, tmp_path: Path
) -> None:
    device = desk.devices[0]
    referral_id, package = device.package(desk.recipient)
    with server.client(device.key) as client:
        client.deliver(referral_id, package)
    desk_key = unlock(desk.runner.folder, DESK_PASS.encode()).signing_key
    with server.client(desk_key) as workstation:
        taken = workstation.fetch(referral_id)
    assert taken == package
    (tmp_path / "taken.referral").write_bytes(taken)
    identity = tmp_path / "desk.age-identity"
    assert desk("export-age-identity", "--out", str(identity)).code == 0
    done = subprocess.run(
        ["age", "-d", "-i", str(identity), str(tmp_path / "taken.referral")],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    envelope = json.loads(done.stdout)
    assert envelope["format"] == "advisor-desktop-referral"
    assert envelope["payload"]["referral_id"] == referral_id
