"""Twenty clients writing at once through one server (its writers queue in the process,
`server/writer.py`): every comment answered 201 is stored exactly once, every version-
checked update either lands or is refused with 412 (none lost), retries of one
Idempotency-Key write once, and the kept counts still match a full count. Timings are
bench/server.py's."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deskline.server.run import ServerThread, start_in_thread
from deskline.server.writer import WriterQueue
from deskline.store.sqlite import SqliteStore
from tests.conftest import ALICE, DMITRI
from tests.server_support import make_token

CLIENTS = 20
COMMENTS = 8


@pytest.fixture
def served(demo_template: Path, tmp_path: Path) -> Iterator[tuple[Path, ServerThread]]:
    db = tmp_path / "server.db"
    shutil.copyfile(demo_template, db)
    server = start_in_thread(db)
    try:
        yield db, server
    finally:
        server.stop()


def _tickets(db: Path, n: int) -> list[tuple[int, int, int]]:
    """(id, version, message_count) of n open tickets of Customer Care."""
    store = SqliteStore.open(db)
    try:
        return store.conn.execute(
            "SELECT t.id, t.version, t.message_count FROM tickets t JOIN teams m"
            " ON m.id = t.team_id WHERE m.name = 'Customer Care' AND t.is_open = 1"
            " ORDER BY t.id LIMIT ?", (n,)).fetchall()
    finally:
        store.close()


def test_twenty_clients_writing_lose_and_repeat_nothing(served):
    db, server = served
    tokens = [make_token(db, ALICE if i % 2 else DMITRI) for i in range(CLIENTS)]
    tickets = _tickets(db, 4)
    start = threading.Barrier(CLIENTS)
    problems: list[str] = []
    sent: list[str] = []
    updated: list[int] = []  # ticket ids whose priority update was accepted
    shared_key = str(uuid.uuid4())  # one idempotent write, tried by two of one agent

    def client(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        with httpx.Client(base_url=server.url + "/api/v1", headers=headers, timeout=30) as c:
            start.wait()
            for i in range(COMMENTS):
                tid = tickets[(n + i) % len(tickets)][0]
                body = f"client {n} comment {i}"
                answer = c.post(f"/tickets/{tid}/messages", json={"kind": "comment",
                                                                   "body": body})
                if answer.status_code != 201:
                    problems.append(f"{body}: {answer.status_code} {answer.text}")
                else:
                    sent.append(body)
            tid = tickets[n % len(tickets)][0]
            current = c.get(f"/tickets/{tid}").json()
            answer = c.patch(f"/tickets/{tid}", json={"priority": (current["priority"] + 1) % 4},
                             headers={"If-Match": f'"{current["version"]}"'})
            if answer.status_code == 200:
                updated.append(tid)
            elif answer.status_code != 412:
                problems.append(f"update: {answer.status_code} {answer.text}")
            answer = c.post(f"/tickets/{tickets[0][0]}/messages",
                            json={"kind": "comment", "body": "once only"},
                            headers={"Idempotency-Key": shared_key}) if n in (0, 2) else None
            if answer is not None and answer.status_code not in (201, 409):
                problems.append(f"idempotent: {answer.status_code} {answer.text}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
    assert len(sent) == CLIENTS * COMMENTS

    store = SqliteStore.open(db)
    try:
        ids = ",".join(str(t[0]) for t in tickets)
        bodies = [r[0] for r in store.conn.execute(
            f"SELECT body FROM messages WHERE ticket_id IN ({ids}) AND kind = 'comment'"
            " AND (body LIKE 'client %' OR body = 'once only')")]
        assert sorted(b for b in bodies if b != "once only") == sorted(sent)
        assert bodies.count("once only") <= 1  # two tries of one key: one write
        for tid, version, count in tickets:
            row = store.conn.execute("SELECT version, message_count FROM tickets WHERE id = ?",
                                     (tid,)).fetchone()
            assert row[0] == version + updated.count(tid)  # every accepted update, no other
            written = store.conn.execute(
                "SELECT count(*) FROM messages WHERE ticket_id = ?", (tid,)).fetchone()[0]
            assert row[1] == written and written > count
        assert store.count_drift() == []
    finally:
        store.close()


def test_writers_take_turns_in_arrival_order():
    queue = WriterQueue()
    order: list[int] = []
    queue.__enter__()
    threads = []
    for n in range(5):
        t = threading.Thread(target=lambda n=n: _take(queue, order, n))
        t.start()
        threads.append(t)
        while len(queue._waiting) < n + 1:  # each is queued before the next starts
            pass
    queue.__exit__(None, None, None)
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3, 4]


def _take(queue: WriterQueue, order: list[int], n: int) -> None:
    with queue:
        order.append(n)
