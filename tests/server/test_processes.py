"""Several server processes on one database (`--workers N`, or several hosts on
PostgreSQL): what one process learns, the others learn from the database — events, login
throttles, presence — and a background job runs on one of them only.

Two servers started on threads of this process stand for two processes: each has its own
`Api` (its own poller, memo, pool) and shares nothing with the other but the database.
One test starts a real `deskline serve --workers 2`.
"""

from __future__ import annotations

import os
import queue
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deskline.server.jobs import Job, Jobs
from deskline.server.run import ServerThread, start_in_thread
from deskline.server.settings import Settings
from tests.conftest import ALICE, DMITRI, JONAS
from tests.postgres.conftest import (  # noqa: F401 - fixtures of the PostgreSQL database
    pg_cluster,
    pg_demo_template,
    pg_demo_url,
    pg_template,
)
from tests.server_support import make_token, start_workers


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, demo_db: Path) -> str:
    """The demo helpdesk: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return str(demo_db)
    return request.getfixturevalue("pg_demo_url")


@pytest.fixture
def two_servers(database: str) -> Iterator[tuple[ServerThread, ServerThread]]:
    first = start_in_thread(database, Settings())
    second = start_in_thread(database, Settings())
    yield first, second
    first.stop()
    second.stop()


def client(server: ServerThread, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url + "/api/v1", timeout=10,
                        headers={"Authorization": f"Bearer {token}"})


def listen(server: ServerThread, token: str, events: queue.Queue, ready: threading.Event,
           stop: threading.Event) -> None:
    """Put (arrival time, data line) of each event of the stream into `events`."""
    with client(server, token) as http, http.stream("GET", "/events") as answer:
        ready.set()
        for line in answer.iter_lines():
            if stop.is_set():
                return
            if line.startswith("data:"):
                events.put((time.monotonic(), line))


def test_an_event_written_through_one_server_reaches_a_stream_on_the_other(
        database: str, two_servers: tuple[ServerThread, ServerThread]) -> None:
    writer, reader = two_servers
    token = make_token(database, ALICE)
    events: queue.Queue = queue.Queue()
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=listen, args=(reader, token, events, ready, stop),
                              daemon=True)
    thread.start()
    assert ready.wait(10)
    time.sleep(0.2)  # the stream is subscribed
    latencies = []
    with client(writer, token) as http:
        ticket_id = http.get("/tickets", params={"limit": 1}).json()["items"][0]["id"]
        for n in range(5):
            sent = time.monotonic()
            answer = http.post(f"/tickets/{ticket_id}/messages",
                               json={"kind": "comment", "body": f"across processes {n}"})
            assert answer.status_code == 201, answer.text
            while True:
                arrived, line = events.get(timeout=5)
                if '"message.created"' in line and f'"id":{ticket_id}' in line:
                    latencies.append(arrived - sent)
                    break
    stop.set()
    # the reader's poller looks at the change log every 50 ms
    print(f"event latency across servers: {[round(x * 1000) for x in latencies]} ms")
    assert statistics.median(latencies) < 0.2


def test_a_failed_login_counts_on_every_server(
        database: str, two_servers: tuple[ServerThread, ServerThread]) -> None:
    first, second = two_servers
    limit = Settings().auth_failures
    for n in range(limit):
        server = (first, second)[n % 2]
        with client(server, "dl_wrong") as http:
            assert http.get("/me").status_code == 401
    for server in two_servers:
        with client(server, "dl_wrong") as http:
            answer = http.get("/me")
        assert answer.status_code == 429
        assert int(answer.headers["Retry-After"]) >= 1


def test_presence_set_on_one_server_shows_on_the_other(
        database: str, two_servers: tuple[ServerThread, ServerThread]) -> None:
    first, second = two_servers
    token = make_token(database, ALICE)
    with client(first, token) as one, client(second, token) as other:
        ticket_id = one.get("/tickets", params={"limit": 1}).json()["items"][0]["id"]
        assert one.put(f"/tickets/{ticket_id}/presence",
                       json={"state": "replying"}).status_code in (200, 204)
        seen = other.get(f"/tickets/{ticket_id}/presence").json()
        assert [(p["agent_name"], p["state"]) for p in seen] == [("Alice Martin",
                                                                   "replying")]
        assert other.put(f"/tickets/{ticket_id}/presence",
                         json={"state": "gone"}).status_code in (200, 204)
        assert one.get(f"/tickets/{ticket_id}/presence").json() == []


def test_a_background_job_runs_on_one_process_at_a_time(database: str) -> None:
    runs: list[str] = []

    def job(name: str) -> Job:
        return Job("count", 0.05, lambda _store: runs.append(name) and None)

    first, second = Jobs(database, [job("first")]), Jobs(database, [job("second")])
    first.start()
    second.start()
    try:
        deadline = time.monotonic() + 10
        while min(first.rounds["count"], second.rounds["count"]) < 10:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert len(set(runs)) == 1  # one of them ran every round, the other none
        holder, other = (first, second) if runs[0] == "first" else (second, first)
        assert other.held["count"] == 0
        holder.stop()  # the other takes over once the lease is free
        before = other.rounds["count"]
        while other.held["count"] == 0:
            assert other.rounds["count"] < before + 40
            time.sleep(0.05)
    finally:
        first.stop()
        second.stop()


def test_serve_with_two_workers_answers_restarts_a_dead_one_and_stops_on_sigterm(
        demo_db: Path) -> None:
    token = make_token(demo_db, ALICE)
    server = start_workers(demo_db, 2)
    try:
        with httpx.Client(base_url=server.url + "/api/v1", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            answers = [http.get("/me", headers={"Connection": "close"}).status_code
                       for _ in range(10)]
        assert answers == [200] * 10
        workers = children(server.process.pid)
        assert len(workers) == 2
        os.kill(int(workers[0]), signal.SIGKILL)  # the parent starts another
        deadline = time.monotonic() + 15
        while len(now := children(server.process.pid)) != 2 or workers[0] in now:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        assert server.stop() == 0


def children(pid: int) -> list[str]:
    return subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                          text=True).stdout.split()


def test_streams_on_one_server_hear_a_write_on_the_other_as_their_agent_may(
        database: str, two_servers: tuple[ServerThread, ServerThread]) -> None:
    """Six streams of three agents on one server, the writes through the other: the server
    decides once per agent, yet each stream hears exactly what its agent may see, and a
    token revoked through the writer ends its stream on the reader."""
    writer, reader = two_servers
    tokens = {(email, n): make_token(database, email) for email in (ALICE, DMITRI, JONAS)
              for n in range(2)}
    stop = threading.Event()
    heard: dict[tuple[str, int], queue.Queue] = {key: queue.Queue() for key in tokens}
    for key, token in tokens.items():
        ready = threading.Event()
        threading.Thread(target=listen, args=(reader, token, heard[key], ready, stop),
                         daemon=True).start()
        assert ready.wait(10)
    time.sleep(0.3)  # the streams are subscribed
    with client(writer, tokens[ALICE, 0]) as alice, client(writer, tokens[DMITRI, 0]) as dmitri:
        cards = alice.get("/tickets", params={"limit": 100}).json()["items"]
        # Billing is Alice's, a private team; Customer Care everyone's
        billing = next(c["id"] for c in cards
                       if dmitri.get(f"/tickets/{c['id']}").status_code == 404)
        care = next(c["id"] for c in cards
                    if dmitri.get(f"/tickets/{c['id']}").status_code == 200)
        with client(writer, tokens[ALICE, 1]) as other_console:
            assert other_console.delete("/tokens/current").status_code in (200, 204)
        for ticket_id in (billing, care):
            assert alice.post(f"/tickets/{ticket_id}/messages",
                              json={"kind": "comment", "body": "who hears"}).status_code == 201

    def told(key: tuple[str, int], until: str) -> list[str]:
        """The stream's data lines up to the first holding `until`."""
        lines = []
        while until not in (line := heard[key].get(timeout=5)[1]):
            lines.append(line)
        return lines

    first, then = (f'"message.created","id":{i}' for i in (billing, care))
    assert any(first in line for line in told((ALICE, 0), then))
    for key in ((DMITRI, 0), (DMITRI, 1), (JONAS, 0), (JONAS, 1)):
        assert not any(first in line for line in told(key, then))
    told((ALICE, 1), '"unauthorized"')
    stop.set()
