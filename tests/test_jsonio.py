"""Deeply nested JSON in a profile, a key file or a desk file is a damaged file, never a
RecursionError (platform/jsonio bounds the nesting before parsing)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from advisor_desktop.desk import identity as desk_identity
from advisor_desktop.desk.registry import ADVISORS_FILE, AdvisorRegistry
from advisor_desktop.desk.store import DESK
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import EXIT_OTHER, EXIT_VAULT, ProfileError, VaultCorrupt
from advisor_desktop.protocol.profile import parse_profile
from advisor_desktop.storage.keyfile import parse_key_file
from advisor_desktop.storage.store import VAULT
from tests.conftest import TEST_KDF, CliRunner

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


def test_loads_refuses_deep_nesting_as_a_decode_error() -> None:
    for text in (DEEP, DEEP_OBJECT, "[" * 100_000):
        with pytest.raises(json.JSONDecodeError) as caught:
            jsonio.loads(text)
        assert isinstance(caught.value, jsonio.JsonTooDeep)
    with pytest.raises(jsonio.JsonTooDeep) as caught:
        jsonio.loads(DEEP)
    assert caught.value.pos == jsonio.MAX_DEPTH  # where the bound was crossed


def test_loads_keeps_everything_within_the_bound() -> None:
    inside = "[" * jsonio.MAX_DEPTH + "]" * jsonio.MAX_DEPTH
    assert jsonio.nesting_depth(inside)[0] == jsonio.MAX_DEPTH
    doc = jsonio.loads(inside)
    for _level in range(jsonio.MAX_DEPTH - 1):
        (doc,) = doc
    assert doc == []
    # Brackets inside strings (escaped quotes too) do not count.
    assert jsonio.loads(b'{"a": "[[[[\\"{{{{", "b": [1]}') == {"a": '[[[["{{{{', "b": [1]}
    assert jsonio.loads('"' + "[" * 1000 + '"') == "[" * 1000


def test_depth_scan_is_linear_on_hostile_text() -> None:
    # An unterminated string of escaped quotes made the obvious pattern quadratic.
    hostile = '"' + '\\"' * 500_000
    start = time.perf_counter()
    with pytest.raises(json.JSONDecodeError):
        jsonio.loads(hostile)
    assert time.perf_counter() - start < 5  # quadratic would be hours; linear is ~10 ms


def test_deep_profile_is_a_profile_error() -> None:
    with pytest.raises(ProfileError):
        parse_profile(DEEP)


def test_deep_vault_key_file_is_a_damaged_vault() -> None:
    for kind in (VAULT, DESK):
        with pytest.raises(VaultCorrupt):
            parse_key_file(kind, DEEP.encode())


def test_cli_deep_vault_keys_exits_4(cli: CliRunner) -> None:
    assert cli("init").code == 0
    (cli.data_dir / "vault.keys").write_text(DEEP_OBJECT)
    result = cli("list")
    assert result.code == EXIT_VAULT
    assert "RecursionError" not in result.err
    assert "unexpected" not in result.err.lower()


def test_cli_deep_profile_import_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("init").code == 0
    hostile = tmp_path / "profile.json"
    hostile.write_text(DEEP)
    result = cli("profile", "import", str(hostile))
    assert result.code == EXIT_OTHER  # ProfileError, as for any profile that is not JSON
    assert "neither a profile nor a desk key file" in result.err
    assert "RecursionError" not in result.err


def test_deep_desk_files_are_damaged(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    desk_identity.keygen(folder, "Desk", b"desk passphrase", TEST_KDF)
    (folder / desk_identity.IDENTITY_FILE).write_text(DEEP_OBJECT)
    with pytest.raises(VaultCorrupt):
        desk_identity.unlock(folder, b"desk passphrase")
    (folder / ADVISORS_FILE).write_text(DEEP)
    with pytest.raises(VaultCorrupt):
        AdvisorRegistry(folder).load()
