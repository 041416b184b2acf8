"""The PostgreSQL store's connection layer (a pool, a transaction per thread) and its first
protocol, the stored answers of idempotent writes, side by side with SQLite's."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from deskline.clock import to_db, utcnow
from deskline.errors import ConflictError
from deskline.store.postgres.connection import PgConnections
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from tests.postgres.test_schema import WRITES

AGENT = "INSERT INTO agents (id, email, role) VALUES (1, 'a@example.com', 'admin')"
NOW = to_db(utcnow())  # forgetting goes by the database's clock
LONG_AGO = "2020-01-01T00:00:00.000000+00:00"


@pytest.fixture
def connections(pg_url: str) -> Iterator[PgConnections]:
    db = PgConnections.open(pg_url, max_size=3)
    db.rows(AGENT)
    yield db
    db.close()


def test_idempotent_answers_alike_on_both(connections: PgConnections) -> None:
    lite = SqliteStore.open(":memory:")
    lite.conn.execute(AGENT)
    answers = []
    for store, transaction in ((lite, lite.transaction),
                               (PgStore(connections), connections.transaction)):
        with transaction():
            store.store_answer(1, "k1", "f1", 201, b'{"id": 7}\x00\xff', "{}", NOW)
            store.store_answer(1, "k2", "f2", 200, b"{}", "{}", LONG_AGO)
        with pytest.raises(ConflictError) as refused, transaction():
            store.store_answer(1, "k3", "f3", 200, b"{}", "{}", NOW)
            store.store_answer(1, "k1", "f1", 201, b"{}", "{}", NOW)
        assert refused.value.field == "key"
        store.forget_answers_older_than(24)
        answers.append([store.stored_answer(1, key) for key in ("k1", "k2", "k3")])
    assert answers[0] == answers[1] == [("f1", 201, b'{"id": 7}\x00\xff', "{}"), None, None]


def test_a_transaction_per_thread(connections: PgConnections) -> None:
    seen_inside: list[int] = []
    ran: list[str] = []
    written = threading.Event()
    looked = threading.Event()

    def look() -> None:
        written.wait(10)
        seen_inside.extend(connections.row("SELECT count(*) FROM tags") or ())
        looked.set()

    reader = threading.Thread(target=look)
    reader.start()
    with connections.transaction():
        connections.rows("INSERT INTO tags (name) VALUES ('printer')")
        with connections.transaction():  # joins the outer one
            assert connections.before_commit(lambda: ran.append("once"))
        written.set()
        looked.wait(10)
    reader.join()
    assert seen_inside == [0], "another thread saw an uncommitted row"
    assert ran == ["once"]
    assert connections.row("SELECT count(*) FROM tags") == (1,)
    with pytest.raises(RuntimeError), connections.transaction():
        connections.rows("INSERT INTO tags (name) VALUES ('lost')")
        raise RuntimeError("rolled back")
    assert connections.row("SELECT count(*) FROM tags") == (1,)


def test_the_change_log_read_alike_on_both(connections: PgConnections) -> None:
    lite = SqliteStore.open(":memory:")
    lite.conn.execute(AGENT)
    pg = PgStore(connections)
    for run in (lite.conn.execute, connections.rows):
        for statement in WRITES[:8]:
            if "INTO agents" not in statement:
                run(statement)
    assert pg.last_change_id() == lite.last_change_id() > 0
    assert pg.changes_after(1, 2) == lite.changes_after(1, 2)
    pg.trim_changes(2)
    lite.trim_changes(2)
    assert pg.oldest_change_id() == lite.oldest_change_id() == 3
    assert pg.changes_after(0, 100) == lite.changes_after(0, 100)


def test_change_ids_follow_commit_order(pg_url: str, connections: PgConnections) -> None:
    """A second writer's change waits for the first writer's commit and comes after all
    of its changes, so a reader going on from the last id it saw skips none."""
    import psycopg

    insert = ("INSERT INTO change_log (type, ticket_id, version, team_id)"
              " VALUES ('notification', 0, 0, 0) RETURNING id")
    second: list[int] = []
    watch = psycopg.connect(pg_url, autocommit=True)  # a transaction sees one snapshot
    with psycopg.connect(pg_url, autocommit=True) as first, first.transaction():
        early = first.execute(insert.encode()).fetchone()

        def write() -> None:
            with connections.transaction():
                second.extend(connections.row(insert) or ())

        writer = threading.Thread(target=write)
        writer.start()
        # Until the second writer waits on the lock (it cannot go on before our commit);
        # a bounded wait, so that a writer that never waits fails the test, not hangs it.
        for _ in range(1000):
            if watch.execute(
                    b"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    b" AND datname = current_database()").fetchone() != (0,):
                break
            threading.Event().wait(0.01)
        late = first.execute(insert.encode()).fetchone()
    watch.close()
    writer.join(10)
    assert early and late and second
    assert early[0] < late[0] < second[0]


def test_pooled_connections_plan_without_jit_or_parallel_workers(
        connections: PgConnections) -> None:
    with connections.transaction():
        settings = connections.rows("SELECT current_setting('jit'),"
                                    " current_setting('max_parallel_workers_per_gather')")
    assert settings == [("off", "0")]


def test_a_read_run_again_is_prepared_on_its_connection(connections: PgConnections) -> None:
    store = PgStore(connections)
    with connections.transaction():  # one connection throughout
        for _ in range(6):
            assert store.conn.execute("SELECT id FROM agents WHERE email = ? AND id > ?",
                                      ("a@example.com", 0)).fetchall() == [(1,)]
        assert store.conn.execute("SELECT id FROM agents WHERE email = ? OR ? IS NULL",
                                  ("a@example.com", None)).fetchall() == [(1,)]
        prepared = connections.rows("SELECT statement FROM pg_prepared_statements")
    assert [s for s, in prepared if "FROM agents WHERE email" in s] == [
        "SELECT id FROM agents WHERE email = $1 AND id > $2"]
