"""The tables of a helpdesk as both databases describe them: names, columns, primary key,
the tables each one refers to. `deskline copy` walks them; the schema test compares them.

SQLite's full-text tables (FTS5 and their shadow tables) are left out: they are an index,
built again from the tickets and messages (PostgreSQL indexes the same text with GIN
indexes, no table). So are the databases' own bookkeeping tables.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deskline.store.postgres.schema import BOOKKEEPING_TABLES

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key's columns, in order
    parents: frozenset[str]  # the tables its foreign keys point at (itself left out)
    binary: frozenset[str]  # columns of bytes (BLOB, bytea)


def sqlite_tables(conn: sqlite3.Connection) -> dict[str, Table]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite%' ORDER BY name").fetchall()
    virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    out = {}
    for name, _sql in rows:
        if any(name == v or name.startswith(v + "_") for v in virtual):
            continue
        info = conn.execute(f"PRAGMA table_info({name})").fetchall()
        refs = conn.execute(f"PRAGMA foreign_key_list({name})").fetchall()
        out[name] = Table(
            name=name,
            columns=tuple(row[1] for row in info),
            key=tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])),
            parents=frozenset(ref[2] for ref in refs) - {name},
            binary=frozenset(row[1] for row in info if row[2].upper() == "BLOB"))
    return out


def postgres_tables(conn: psycopg.Connection) -> dict[str, Table]:
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in conn.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
            # computed from the others (PostgreSQL's stored words, migration 0020)
            " AND c.is_generated = 'NEVER'"
            " AND c.table_name <> ALL(%s) ORDER BY c.table_name, c.ordinal_position",
            (list(BOOKKEEPING_TABLES),)):
        columns.setdefault(table, []).append((column, data_type))
    keys: dict[str, list[str]] = {}
    parents: dict[str, set[str]] = {}
    for table, kind, referred, key_columns in conn.execute(
            "SELECT conrelid::regclass::text, contype, confrelid::regclass::text,"
            " ARRAY(SELECT a.attname FROM unnest(conkey) WITH ORDINALITY k(n, i)"
            "       JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.n"
            "       ORDER BY k.i)"
            " FROM pg_constraint WHERE contype IN ('p', 'f')"
            " AND connamespace = current_schema()::regnamespace"):
        if kind == "p":
            keys[table] = key_columns
        elif referred != table:
            parents.setdefault(table, set()).add(referred)
    return {
        name: Table(
            name=name,
            columns=tuple(column for column, _type in cols),
            key=tuple(keys.get(name, ())),
            parents=frozenset(parents.get(name, ())),
            binary=frozenset(column for column, data_type in cols if data_type == "bytea"))
        for name, cols in columns.items()}


def dependency_order(tables: dict[str, Table]) -> list[Table]:
    """Every table after the tables it refers to (by name among equals)."""
    done: list[Table] = []
    placed: set[str] = set()
    waiting = sorted(tables)
    while waiting:
        ready = [name for name in waiting
                 if tables[name].parents & tables.keys() <= placed]
        if not ready:
            raise RuntimeError(f"foreign keys go round in a circle among {waiting}")
        for name in ready:
            done.append(tables[name])
            placed.add(name)
        waiting = [name for name in waiting if name not in placed]
    return done
