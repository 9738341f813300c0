"""The encrypted store, for the vault and the desk store alike: key slots, the SQLCipher
connection, schema and migrations, backup, lock (``database``, ``kind``; the vault: ``store``).

Import from the modules themselves (``storage.store``, ``storage.meta``, ``storage.backup``):
the package re-exports nothing, so each name has one import path.
"""
