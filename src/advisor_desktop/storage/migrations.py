"""Schema versions (``PRAGMA user_version``) and the steps between them, for any store.

A store's schema is a list of steps: step ``i`` moves the database from version ``i`` to
``i + 1``, and the current version is the length of the list. Each step runs inside one
transaction with its version bump, so a crash leaves the old version intact. The vault's steps
are in ``storage/schema.py``, the desk store's in ``desk/schema.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Connection = Any  # sqlcipher3.Connection (untyped C extension)
Migration = Callable[[Connection], None]


def split_statements(sql: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals); lines
    that are ``--`` comments are dropped first."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def script(sql: str) -> Migration:
    """A step that runs the statements of ``sql`` in order."""

    def run(conn: Connection) -> None:
        for statement in split_statements(sql):
            conn.execute(statement)

    return run


def migrate(conn: Connection, steps: Sequence[Migration], target: int | None = None) -> int:
    """Bring the schema up to ``target`` (default: the last of ``steps``); returns the version
    found before."""
    goal = len(steps) if target is None else target
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for version in range(found, goal):
        conn.execute("BEGIN IMMEDIATE")
        try:
            steps[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found
