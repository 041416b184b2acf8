"""The server's background jobs: automatic closing and outbox delivery done by a running
server (fixed clock, short intervals), and a failing round that neither stops the job
nor the server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from deskline.server.jobs import SYSTEM_NAME, Job, Jobs
from deskline.server.run import ServerThread, start_in_thread
from deskline.server.settings import Settings
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN
from tests.mail.conftest import Sink
from tests.server_support import make_token


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)



def serve(db: Path, **settings: object) -> ServerThread:
    return start_in_thread(db, Settings(**settings))  # type: ignore[arg-type]


def rounds(server: ServerThread, name: str) -> int:
    return server.server.config.app.state.jobs.rounds[name]  # type: ignore[attr-defined]


def test_the_running_server_closes_a_ticket_idle_past_its_teams_days(demo_db: Path) -> None:
    store = SqliteStore.open(demo_db)
    closing = {r[0] for r in store.conn.execute("SELECT id FROM stages WHERE closing = 1")}
    teams = {t.name: t for t in store.teams()}
    care, billing = teams["Customer Care"], teams["Billing"]
    with store.transaction():
        store.conn.execute("UPDATE teams SET auto_close_days = 5 WHERE id = ?", (care.id,))
        store.conn.execute("UPDATE teams SET auto_close_days = NULL WHERE id = ?",
                           (billing.id,))
    idle, idle_at = store.conn.execute(
        "SELECT id, updated_at FROM tickets WHERE team_id = ? AND is_open = 1"
        " ORDER BY updated_at DESC LIMIT 1", (care.id,)).fetchone()
    other = store.conn.execute("SELECT id FROM tickets WHERE team_id = ? AND is_open = 1"
                               " LIMIT 1", (billing.id,)).fetchone()[0]
    store.close()
    now = datetime.fromisoformat(idle_at) + timedelta(days=5, minutes=1)
    token = make_token(demo_db, ADMIN)
    server = serve(demo_db, maintenance_every=0.1, clock=lambda: now)
    try:
        with httpx.Client(base_url=server.url + "/api/v1", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            def closed() -> dict | None:
                t = client.get(f"/tickets/{idle}").json()
                return t if t["stage_id"] in closing else None

            ticket = wait_for(closed)
            assert ticket["closed_at"] is not None  # type: ignore[index]
            thread = client.get(f"/tickets/{idle}/messages", params={"limit": 200}).json()
            events = [m for m in thread["items"] if "Closed automatically" in (m["body"] or "")]
            assert len(events) == 1
            assert "after 5 days without activity" in events[0]["body"]
            assert events[0]["author_name"] == SYSTEM_NAME
            # a team without automatic closing keeps its tickets open
            before = rounds(server, "maintenance")
            wait_for(lambda: rounds(server, "maintenance") >= before + 2)
            assert client.get(f"/tickets/{other}").json()["closed_at"] is None
            # the server answers as ever meanwhile
            assert client.get("/me").status_code == 200
    finally:
        server.stop()


def test_the_running_server_delivers_a_queued_reply_exactly_once(demo_db: Path,
                                                                 sink: Sink) -> None:
    store = SqliteStore.open(demo_db)
    with store.transaction():  # only the reply of this test is due
        store.conn.execute("UPDATE outbox SET status = 'sent' WHERE status = 'queued'")
    store.set_mail_setting("smtp_host", f"{sink.host}:{sink.port}")
    tid = store.conn.execute("SELECT id FROM tickets WHERE customer_id IS NOT NULL"
                             " AND is_open = 1 LIMIT 1").fetchone()[0]
    store.close()
    token = make_token(demo_db, ADMIN)
    server = serve(demo_db, mail_every=0.1)
    try:
        with httpx.Client(base_url=server.url + "/api/v1", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            answer = client.post(f"/tickets/{tid}/messages",
                                 json={"kind": "reply", "body": "Fixed: restart the router."})
            assert answer.status_code == 201
            wait_for(lambda: sink.received)
            before = rounds(server, "mail")
            wait_for(lambda: rounds(server, "mail") >= before + 3)
    finally:
        server.stop()
    assert len(sink.received) == 1
    assert "restart the router" in sink.received[0].message.get_body(("plain",)).get_content()
    store = SqliteStore.open(demo_db)
    status = store.conn.execute("SELECT status FROM outbox WHERE body LIKE '%restart the"
                                " router%'").fetchall()
    store.close()
    assert status == [("sent",)]


def test_a_failing_round_is_logged_and_the_job_goes_on(demo_db: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def flaky(store: SqliteStore) -> str | None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database is on fire")
        return "fine again"

    jobs = Jobs(str(demo_db), [Job("flaky", 0.05, flaky)])
    with caplog.at_level(logging.INFO, logger="deskline.server.jobs"):
        jobs.start()
        try:
            wait_for(lambda: len(calls) >= 3)
        finally:
            jobs.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any("flaky failed; trying again in 0.05 s" in m for m in messages)
    assert any(r.exc_info and "on fire" in str(r.exc_info[1]) for r in caplog.records)
    assert "flaky: fine again" in messages


def test_without_outbound_mail_the_outbox_waits(demo_db: Path, sink: Sink,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKLINE_SMTP_HOST", raising=False)
    store = SqliteStore.open(demo_db)
    queued = store.conn.execute("SELECT count(*) FROM outbox WHERE status = 'queued'"
                                ).fetchone()[0]
    store.close()
    server = serve(demo_db, mail_every=0.05)
    try:
        wait_for(lambda: rounds(server, "mail") >= 3)
    finally:
        server.stop()
    store = SqliteStore.open(demo_db)
    assert store.conn.execute("SELECT count(*) FROM outbox WHERE status = 'queued'"
                              ).fetchone()[0] == queued
    store.close()
    assert sink.received == []


def test_serve_flags_turn_each_job_off_and_set_its_interval(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskline.cli import main
    from deskline.server import run

    calls: list[dict] = []
    monkeypatch.setattr(run, "serve", lambda *a, **kw: calls.append(kw))
    assert main(["serve", "--db", str(demo_db)]) == 0
    assert main(["serve", "--db", str(demo_db), "--no-mail", "--maintenance-every", "60"]) == 0
    assert main(["serve", "--db", str(demo_db), "--no-maintenance", "--mail-every", "2"]) == 0
    assert [(c["mail_every"], c["maintenance_every"]) for c in calls] == [
        (10.0, 300.0), (None, 60.0), (2.0, None)]
    assert main(["serve", "--db", str(demo_db), "--mail-every", "0"]) == 1
