"""Small key/value settings stored inside the vault (encrypted like everything else)."""

from __future__ import annotations

from advisor_desktop.protocol.profile import OrgProfile, parse_profile
from advisor_desktop.storage.store import Vault

PROFILE_KEY = "profile"


def get_meta(vault: Vault, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    with vault.read() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(vault: Vault, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (replacing any earlier value)."""
    with vault.write() as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def store_profile(vault: Vault, profile: OrgProfile) -> None:
    """Make ``profile`` the vault's active organisation profile."""
    set_meta(vault, PROFILE_KEY, profile.to_json())


def load_vault_profile(vault: Vault) -> OrgProfile:
    """The vault's active profile (the shipped default if none was stored yet)."""
    from advisor_desktop.protocol.profile import load_profile

    text = get_meta(vault, PROFILE_KEY)
    return load_profile() if text is None else parse_profile(text)
