"""The encrypted store: key slots, the SQLCipher connection, schema and migrations."""

from advisor_desktop.storage.store import (
    Vault,
    VaultSettings,
    change_passphrase,
    create_vault,
    open_vault,
    open_vault_with_recovery,
    vault_exists,
)

__all__ = [
    "Vault",
    "VaultSettings",
    "change_passphrase",
    "create_vault",
    "open_vault",
    "open_vault_with_recovery",
    "vault_exists",
]
