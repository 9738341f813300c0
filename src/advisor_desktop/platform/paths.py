"""Where Advisor Desktop keeps its files: platformdirs, or one folder given by ``--data-dir``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "AdvisorDesktop"
APP_AUTHOR = "AdvisorDesktop"


@dataclass(frozen=True)
class AppPaths:
    """The folders the application writes to. Nothing is created until :meth:`ensure`."""

    data: Path
    config: Path
    logs: Path

    @property
    def vault_db(self) -> Path:
        """The SQLCipher database."""
        return self.data / "vault.db"

    @property
    def key_slots(self) -> Path:
        """The key-slot file beside the database (wrapped keys only)."""
        return self.data / "vault.keys"

    @property
    def lock_file(self) -> Path:
        """Held while a process has the vault open."""
        return self.data / "vault.lock"

    def ensure(self) -> None:
        """Create the folders, and any missing parents, owner-only (0700) whatever the umask;
        make existing ones owner-only. Raises ``OSError``."""
        from advisor_desktop.platform.fsutil import private_dir

        for folder in (self.data, self.config, self.logs):
            private_dir(folder)


def resolve_paths(data_dir: str | Path | None = None) -> AppPaths:
    """Folders from platformdirs, or everything inside ``data_dir`` (a vault on a USB stick)."""
    if data_dir is not None:
        root = Path(data_dir).expanduser().resolve()
        return AppPaths(data=root, config=root / "config", logs=root / "logs")
    # Imported here: a --data-dir start (a vault on a USB stick) does not need it.
    import platformdirs

    return AppPaths(
        data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
    )


def package_dir() -> Path:
    """The folder of the installed ``advisor_desktop`` package, which holds its data files.

    In a frozen bundle (PyInstaller) that is the package folder inside the bundle's data
    folder (``sys._MEIPASS``: ``_internal/`` beside the executables, or ``Contents/Frameworks``
    of the macOS app), where packaging/advisor-desktop.spec puts ``resources/`` and ``locale/``.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "advisor_desktop"
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """The ``resources/`` folder (installed inside the package, or in a source checkout)."""
    from advisor_desktop.platform.errors import ProfileError
    from advisor_desktop.platform.i18n import _

    here = package_dir()
    for candidate in (here / "resources", here.parent.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise ProfileError(_("The application's resources folder is missing; reinstall it."))
