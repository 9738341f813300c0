"""``advisor selftest`` fails when a protection it checks is off, and its child process sees
none of the parent's secrets; ``disable_core_dumps`` really sets the core-file limit to 0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from advisor_desktop.cli.advisor import selftest
from advisor_desktop.platform.hardening import disable_core_dumps
from tests.conftest import CliRunner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="core files are POSIX")

SECRET = "hunter2-do-not-leak"


def test_disable_core_dumps_sets_the_limit_to_zero() -> None:
    import resource

    assert disable_core_dumps() is True
    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)


def test_disable_core_dumps_reports_a_refused_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    def refuse(_which: int, _limits: tuple[int, int]) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(resource, "setrlimit", refuse)
    assert disable_core_dumps() is False


def test_disable_core_dumps_checks_the_limit_it_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    monkeypatch.setattr(resource, "setrlimit", lambda _which, _limits: None)
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (0, resource.RLIM_INFINITY))
    assert disable_core_dumps() is False


def test_child_environment_keeps_only_what_the_child_needs() -> None:
    parent = {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "LANG": "fr_FR.UTF-8",
        "LC_ALL": "fr_FR.UTF-8",
        "XDG_RUNTIME_DIR": "/run/user/1000",
        "ADVISOR_PASSPHRASE": SECRET,
        "ADVISOR_DESK_PASSPHRASE": SECRET,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "GITHUB_TOKEN": SECRET,
        "LC_SECRET=": SECRET,
    }
    assert selftest.child_environment(parent) == {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "LANG": "fr_FR.UTF-8",
        "LC_ALL": "fr_FR.UTF-8",
        "XDG_RUNTIME_DIR": "/run/user/1000",
        "QT_QPA_PLATFORM": "offscreen",
    }


@pytest.mark.gui
def test_the_child_process_does_not_see_the_parents_secrets(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = tmp_path / "child-env.json"
    # The real probe, which also writes down the environment it was given.
    probe = selftest._QT_PROBE + (
        f"import json, os\nopen({str(seen)!r}, 'w').write(json.dumps(dict(os.environ)))\n"
    )
    monkeypatch.setattr(selftest, "_QT_PROBE", probe)
    import os

    # In the process's own environment too: the child must not inherit it from there.
    monkeypatch.setenv("ADVISOR_PASSPHRASE", SECRET)
    monkeypatch.setenv("SOME_API_TOKEN", SECRET)
    env = {**os.environ, "ADVISOR_PASSPHRASE": SECRET, "SOME_API_TOKEN": SECRET}
    result = cli("selftest", env=env)
    assert result.code == 0, result.out + result.err
    assert "All checks passed." in result.out
    child = json.loads(seen.read_text())
    assert "ADVISOR_PASSPHRASE" not in child
    assert "SOME_API_TOKEN" not in child
    assert SECRET not in json.dumps(child)
    assert child["PATH"] == os.environ["PATH"]
    assert child["HOME"] == os.environ["HOME"]


def test_selftest_fails_when_core_dumps_stay_enabled(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import resource

    def refuse(_which: int, _limits: tuple[int, int]) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(resource, "setrlimit", refuse)
    result = cli("selftest")
    assert result.code == 1
    line = next(x for x in result.out.splitlines() if "core dumps disabled" in x)
    assert line.split()[:1] == ["FAIL"]
    assert "the core-file size limit could not be set to 0" in line
    assert "All checks passed." not in result.out
    assert "check failed." in result.out
