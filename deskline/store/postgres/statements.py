"""The query mixins' SQLite statements run on PostgreSQL, so each query is written once.

The schema keeps SQLite's values on PostgreSQL (text timestamps, 0/1 flags, citext where
SQLite says NOCASE), so most statements differ only in spelling. `translate` respells a
statement once (kept by its text, in a bounded cache):

- `?` → `%s` outside quotes, and `%` → `%%` everywhere;
- `INSERT OR IGNORE` → `ON CONFLICT DO NOTHING`;
- `LIKE` → `ILIKE` (SQLite's LIKE ignores case); `x COLLATE NOCASE` → `lower(x)` (and
  `x = ? COLLATE NOCASE` → `lower(x) = lower(?)`);
- `INDEXED BY`, `NOT INDEXED` dropped;
- `group_concat` → `string_agg`; scalar `max`/`min` → `greatest`/`least`;
- `IS`/`IS NOT` between values → `IS [NOT] DISTINCT FROM`; an empty `IN ()` → an empty set;
- NULLs first in the sorts over nullable columns (the outbox's due rows, a ticket's SLAs);
- an INSERT into a table keyed by `id` returns it (SQLite's `lastrowid`).

- a ticket filter's FTS5 words → the GIN match (`postgres/search.py`).

What cannot be respelled (PRAGMA, strftime) is a method of `store/postgres/<subject>.py`
overriding the mixin's, or a value the mixin reads (`SearchQueries.SUBJECT_MATCH`).

`StatementConnection` is the part of `sqlite3.Connection` the mixins use (`execute`,
`executemany`, cursors with `fetchone`, `fetchall`, iteration, `rowcount`, `lastrowid`)
over `PgConnections`: in the thread's transaction, else on a connection borrowed for the
statement (its rows are read before it goes back to the pool).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from deskline.store.postgres.memo import VERSION, statement_writes
from deskline.store.postgres.search import TICKET_IDS_MATCHING

if TYPE_CHECKING:
    import psycopg

    from deskline.store.postgres.connection import PgConnections
    from deskline.store.postgres.memo import VersionMemo

_LITERAL = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\")")
_RULES = [
    (re.compile(r"\bLIKE\b"), "ILIKE"),
    (re.compile(r"\bgroup_concat\(", re.IGNORECASE), "string_agg("),
    # SQLite's NOCASE on a column or a comparison: lower() on both sides (some of those
    # columns are text, not citext, on PostgreSQL; lower(name) is their index there).
    (re.compile(r"([\w.]+) = \? COLLATE NOCASE\b", re.IGNORECASE), r"lower(\1) = lower(?)"),
    (re.compile(r"([\w.]+) COLLATE NOCASE\b", re.IGNORECASE), r"lower(\1)"),
    # SQLite's index hints; PostgreSQL's planner chooses by its statistics.
    (re.compile(r"\s+(?:INDEXED BY \w+|NOT INDEXED)\b", re.IGNORECASE), ""),
    (re.compile(r"\bIS NOT (?!NULL\b|DISTINCT\b)"), "IS DISTINCT FROM "),
    (re.compile(r"\bIS (?!NOT\b|NULL\b|DISTINCT\b)"), "IS NOT DISTINCT FROM "),
    # SQLite takes an empty list; an empty set of ids keeps NOT IN true, as there.
    (re.compile(r"\bIN \(\)"), "IN (SELECT 0 WHERE FALSE)"),
    # The sorts over a column that may be NULL: first, as SQLite puts them (PostgreSQL
    # puts them last). Not every sort: NULLS FIRST would keep the board's indexes from
    # giving its order. A new sort over a nullable column goes here.
    (re.compile(r"ORDER BY (o\.next_attempt_at|ts\.deadline)\b(?! NULLS)"),
     r"ORDER BY \1 NULLS FIRST"),
]
_TICKETS_FTS = re.compile(
    r"SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH \?", re.IGNORECASE)
_MAX_MIN = re.compile(r"\b(max|min)\(", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO\b", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=4096)  # statements with inlined ids vary: kept, but not all
def translate(sql: str, id_tables: frozenset[str], many: bool = False) -> tuple[str, bool]:
    """`sql` as PostgreSQL reads it, and whether it was made to return the id it wrote;
    `id_tables`: the tables keyed by `id` (an INSERT into one returns it, but not in
    `executemany`, which returns nothing)."""
    sql = _TICKETS_FTS.sub(TICKET_IDS_MATCHING, sql)
    parts = [part.replace("%", "%%") for part in _LITERAL.split(sql)]  # psycopg's escape
    for i in range(0, len(parts), 2):  # the even parts are outside quotes
        text = parts[i]
        for pattern, replacement in _RULES:
            text = pattern.sub(replacement, text)
        text = text.replace("?", "%s")
        parts[i] = _scalar_max_min(text)
    out = "".join(parts)
    ignoring = _OR_IGNORE.match(out)
    if ignoring:
        out = "INSERT INTO" + out[ignoring.end():]
        returning = _RETURNING.search(out)
        at = returning.start() if returning else len(out)
        out = f"{out[:at].rstrip()} ON CONFLICT DO NOTHING {out[at:]}".rstrip()
    insert = _INSERT_INTO.match(out)
    if (insert and not many and insert.group(1) in id_tables
            and not _RETURNING.search(out)):
        return out + " RETURNING id", True
    return out, False


def _scalar_max_min(text: str) -> str:
    """SQLite's max(a, b) and min(a, b) of several values (not the aggregates) are
    PostgreSQL's greatest and least."""
    for found in reversed(list(_MAX_MIN.finditer(text))):
        depth, at, commas = 0, found.end(), 0
        while at < len(text):
            char = text[at]
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                commas += 1
            at += 1
        if commas:
            name = "greatest" if found.group(1).lower() == "max" else "least"
            text = text[:found.start()] + name + text[found.end() - 1:]
    return text


def server_bound(text: str, values: tuple[Any, ...]) -> bool:
    """Whether a statement is bound by the server (and prepared by psycopg after a few
    runs on a connection, so PostgreSQL parses it once and may keep its plan) rather than
    sent with its values written in: a read whose values are all ids and text, as with a
    literal typed by where it stands. Not a NULL, a float or bytes (the server would
    have to guess their type where a literal needs none), and not a full-text match, whose
    best plan depends on its words (a plan kept for one word would walk for another).
    Planning took 43% of PostgreSQL's work in a console's mixed requests; with reads
    bound so, its CPU a request fell 19% (docs/scaling.md)."""
    return (text.lstrip().startswith("SELECT") and "@@" not in text
            and all(type(value) in (int, str) for value in values))


def _values(params: Sequence[Any]) -> tuple[Any, ...]:
    """Flags as SQLite stores them: the schema's 0/1 integers, never booleans."""
    return tuple(int(value) if isinstance(value, bool) else value for value in params)


class StatementCursor:
    """A statement's answer, read at once: what the mixins read of a sqlite3 cursor."""

    def __init__(self, cursor: psycopg.Cursor, returned_id: bool) -> None:
        self.rowcount = cursor.rowcount
        rows = cursor.fetchall() if cursor.description is not None else []
        self.lastrowid: int | None = None
        if returned_id:  # the id an INSERT returned, as sqlite3's lastrowid
            self.lastrowid = rows[-1][0] if rows else None
            rows = []
        self._rows = rows
        self._at = 0

    def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[Any]:
        rows, self._at = self._rows[self._at:], len(self._rows)
        return rows

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows = self._rows[self._at:self._at + size]
        self._at += len(rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row


class StatementCounts(threading.local):
    """A thread's statements so far, those that may have written, and those that may have
    written a kept table: what the memo (`postgres/memo.py`) compares, as SQLite's looks
    at `total_changes`."""

    statements = 0
    writes = 0
    kept_writes = 0


class StatementConnection:
    """sqlite3.Connection's `execute`/`executemany` over `PgConnections`."""

    def __init__(self, db: PgConnections, id_tables: frozenset[str],
                 kept_tables: frozenset[str] = frozenset()) -> None:
        self.db = db
        self.id_tables = id_tables
        self.kept_tables = kept_tables  # the memo's (`memo.KEPT_TABLES`)
        # The store's memo, when it takes looks along with read pipelines (`PgStore`).
        self.memo: VersionMemo | None = None
        self.total_changes = 0  # what DataVersionMemo reads; VersionMemo reads `counts`
        self._counts = StatementCounts()

    def counts(self) -> StatementCounts:
        """This thread's."""
        return self._counts

    def _counted(self, sql: str) -> None:
        counts = self._counts
        counts.statements += 1
        writes, kept = statement_writes(sql, self.kept_tables)
        counts.writes += writes
        counts.kept_writes += kept

    def execute(self, sql: str, params: Sequence[Any] = ()) -> StatementCursor:
        import psycopg

        text, returned_id = translate(sql, self.id_tables)
        self._counted(sql)
        values = _values(params)
        bound = server_bound(text, values)
        with self.db.connection() as conn, (conn.cursor() if bound
                                            else psycopg.ClientCursor(conn)) as cursor:
            cursor.execute(text, values)
            self.db.catch_up()  # in one round trip with the writes sent ahead
            self.db.statement_ran(sql)
            return StatementCursor(cursor, returned_id)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> StatementCursor:
        """Inside a transaction, sent ahead (`PgConnections.send_ahead`): nobody reads what
        an executemany answers, so it waits for the next statement's round trip."""
        import psycopg

        text, _ = translate(sql, self.id_tables, True)
        self._counted(sql)
        ahead = self.db.send_ahead()
        if ahead is not None:
            cursor = psycopg.ClientCursor(ahead)
            cursor.executemany(text, [_values(row) for row in rows])
            return StatementCursor(cursor, False)
        with self.db.connection() as conn, psycopg.ClientCursor(conn) as cursor:
            cursor.executemany(text, [_values(row) for row in rows])
            return StatementCursor(cursor, False)

    def execute_together(self, statements: Sequence[tuple[str, Sequence[Any]]]
                         ) -> list[list[Any]]:
        """The rows of each statement, sent in one round trip (pipeline mode): reads that
        do not depend on one another (`db.rows_of`). Bound by the server and prepared at
        once: after five runs PostgreSQL keeps a generic plan (planning a ticket's row took
        0.6-0.9 ms of the server at each run; 0.006 ms). So their values are ids and text,
        never a NULL or a flag whose type the server must guess."""

        memo = self.memo
        look = memo is not None and not self.db.in_transaction() and memo.wants_look()
        with self.db.connection() as conn:
            # In a transaction, after what was sent ahead (a write, its BEGIN), in the
            # same round trip; else in a pipeline of their own.
            ahead = self.db.send_ahead()
            cursors = []
            with nullcontext() if ahead is not None else conn.pipeline():
                for sql, params in statements:
                    self._counted(sql)
                    cursor = conn.cursor()
                    cursor.execute(translate(sql, self.id_tables)[0], _values(params),
                                   prepare=True)
                    cursors.append(cursor)
                if look:  # last: it reads after the others
                    cursor = conn.cursor()
                    cursor.execute(VERSION, prepare=True)
                    cursors.append(cursor)
            self.db.catch_up()
            found = [cursor.fetchall() if cursor.description is not None else []
                     for cursor in cursors]
        if look and memo is not None:
            memo.looked_along(found.pop()[0][0])
        return found
