"""The server starts only on a folder whose every file verifies with the desk key, holds no
desk secret, and listens without TLS only on loopback; a newer device list is taken while it
runs, an older one never."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.enrolment import ENROLMENT_FILE, build_enrolment
from advisor_desktop.desk.server.folder import (
    ServerFolderError,
    load_server_folder,
    write_intake_key,
)
from advisor_desktop.desk.sync import IntakeRefused
from advisor_desktop.protocol.keys import canonical_json
from tests.desk.conftest import DeskRunner
from tests.intake.harness import Device, LiveServer, TestDesk, Tls

NOW = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def serve(desk: TestDesk, *extra: str, folder: Path | None = None) -> tuple[int, str]:
    done = desk(
        "serve", "--listen", "127.0.0.1:1", "--server-dir", str(folder or desk.server_dir), *extra
    )
    return done.code, done.err


def test_a_folder_from_server_setup_loads(desk: TestDesk) -> None:
    loaded = load_server_folder(desk.server_dir, NOW)
    assert set(loaded.enrolment.devices) == {d.key_id for d in desk.devices}
    assert loaded.cert.intake_key_id == loaded.intake_key_id
    assert sorted(p.name for p in desk.server_dir.iterdir()) == [
        "desk-public.json",
        "enrolment.json",
        "intake-certificate.json",
        "intake-key.json",
    ]
    assert (desk.server_dir / "intake-key.json").stat().st_mode & 0o077 == 0


def _tamper(desk: TestDesk, change: str) -> None:
    path = desk.server_dir / ENROLMENT_FILE
    doc = json.loads(path.read_bytes())
    if change == "unsigned":
        del doc["signature"]
        path.write_bytes(canonical_json(doc))
    elif change == "device added":
        stranger = Device("stranger")
        doc["enrolment"]["devices"].append({"key_id": "f" * 32, "public_key": stranger.public_text})
        path.write_bytes(canonical_json(doc))
    elif change == "signed by another key":
        path.write_bytes(
            build_enrolment(
                [Device("x").key.public_key().public_bytes_raw()],
                Ed25519PrivateKey.generate(),
                99,
                NOW,
            )
        )
    elif change == "not canonical":
        path.write_text(json.dumps(doc, indent=2))
    elif change == "missing":
        path.unlink()


@pytest.mark.parametrize(
    "change", ["unsigned", "device added", "signed by another key", "not canonical", "missing"]
)
def test_a_device_list_that_does_not_verify_is_refused_at_start(
    desk: TestDesk, change: str
) -> None:
    _tamper(desk, change)
    with pytest.raises(ServerFolderError):
        load_server_folder(desk.server_dir, NOW)
    code, err = serve(desk)
    assert code == 4
    assert "enrolment.json" in err


def test_a_certificate_of_another_desk_or_key_is_refused(desk: TestDesk, tmp_path: Path) -> None:
    other = DeskRunner(tmp_path / "other-desk", desk.runner.policy)
    assert other("init", "--name", "Other desk").code == 0
    assert other("server-setup", "--server-dir", str(tmp_path / "other-server")).code == 0
    shutil.copy(
        tmp_path / "other-server" / "intake-certificate.json",
        desk.server_dir / "intake-certificate.json",
    )
    with pytest.raises(ServerFolderError, match="intake-certificate"):
        load_server_folder(desk.server_dir, NOW)
    shutil.copy(tmp_path / "other-server" / "intake-key.json", desk.server_dir / "intake-key.json")
    assert desk("server-setup", "--server-dir", str(desk.server_dir)).code == 0
    load_server_folder(desk.server_dir, NOW)  # the folder's key, certified by this desk now
    write_intake_key(desk.server_dir, Ed25519PrivateKey.generate())
    with pytest.raises(ServerFolderError, match="certifies another key"):
        load_server_folder(desk.server_dir, NOW)


def test_an_expired_certificate_is_refused(desk: TestDesk) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=800)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(ServerFolderError, match="not valid now"):
        load_server_folder(desk.server_dir, later)


def test_the_desk_folder_is_never_a_server_folder(desk: TestDesk) -> None:
    code, err = serve(desk, folder=desk.runner.folder)
    assert code == 4
    assert "desk-identity.json" in err or "desk.db" in err
    refused = desk("server-setup", "--server-dir", str(desk.runner.folder))
    assert refused.code == 4
    shutil.copy(desk.runner.folder / "desk-identity.json", desk.server_dir)
    code, err = serve(desk)
    assert code == 4
    assert "desk-identity.json" in err


def test_plain_http_only_on_loopback(desk: TestDesk, tls: Tls) -> None:
    done = desk("serve", "--listen", "0.0.0.0:8443", "--server-dir", str(desk.server_dir))
    assert done.code == 2
    assert "loopback" in done.err
    half = desk(
        "serve",
        "--listen",
        "0.0.0.0:8443",
        "--server-dir",
        str(desk.server_dir),
        "--tls-cert",
        str(tls.cert),
    )
    assert half.code == 2
    bad = desk("serve", "--listen", "nonsense", "--server-dir", str(desk.server_dir))
    assert bad.code == 2


def test_a_new_device_list_is_taken_while_running_and_an_old_one_never(
    desk: TestDesk, tls: Tls
) -> None:
    newcomer = Device("Advisor new")
    old = (desk.server_dir / ENROLMENT_FILE).read_bytes()
    with LiveServer(desk.server_dir, tls) as live, live.client(newcomer.key) as client:
        with pytest.raises(IntakeRefused) as unknown:
            client.deliver(*newcomer.package(desk.recipient))
        assert unknown.value.code == "unknown-key"
        assert desk("enrol", newcomer.public_text, "--name", newcomer.name, "--yes").code == 0
        out = desk.server_dir / ENROLMENT_FILE
        assert desk("export-enrolment", "--out", str(out)).code == 0
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while True:
            try:
                assert client.deliver(*newcomer.package(desk.recipient)).status == 201
                break
            except IntakeRefused:
                if dt.datetime.now() > deadline:
                    raise
    # The server remembers the newest serial: the older list is refused at the next start.
    (desk.server_dir / ENROLMENT_FILE).write_bytes(old)
    with pytest.raises(ServerFolderError, match="older"), LiveServer(desk.server_dir, tls):
        pass
