"""The PostgreSQL store's connection layer (a pool, a transaction per thread) and its first
protocol, the stored answers of idempotent writes, side by side with SQLite's."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from deskline.clock import to_db, utcnow
from deskline.errors import ConflictError
from deskline.store.postgres.connection import PgConnections
from deskline.store.postgres.idempotency import PgIdempotencyQueries
from deskline.store.sqlite import SqliteStore

AGENT = "INSERT INTO agents (id, email, role) VALUES (1, 'a@example.com', 'admin')"
NOW = to_db(utcnow())  # forgetting goes by the database's clock
LONG_AGO = "2020-01-01T00:00:00.000000+00:00"


class PgIdempotency(PgIdempotencyQueries):
    def __init__(self, db: PgConnections) -> None:
        self.db = db


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
                               (PgIdempotency(connections), connections.transaction)):
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
