"""Opening a PostgreSQL database and bringing its schema up to date.

The migrations in `migrations/` carry the names of SQLite's (`deskline/store/migrations/`),
one for one: the same number gives the same tables and columns on both
(tests/postgres/test_schema.py checks it). The table `schema_version` holds the number of
the last one applied, as SQLite's `PRAGMA user_version` does.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING

from deskline.store import db

if TYPE_CHECKING:
    import psycopg

# PostgreSQL's own bookkeeping, not tables of the helpdesk (never copied or compared): the
# schema's version, the directory's (migration 0019, `memo.py`).
VERSION_TABLE = "schema_version"
BOOKKEEPING_TABLES = (VERSION_TABLE, "directory_version")
# Held by the transaction that migrates: two server processes starting at once take turns.
_MIGRATION_LOCK = 0x6465736B  # "desk"


def is_url(target: str) -> bool:
    """A PostgreSQL connection URL rather than a file name."""
    return target.startswith(("postgresql://", "postgres://"))


def shown_url(target: str) -> str:
    """`target` as messages show it: a URL's password as ***."""
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", target)


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every PostgreSQL migration, in order: SQLite's names,
    each with its file here; the first SQLite migration without one ends the list."""
    folder = resources.files("deskline.store.postgres").joinpath("migrations")
    found = []
    for number, name, _sqlite_sql in db.migrations():
        entry = folder.joinpath(name)
        if not entry.is_file():
            break
        found.append((number, name, entry.read_text(encoding="utf-8")))
    return found


def connect(url: str, *, migrate_schema: bool = True) -> psycopg.Connection:
    """A connection in autocommit mode (transactions are explicit), schema up to date."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    if migrate_schema:
        migrate(conn)
    return conn


def schema_version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,)).fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
    return row[0] if row else 0


def level_ids(conn: psycopg.Connection, table: str, high_water: int = 0) -> None:
    """The next id `table`'s identity hands out comes after its highest one (and after
    `high_water`): rows written with ids of their own do not move it."""
    conn.execute(
        "SELECT setval(seq, greatest(coalesce(top, 0), %s, 1), greatest(top, %s) > 0)"
        f" FROM (SELECT pg_get_serial_sequence(%s, 'id') AS seq,"
        f" (SELECT max(id) FROM {table}) AS top) ids WHERE seq IS NOT NULL",
        (high_water, high_water, table))


def migrate(conn: psycopg.Connection) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    steps = migrations()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer NOT NULL)")
        current = schema_version(conn)
    if current > len(steps):
        raise RuntimeError(
            f"this database has schema version {current}, newer than this Deskline knows "
            f"({len(steps)}); upgrade Deskline")
    for number, _name, sql in steps[current:]:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            if schema_version(conn) >= number:  # another process got there first
                continue
            # The whole file at once: functions' bodies hold semicolons of their own.
            conn.execute(sql.encode())
            conn.execute(f"DELETE FROM {VERSION_TABLE}")
            conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (number,))
    return schema_version(conn)
