"""Copying a whole helpdesk between databases: a SQLite file and a PostgreSQL database, either
way (file to file and PostgreSQL to PostgreSQL too), for `deskline copy`.

Every table (`tables.py`) is copied with its ids, in batches, in the order of the foreign
keys, and the whole copy is one transaction of the destination: interrupted, it leaves the
destination as it found it, so running it again starts afresh and duplicates nothing. The
triggers of the destination are off meanwhile (the change log, the change feed's counter
and the rest are copied as they are, not written again), its foreign keys are checked at the
commit, and its full-text index and id sequences are brought level before it. A destination
that holds any helpdesk's rows is refused. Both ends are brought to this Deskline's schema
first, as every command does.

Verifying compares each table's row count and checksum (`Checksum`): the sum of a hash of
every row in a form both databases give alike (text, integers, floats, bytes as hex), so it
does not depend on the order rows are read in.

PostgreSQL text cannot hold a NUL character (SQLite's can): copied there, a NUL becomes the
stand-in the console shows for it (␀, `connection.NUL_STANDIN`), as every write of the
PostgreSQL store does, and the copy names each value it changed (`TableReport.replaced`).
The checksum's form of a text has NUL as that stand-in on both sides, so such a copy
verifies, either way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from deskline.store import db
from deskline.store.postgres import schema as pg_schema
from deskline.store.postgres.connection import without_nul
from deskline.store.tables import Table, dependency_order, postgres_tables, sqlite_tables

if TYPE_CHECKING:
    import psycopg

BATCH = 5000
_MODULUS = 1 << 256


class CopyRefused(Exception):
    """The copy would lose or mix data; the message says why and what to do."""


@dataclass
class Checksum:
    rows: int = 0
    total: int = 0

    def add(self, table: Table, row: tuple) -> None:
        canonical = repr(tuple(_canonical(value, column in table.binary)
                               for column, value in zip(table.columns, row, strict=True)))
        digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).digest()
        self.total = (self.total + int.from_bytes(digest)) % _MODULUS
        self.rows += 1

    @property
    def hex(self) -> str:
        return f"{self.total:064x}"


def _canonical(value: Any, binary: bool) -> Any:
    if isinstance(value, memoryview):
        value = bytes(value)
    if binary and isinstance(value, str):  # SQLite keeps what it is given in a BLOB column
        value = value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return ("bytes", value.hex())
    if isinstance(value, str):
        return without_nul(value)
    return value


class Side(Protocol):
    """One end of a copy."""

    name: str
    # Per table, the values `load` wrote otherwise ("body of id 17": a NUL as ␀).
    replaced: dict[str, list[str]]

    def tables(self) -> dict[str, Table]: ...
    def schema_version(self) -> int: ...
    def count(self, table: str) -> int: ...
    def snapshot(self) -> AbstractContextManager[None]: ...
    def batches(self, table: Table) -> Iterator[list[tuple]]: ...
    def high_water(self, table: str) -> int: ...  # of a table keyed by `id`
    def loading(self, tables: list[Table], seeded: list[str]) -> AbstractContextManager[None]: ...
    def load(self, table: Table, rows: list[tuple]) -> None: ...
    def level_ids(self, table: str, high_water: int) -> None: ...
    def close(self) -> None: ...


class SqliteSide:
    def __init__(self, path: str | Path, *, create: bool) -> None:
        self.path = Path(path)
        self.name = str(self.path.resolve())
        self.conn = db.connect(self.path, create=create)
        self.replaced: dict[str, list[str]] = {}

    def tables(self) -> dict[str, Table]:
        return sqlite_tables(self.conn)

    def schema_version(self) -> int:
        return db.schema_version(self.conn)

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def batches(self, table: Table) -> Iterator[list[tuple]]:
        cursor = self.conn.execute(f"SELECT {', '.join(table.columns)} FROM {table.name}")
        while rows := cursor.fetchmany(BATCH):
            yield rows

    def high_water(self, table: str) -> int:
        """The highest id an AUTOINCREMENT table ever gave (rows trimmed since included)."""
        row = self.conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        return row[0] if row else 0

    @contextmanager
    def loading(self, tables: list[Table], seeded: list[str]) -> Iterator[None]:
        from deskline.store.sqlite import SqliteStore

        store = SqliteStore(self.conn)
        with store.unsynced_writes():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute("PRAGMA defer_foreign_keys = ON")
                with store.deferred_indexing():  # the full-text index, in one statement
                    triggers = self.conn.execute(
                        "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").fetchall()
                    for name, _sql in triggers:
                        self.conn.execute(f"DROP TRIGGER {name}")
                    for table in seeded:
                        self.conn.execute(f"DELETE FROM {table}")
                    yield
                    for _name, sql in triggers:
                        self.conn.execute(sql)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        # Written without fsync: on disk now, before the copy is said to be done.
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def load(self, table: Table, rows: list[tuple]) -> None:
        self.conn.executemany(
            f"INSERT INTO {table.name} ({', '.join(table.columns)})"
            f" VALUES ({', '.join('?' * len(table.columns))})", rows)

    def level_ids(self, table: str, high_water: int) -> None:
        # Only AUTOINCREMENT tables remember ids beyond their rows (in sqlite_sequence, a
        # row once the table had one); the others go on from their highest row, as in
        # the source.
        sql = self.conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'table'"
                                " AND name = ?", (table,)).fetchone()[0]
        if not high_water or "AUTOINCREMENT" not in sql.upper():
            return
        if not self.conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                                 (high_water, table)).rowcount:
            self.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                              (table, high_water))

    def close(self) -> None:
        self.conn.close()


class PostgresSide:
    def __init__(self, url: str) -> None:
        self.name = pg_schema.shown_url(url)  # no password shown
        self.conn: psycopg.Connection = pg_schema.connect(url)
        self.replaced: dict[str, list[str]] = {}

    def tables(self) -> dict[str, Table]:
        return postgres_tables(self.conn)

    def schema_version(self) -> int:
        return pg_schema.schema_version(self.conn)

    def count(self, table: str) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return row[0] if row else 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield

    def batches(self, table: Table) -> Iterator[list[tuple]]:
        with self.conn.cursor(name=f"copy_{table.name}") as cursor:
            cursor.execute(f"SELECT {', '.join(table.columns)} FROM {table.name}")
            while rows := cursor.fetchmany(BATCH):
                yield rows

    def high_water(self, table: str) -> int:
        """The last id the table's sequence gave (rows deleted since included)."""
        row = self.conn.execute(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))",
            (table,)).fetchone()
        return (row[0] or 0) if row else 0

    @contextmanager
    def loading(self, tables: list[Table], seeded: list[str]) -> Iterator[None]:
        with self.conn.transaction():
            self.conn.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                self.conn.execute(f"ALTER TABLE {table.name} DISABLE TRIGGER USER")
            for name in seeded:
                self.conn.execute(f"DELETE FROM {name}")
            yield
            # The foreign keys now: a table with checks pending cannot be altered.
            self.conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                self.conn.execute(f"ALTER TABLE {table.name} ENABLE TRIGGER USER")
        self.conn.execute("ANALYZE")

    def load(self, table: Table, rows: list[tuple]) -> None:
        binary = [column in table.binary for column in table.columns]
        with self.conn.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
            for row in rows:
                if any(binary):
                    row = tuple(_canonical_bytes(value) if is_binary else value
                                for value, is_binary in zip(row, binary, strict=True))
                if any(isinstance(value, str) and "\x00" in value for value in row):
                    row = self._without_nul(table, row)
                copy.write_row(row)

    def _without_nul(self, table: Table, row: tuple) -> tuple:
        """`row` with each NUL of its texts as the stand-in, each such value named."""
        named = dict(zip(table.columns, row, strict=True))
        key = ", ".join(f"{column} {named[column]}" for column in table.key)
        for column, value in named.items():
            if isinstance(value, str) and "\x00" in value:
                self.replaced.setdefault(table.name, []).append(f"{column} of {key}")
        return tuple(without_nul(value) if isinstance(value, str) else value
                     for value in row)

    def level_ids(self, table: str, high_water: int) -> None:
        pg_schema.level_ids(self.conn, table, high_water)

    def close(self) -> None:
        self.conn.close()


def _canonical_bytes(value: Any) -> Any:
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value


def open_side(target: str, *, create: bool) -> Side:
    """A `postgresql://` URL or a SQLite file (made when `create`)."""
    if pg_schema.is_url(target):
        return PostgresSide(target)
    if not create and not Path(target).exists():
        raise CopyRefused(f"no database at {target}")
    return SqliteSide(target, create=create)


@dataclass
class TableReport:
    name: str
    source: Checksum
    destination: Checksum
    replaced: list[str] = field(default_factory=list)  # Side.replaced's

    @property
    def equal(self) -> bool:
        return (self.source.rows, self.source.total) == (
            self.destination.rows, self.destination.total)


def _check_alike(source: Side, destination: Side) -> list[Table]:
    if source.name == destination.name:
        raise CopyRefused("the source and the destination are the same database")
    versions = source.schema_version(), destination.schema_version()
    if versions[0] != versions[1]:
        raise CopyRefused(f"schema versions differ: {source.name} has {versions[0]}, "
                          f"{destination.name} {versions[1]}")
    ours, theirs = source.tables(), destination.tables()
    if ours != theirs:
        differ = sorted(name for name in ours.keys() | theirs.keys()
                        if ours.get(name) != theirs.get(name))
        raise CopyRefused(f"the two databases' tables differ: {', '.join(differ)}")
    return dependency_order(ours)


def seeded_rows() -> dict[str, int]:
    """The rows a new database has from its migrations alone (counters of one row)."""
    conn = db.connect(":memory:")
    try:
        return {table: count for table in sqlite_tables(conn)
                if (count := conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])}
    finally:
        conn.close()


def copy_helpdesk(source: Side, destination: Side,
                  progress: Callable[[str, int], None] | None = None) -> list[TableReport]:
    """Copy every table of `source` into the empty `destination`, then verify."""
    tables = _check_alike(source, destination)
    seeded = seeded_rows()
    held = {table.name: count for table in tables
            if (count := destination.count(table.name)) != seeded.get(table.name, 0)}
    if held:
        what = ", ".join(f"{name} {count:,}" for name, count in sorted(held.items())[:6])
        raise CopyRefused(
            f"{destination.name} already holds a helpdesk ({what} rows): copy into an "
            f"empty database, or compare the two with --verify-only")
    sums: dict[str, Checksum] = {}
    with source.snapshot(), destination.loading(tables, sorted(seeded)):
        for table in tables:
            checksum = sums[table.name] = Checksum()
            for rows in source.batches(table):
                destination.load(table, rows)
                for row in rows:
                    checksum.add(table, row)
                if progress:
                    progress(table.name, checksum.rows)
            if "id" in table.key:
                destination.level_ids(table.name, source.high_water(table.name))
    reports = _compared(destination, tables, sums)
    for report in reports:
        report.replaced = destination.replaced.get(report.name, [])
    return reports


def verify(source: Side, destination: Side) -> list[TableReport]:
    """Each table's count and checksum on both sides."""
    tables = _check_alike(source, destination)
    with source.snapshot():
        sums = {table.name: table_checksum(source, table) for table in tables}
    return _compared(destination, tables, sums)


def _compared(destination: Side, tables: list[Table],
              sums: dict[str, Checksum]) -> list[TableReport]:
    with destination.snapshot():
        return [TableReport(table.name, sums[table.name], table_checksum(destination, table))
                for table in tables]


def table_checksum(side: Side, table: Table) -> Checksum:
    """Inside the side's `snapshot()`."""
    checksum = Checksum()
    for rows in side.batches(table):
        for row in rows:
            checksum.add(table, row)
    return checksum
