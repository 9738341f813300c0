"""``advisor selftest``: check every dependency works on this machine and report versions.

It builds a throwaway vault in a temporary folder (encrypted like a real one), so it proves
SQLCipher, FTS5, Argon2id, AEAD and the settings we rely on, without touching the advisor's
data. A protection that is off (core dumps still possible) is a failed check. Exit 0 only if
every check passed.

The Qt check runs in a child process with a minimal environment (:func:`child_environment`):
the passphrase variables and whatever else the parent holds never reach it.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from advisor_desktop import __version__
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.models import ContactChannel, ConversationRecord, VisitorRole
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.hardening import disable_core_dumps
from advisor_desktop.platform.i18n import _, ngettext, pgettext
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import load_profile
from advisor_desktop.storage.store import VaultSettings, create_vault, open_vault

_QT_PROBE = (
    "import sys\n"
    "from PySide6 import QtCore, QtGui\n"
    "app = QtGui.QGuiApplication(sys.argv)\n"
    "print(QtCore.qVersion())\n"
)


#: What the Qt probe may see of the environment: where programs, home and XDG folders,
#: temporary files, the language and the display are, and how Python and Qt find their
#: modules. Nothing else (no ADVISOR_PASSPHRASE, no tokens) is passed on.
_CHILD_ENV_NAMES = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TMPDIR", "TEMP", "TMP",
        "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME",
        "XDG_CACHE_HOME", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS",
        "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "QT_PLUGIN_PATH",
        "PYTHONPATH", "PYTHONHOME", "SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT",
        "USERPROFILE", "APPDATA", "LOCALAPPDATA",
    }
)  # fmt: skip


def child_environment(parent: Mapping[str, str]) -> dict[str, str]:
    """The environment of the selftest's child process: only :data:`_CHILD_ENV_NAMES` (and
    the ``LC_*`` locale variables) of ``parent``, with Qt offscreen unless a platform is set."""
    env = {
        name: value
        for name, value in parent.items()
        if name in _CHILD_ENV_NAMES or (name.startswith("LC_") and name[3:].isalpha())
    }
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _core_dumps() -> str:
    if sys.platform == "win32":
        return _("not applicable (Windows writes no core files)")
    if not disable_core_dumps():
        raise RuntimeError(_("the core-file size limit could not be set to 0"))
    return _("core-file size limit 0")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def register(sub: Any) -> None:
    """Add ``selftest`` to the ``advisor`` parser."""
    p = sub.add_parser("selftest", help=_("check that everything works on this machine"))
    p.set_defaults(func=cmd_selftest)


def cmd_selftest(ctx: CliContext) -> int:
    out = ctx.console.out
    failures = 0
    ok_word = pgettext("selftest result", "ok")
    fail_word = pgettext("selftest result", "FAIL")
    width = max(len(ok_word), len(fail_word)) + 2

    def result(word: str, name: str, detail: str) -> None:
        out(f"  {word.ljust(width)}{name}: {detail}")

    def check(name: str, fn: Callable[[], str]) -> None:
        nonlocal failures
        try:
            detail = fn()
            result(ok_word, name, detail)
        except Exception as exc:
            failures += 1
            result(fail_word, name, f"{type(exc).__name__}: {str(exc)[:120]}")

    out(
        f"Advisor Desktop {__version__} on Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()})"
    )
    out(
        f"  cryptography {_version('cryptography')}, pyrage {_version('pyrage')}, "
        f"sqlcipher3 {_version('sqlcipher3')}, PySide6 {_version('PySide6-Essentials')}, "
        f"babel {_version('babel')}, platformdirs {_version('platformdirs')}"
    )
    check(_("core dumps disabled"), _core_dumps)

    def qt() -> str:
        result = subprocess.run(
            [sys.executable, "-c", _QT_PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            env=child_environment(ctx.console.env),
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "?")
        return "Qt " + result.stdout.strip()

    check("Qt", qt)

    with tempfile.TemporaryDirectory(prefix="advisor-selftest-") as tmp:
        paths = AppPaths(data=Path(tmp), config=Path(tmp) / "config", logs=Path(tmp) / "logs")
        policy = ctx.policy if ctx.policy is not None else KdfPolicy()
        state: dict[str, VaultSettings] = {}

        def kdf() -> str:
            start = time.perf_counter()
            params = policy.params()
            return ngettext(
                "Argon2id calibrated to {mib} MiB, {n} pass, parallelism {lanes} "
                "({seconds} s to calibrate)",
                "Argon2id calibrated to {mib} MiB, {n} passes, parallelism {lanes} "
                "({seconds} s to calibrate)",
                params.time_cost,
            ).format(
                mib=params.memory_kib // 1024,
                n=params.time_cost,
                lanes=params.lanes,
                seconds=f"{time.perf_counter() - start:.2f}",
            )

        check(_("key derivation"), kdf)

        def vault() -> str:
            secret = bytearray(b"selftest passphrase")
            v, _code = create_vault(paths, secret, policy)
            v.close()
            start = time.perf_counter()
            v = open_vault(paths, secret, policy)
            unlock = time.perf_counter() - start
            with v:
                s = v.settings()
                notebook = Notebook(v, load_profile())
                rid = notebook.add(
                    ConversationRecord(
                        conv_date=__import__("datetime").date(2026, 1, 2),
                        channel=ContactChannel.IN_PERSON,
                        role=VisitorRole.OTHER,
                        notes="Selftest Überprüfung проверка 测试",
                        categories=("other",),
                    )
                )
                found = [h.summary.id for h in notebook.search("uberpruf")]
                found_cjk = [h.summary.id for h in notebook.search("测")]
                if found != [rid] or found_cjk != [rid]:
                    raise RuntimeError(_("full-text search did not find the test record"))
            state["settings"] = s
            return _("unlock {seconds} s, write and FTS5 search ok").format(seconds=f"{unlock:.2f}")

        check(_("encrypted vault"), vault)
        s = state.get("settings")
        if s is not None:
            out(f"  SQLCipher {s.sqlcipher_version} (SQLite {s.sqlite_version})")
            out(
                f"    temp_store={s.temp_store} secure_delete={s.secure_delete} "
                f"journal_mode={s.journal_mode} synchronous={s.synchronous} "
                f"foreign_keys={s.foreign_keys} schema={s.schema_version}"
            )
            out(f"    {s.cipher_settings}")
            if (s.temp_store, s.secure_delete, s.journal_mode, s.synchronous) != (
                2,
                1,
                "wal",
                2,
            ):
                failures += 1
                result(
                    fail_word,
                    _("vault settings"),
                    _("they differ from what the design requires"),
                )

    def age() -> str:
        import pyrage

        ident = pyrage.x25519.Identity.generate()
        blob = pyrage.encrypt(b"selftest", [ident.to_public()])
        if pyrage.decrypt(blob, [ident]) != b"selftest":
            raise RuntimeError(_("the encrypt and decrypt round trip failed"))
        return _("x25519 encrypt and decrypt round trip ok")

    check("age (pyrage)", age)

    def ed25519() -> str:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        key.public_key().verify(key.sign(b"selftest"), b"selftest")
        return _("sign and verify ok")

    check("Ed25519", ed25519)
    if failures == 0:
        out(_("All checks passed."))
    else:
        out(ngettext("{n} check failed.", "{n} checks failed.", failures).format(n=failures))
    return 0 if failures == 0 else 1
