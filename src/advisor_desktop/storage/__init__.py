"""The encrypted store: key slots, the SQLCipher connection, schema and migrations.

Import from the modules themselves (``storage.store``, ``storage.meta``, ``storage.backup``):
the package re-exports nothing, so each name has one import path.
"""
