"""Opening a SQLite database and bringing its schema up to date.

Migrations are numbered SQL files in `migrations/`; `PRAGMA user_version` holds the number
of the last one applied, so a fresh file and an old file both end at the newest schema.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 5000
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote (sqlite3 types `lastrowid` as optional; after
    an INSERT that wrote a row it is always set)."""
    row_id = cursor.lastrowid
    assert row_id is not None, "an INSERT that wrote a row has its id"
    return row_id


def rows_of(conn: sqlite3.Connection,
            statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
    """The rows of each statement, in order: reads that do not depend on one another.
    SQLite runs them one by one (calls inside the process); PostgreSQL's connection
    (`postgres/statements.py`) sends them in one round trip."""
    together = getattr(conn, "execute_together", None)
    if together is not None:
        return together(statements)
    return [conn.execute(sql, params).fetchall() for sql, params in statements]


def write_ahead(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> None:
    """A write whose answer nobody reads (no rowcount, no id). SQLite runs it at once;
    PostgreSQL's connection sends it ahead, in the round trip of the statement after it,
    as it does every `executemany` (which answers nothing), so an error of it raises
    there."""
    conn.executemany(sql, [params])


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration, in order."""
    found = []
    for entry in resources.files("deskline.store").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {numbers}")
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the file; each in its own transaction."""
    current = schema_version(conn)
    steps = migrations()
    if current > len(steps):
        raise RuntimeError(
            f"this database has schema version {current}, newer than this Deskline knows "
            f"({len(steps)}); upgrade Deskline"
        )
    for number, _name, sql in steps[current:]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would commit first; run the statements one by one instead.
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers contain semicolons)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def connect(path: str | Path, *, create: bool = True, durable: bool = False
            ) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, foreign keys on.

    `durable`: every commit is on disk before it returns (synchronous FULL), for writers
    that acknowledge to someone else (an HTTP 2xx, an SMTP 250) — NORMAL may lose the last
    commits on a power cut. A console or a command on its own file keeps NORMAL."""
    path = str(path)
    if path != ":memory:" and not create and not Path(path).exists():
        raise FileNotFoundError(f"no database at {path}")
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB
    conn.execute("PRAGMA temp_store = MEMORY")
    migrate(conn)
    return conn
