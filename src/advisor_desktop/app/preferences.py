"""Preferences of the desktop app, Qt-free.

Two homes, on purpose:

- :class:`UiPreferences` (idle time, clipboard timeout) live *inside the vault* (``meta``
  table), so they are encrypted and travel with a backup; they can only be read once unlocked.
- The UI language lives in a small non-sensitive JSON file in the config folder, because it
  is needed *before* the vault is unlocked (the wizard and the unlock window are translated).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor_desktop.platform.errors import ValidationError
from advisor_desktop.platform.fsutil import atomic_write, private_dir
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.languages import PSEUDO_LOCALE, match_tag, ui_languages

if TYPE_CHECKING:
    from advisor_desktop.storage.store import Vault

log = logging.getLogger(__name__)

UI_PREFS_KEY = "ui.preferences"
CONFIG_FILE = "ui.json"


@dataclass(frozen=True)
class UiPreferences:
    """Per-vault preferences of the desktop UI."""

    idle_minutes: int = 5
    clipboard_seconds: int = 30

    def validated(self) -> UiPreferences:
        """Self, or a :class:`ValidationError` for out-of-range values."""
        if not 1 <= self.idle_minutes <= 240:
            raise ValidationError(_("The idle time must be between 1 and 240 minutes."))
        if not 5 <= self.clipboard_seconds <= 600:
            raise ValidationError(_("The clipboard timeout must be between 5 and 600 seconds."))
        return self


def load_preferences(vault: Vault) -> UiPreferences:
    """The stored preferences, or the defaults when none (or unreadable ones) are stored."""
    from advisor_desktop.storage.meta import get_meta

    text = get_meta(vault, UI_PREFS_KEY)
    if text is None:
        return UiPreferences()
    try:
        raw = json.loads(text)
        prefs = UiPreferences(
            idle_minutes=int(raw.get("idle_minutes", 5)),
            clipboard_seconds=int(raw.get("clipboard_seconds", 30)),
        )
        return prefs.validated()
    except (ValueError, TypeError, AttributeError, ValidationError):
        log.warning("ui_preferences_invalid")
        return UiPreferences()


def save_preferences(vault: Vault, prefs: UiPreferences) -> None:
    """Validate and store ``prefs`` in the vault."""
    from advisor_desktop.storage.meta import set_meta

    set_meta(vault, UI_PREFS_KEY, json.dumps(asdict(prefs.validated())))


def read_language(config_dir: Path) -> str | None:
    """The UI language chosen earlier, canonical, or None (never fails: a bad file, or a
    language this version has no catalog for, means no choice)."""
    try:
        raw = json.loads((config_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    lang = raw.get("language") if isinstance(raw, dict) else None
    if not isinstance(lang, str) or len(lang) > 16:
        return None
    return match_tag(lang, [*ui_languages(), PSEUDO_LOCALE])


def write_language(config_dir: Path, lang: str) -> None:
    """Remember ``lang`` as the UI language (takes effect at the next start)."""
    private_dir(config_dir)
    data = json.dumps({"language": lang}).encode("utf-8")
    atomic_write(config_dir / CONFIG_FILE, data, what=_("the settings"))


SYNC_SETTINGS_KEY = "sync.settings"


@dataclass(frozen=True)
class SyncSettings:
    """How this device reaches the desk's intake server, when not as the desk's public file
    says (kept in the vault): another address, and an explicit proxy (None: the system's)."""

    intake_url: str | None = None
    proxy: str | None = None

    def validated(self) -> SyncSettings:
        """Self with both values checked and normalised; a typed error with a translated
        message otherwise (``ProfileError`` for the address, ``TransportConfigError`` for the
        proxy)."""
        from advisor_desktop.protocol.desk_public import parse_intake_url
        from advisor_desktop.referral.transport import parse_proxy_url

        url = (self.intake_url or "").strip() or None
        proxy = (self.proxy or "").strip() or None
        return SyncSettings(
            intake_url=None if url is None else parse_intake_url(url),
            proxy=None if proxy is None else parse_proxy_url(proxy),
        )


def load_sync_settings(vault: Vault) -> SyncSettings:
    """The stored sync settings, or none set (an unreadable value counts as none)."""
    from advisor_desktop.platform.errors import AdvisorError
    from advisor_desktop.storage.meta import get_meta

    text = get_meta(vault, SYNC_SETTINGS_KEY)
    if text is None:
        return SyncSettings()
    try:
        raw = json.loads(text)
        url, proxy = raw.get("intake_url"), raw.get("proxy")
        return SyncSettings(
            intake_url=url if isinstance(url, str) else None,
            proxy=proxy if isinstance(proxy, str) else None,
        ).validated()
    except (ValueError, AttributeError, AdvisorError):
        log.warning("sync_settings_invalid")
        return SyncSettings()


def save_sync_settings(vault: Vault, settings: SyncSettings) -> SyncSettings:
    """Validate and store ``settings`` in the vault; returns them as stored."""
    from advisor_desktop.storage.meta import set_meta

    checked = settings.validated()
    set_meta(vault, SYNC_SETTINGS_KEY, json.dumps(asdict(checked)))
    return checked
