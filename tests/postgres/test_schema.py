"""PostgreSQL's migrations in step with SQLite's: the same numbers, the same tables and
columns, and triggers that write the same change log and change feed rows."""

from __future__ import annotations

import pytest

from deskline.store import db
from deskline.store.postgres import schema
from deskline.store.tables import postgres_tables, sqlite_tables


def test_every_sqlite_migration_has_its_postgresql_one() -> None:
    names = [name for _number, name, _sql in db.migrations()]
    assert [name for _number, name, _sql in schema.migrations()] == names, (
        "each migration in deskline/store/migrations/ needs its PostgreSQL version, "
        "with the same file name, in deskline/store/postgres/migrations/")


def test_both_reach_the_same_version_tables_and_columns(pg_url: str) -> None:
    lite = db.connect(":memory:")
    with schema.connect(pg_url) as conn:
        assert schema.schema_version(conn) == db.schema_version(lite) == len(db.migrations())
        # Names, column order, primary keys, foreign keys' tables, bytes columns.
        assert postgres_tables(conn) == sqlite_tables(lite)


def test_migrating_again_changes_nothing_and_a_newer_database_is_refused(pg_url: str) -> None:
    with schema.connect(pg_url) as conn:
        assert schema.migrate(conn) == len(db.migrations())
        conn.execute(f"UPDATE {schema.VERSION_TABLE} SET version = version + 1")
        with pytest.raises(RuntimeError, match="newer than this Deskline knows"):
            schema.migrate(conn)


# The same writes on both: a ticket made, moved, answered, followed, unfollowed, deleted.
WRITES = [
    "INSERT INTO teams (id, name, visibility, assignment, calendar)"
    " VALUES (1, 'Support', 'company', 'manual', '{}')",
    "INSERT INTO stages (id, name, sequence) VALUES (1, 'New', 1), (2, 'Done', 2)",
    "INSERT INTO agents (id, email, role) VALUES (1, 'a@example.com', 'admin')",
    "INSERT INTO tickets (id, number, subject, team_id, stage_id, created_at, updated_at)"
    " VALUES (7, 7, 'Printer', 1, 1, '2026-11-16T10:00:00', '2026-11-16T10:00:00')",
    "UPDATE tickets SET stage_id = 2, version = 2, updated_at = '2026-11-16T11:00:00'"
    " WHERE id = 7",
    "INSERT INTO messages (id, ticket_id, kind, body, created_at)"
    " VALUES (1, 7, 'comment', 'on it', '2026-11-16T11:30:00')",
    "UPDATE tickets SET message_count = 1 WHERE id = 7",
    "UPDATE tickets SET sla_status = 'failed' WHERE id = 7",
    "INSERT INTO ticket_followers (ticket_id, agent_id) VALUES (7, 1)",
    "DELETE FROM ticket_followers WHERE ticket_id = 7",
    "INSERT INTO tickets (id, number, subject, team_id, stage_id, created_at, updated_at,"
    " stage_since) VALUES (8, 8, 'Old', 1, 1, '2026-11-01T10:00:00', '2026-11-02T10:00:00',"
    " '2026-11-01T12:00:00')",
    "DELETE FROM tickets WHERE id = 7",
]
CHANGE_LOG = ("SELECT type, ticket_id, version, team_id, customer_id, kind, agent_id"
              " FROM change_log ORDER BY id")
# The counter's numbers are only ever compared, so its order is what must agree.
FEED = ("SELECT id, number, team_id, customer_id, deleted_at IS NOT NULL FROM ticket_sync"
        " ORDER BY seq")
STAGE_SINCE = "SELECT id, stage_since FROM tickets ORDER BY id"
COUNTS = "SELECT * FROM ticket_counts ORDER BY 1, 2, 3, 4, 5, 6, 7"


def test_triggers_write_what_sqlites_write(pg_url: str) -> None:
    lite = db.connect(":memory:")
    with schema.connect(pg_url) as conn:
        for statement in WRITES:
            lite.execute(statement)
            conn.execute(statement.encode())
        for query in (CHANGE_LOG, FEED, STAGE_SINCE, COUNTS):
            assert [tuple(row) for row in conn.execute(query.encode())] == [
                tuple(row) for row in lite.execute(query)], query
        deleted = conn.execute(b"SELECT deleted_at FROM ticket_sync WHERE id = 7").fetchone()
        shape = lite.execute("SELECT deleted_at FROM ticket_sync WHERE id = 7").fetchone()
        assert deleted is not None and len(deleted[0]) == len(shape[0])


def test_nocase_columns_and_words_without_accents(pg_url: str) -> None:
    import psycopg

    with schema.connect(pg_url) as conn:
        conn.execute(b"INSERT INTO tags (name) VALUES ('Printer')")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(b"INSERT INTO tags (name) VALUES ('PRINTER')")
        assert conn.execute(b"SELECT id FROM tags WHERE name = 'printer'").fetchone()
        # Full text as FTS5's unicode61 remove_diacritics 2: "cafe" finds "Café", "lait"
        # finds "au.lait" (migration 0018).
        for statement in WRITES[:4]:
            conn.execute(statement.replace("'Printer'", "'Café au.lait'").encode())
        for word in ("CAFE", "lait"):
            found = conn.execute(
                b"SELECT id FROM tickets WHERE to_tsvector('deskline', deskline_words("
                b"subject || ' ' || description)) @@ to_tsquery('deskline', deskline_fold(%s))",
                (word,)).fetchall()
            assert found == [(7,)]
