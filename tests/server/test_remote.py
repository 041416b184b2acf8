"""The remote backend on a real server: live events (resume, reset, latency), presence,
retries without duplicate writes, the connection state; and the server's CLI."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from deskline.errors import ConflictError, NotFound, PermissionDenied
from deskline.models import TicketUpdate
from deskline.remote import RemoteBackend, ServerUnavailable
from deskline.server.events import KEEP_ROWS
from tests.server.conftest import World


async def _next(events, kinds=("ticket.updated",), timeout: float = 3.0):
    async def find():
        async for e in events:
            if e.type in kinds:
                return e

    return await asyncio.wait_for(find(), timeout)


async def test_an_update_reaches_another_client_fast_and_streams_resume(world: World) -> None:
    tid = world.tickets["company_other"]["id"]
    alice = RemoteBackend(world.server.url, world.tokens["alice"])
    admin = RemoteBackend(world.server.url, world.tokens["admin"])
    try:
        stream = alice.events()
        first = asyncio.ensure_future(_next(stream))
        await asyncio.sleep(0.2)  # the stream is open
        t = await admin.get_ticket(tid)
        sent = time.perf_counter()
        change = TicketUpdate(priority=(t.priority + 1) % 4)
        moved = await admin.update_ticket(tid, t.version, change)
        event = await first
        assert time.perf_counter() - sent < 0.5
        assert (event.id, event.version) == (tid, moved.version)
        await stream.aclose()
        # missed while away: resumed from the last event id
        again = await admin.update_ticket(tid, moved.version, TicketUpdate(priority=t.priority))
        resumed = alice.events(last_event_id=event.event_id)
        missed = await _next(resumed)
        assert (missed.id, missed.version) == (tid, again.version)
        await resumed.aclose()
    finally:
        await alice.close()
        await admin.close()


async def test_a_stream_too_far_behind_is_told_to_reset(world: World) -> None:
    conn = sqlite3.connect(world.db)
    head = conn.execute("SELECT max(id) FROM change_log").fetchone()[0]
    conn.close()
    alice = RemoteBackend(world.server.url, world.tokens["alice"])
    try:
        stream = alice.events(last_event_id=0)
        # the demo's own rows are still there: no reset, a replay of visible history
        first = await _next(stream, kinds=("ticket.created", "reset"))
        assert first.type == "ticket.created"
        await stream.aclose()
        conn = sqlite3.connect(world.db)
        conn.execute("DELETE FROM change_log WHERE id < ?", (head,))
        conn.commit()
        conn.close()
        stream = alice.events(last_event_id=max(head - KEEP_ROWS, 1))
        assert (await _next(stream, kinds=("reset",))).type == "reset"
        await stream.aclose()
    finally:
        await alice.close()


async def test_presence_between_two_agents(world: World) -> None:
    tid = world.tickets["company_own"]["id"]
    alice = RemoteBackend(world.server.url, world.tokens["alice"])
    admin = RemoteBackend(world.server.url, world.tokens["admin"])
    portal = RemoteBackend(world.server.url, world.tokens["portal"])
    try:
        stream = admin.events()
        heard = asyncio.ensure_future(_next(stream, kinds=("presence",)))
        await asyncio.sleep(0.2)
        here = await alice.set_presence(tid, "replying")
        assert [(p.agent_name, p.state.value) for p in here] == [("Alice Martin", "replying")]
        event = await heard
        assert event.id == tid
        seen = await admin.presence(tid)
        assert [p.state.value for p in seen] == ["replying"]
        await alice.set_presence(tid, "gone")
        assert await admin.presence(tid) == []
        await stream.aclose()
        with pytest.raises(NotFound):
            await portal.presence(world.tickets["private_own"]["id"])
        with pytest.raises(PermissionDenied):
            await portal.set_presence(world.tickets["public_own"]["id"], "viewing")
    finally:
        for b in (alice, admin, portal):
            await b.close()


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """Delivers every request, but loses the answer of the first write: a dropped link."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" and not self.lost:
            self.lost += 1
            await response.aclose()
            raise httpx.ReadError("connection reset", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_retried_reply_is_posted_once(world: World) -> None:
    tid = world.tickets["company_own"]["id"]
    transport = LoseFirstAnswer()
    states: list[str] = []
    alice = RemoteBackend(world.server.url, world.tokens["alice"], transport=transport,
                          backoff=0.01)
    alice.on_state(states.append)
    try:
        before = (await alice.get_ticket(tid)).message_count
        message = await alice.reply(tid, "sent once, answered twice")
        assert transport.lost == 1
        assert (await alice.get_ticket(tid)).message_count == before + 1
        page = await alice.ticket_messages(tid, limit=200)
        assert [m.id for m in page.items if m.body == "sent once, answered twice"] == \
            [message.id]
        assert states == ["reconnecting", "connected"]
        t = await alice.get_ticket(tid)
        with pytest.raises(ConflictError) as stale:
            await alice.update_ticket(tid, t.version - 1, TicketUpdate(priority=2))
        assert stale.value.current_version == t.version
    finally:
        await alice.close()


async def test_an_unreachable_server_goes_offline_after_retries() -> None:
    states: list[str] = []
    backend = RemoteBackend("http://127.0.0.1:9", "dl_x", retries=2, backoff=0.01)
    backend.on_state(states.append)
    with pytest.raises(ServerUnavailable):
        await backend.list_teams()
    assert states == ["reconnecting", "offline"]
    await backend.close()


def test_remote_backend_offers_every_backend_method_with_the_same_signature() -> None:
    import inspect

    from deskline.backend import BACKEND_METHODS, Backend

    for name in BACKEND_METHODS:
        want = inspect.signature(getattr(Backend, name))
        got = inspect.signature(getattr(RemoteBackend, name))
        assert list(got.parameters) == list(want.parameters), name
        for p in want.parameters.values():
            assert got.parameters[p.name].default == p.default, (name, p.name)


async def test_a_bad_token_is_refused_on_open(world: World) -> None:
    with pytest.raises(PermissionDenied):
        await RemoteBackend.open(world.server.url, "dl_not-a-token")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskline.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_tokens_customers_and_a_refused_public_bind(world: World) -> None:
    db = str(world.db)
    made = _cli("token", "create", "--db", db, "--agent", "jonas.larsen@deskline.example",
                "--expires", "7")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("dl_") and " " not in token
    me = httpx.get(world.server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "jonas.larsen@deskline.example"
    listed = _cli("token", "list", "--db", db)
    assert token not in listed.stdout and token[:10] in listed.stdout
    token_id = next(line.split("\t")[0] for line in listed.stdout.splitlines()
                    if token[:10] in line)
    assert _cli("token", "revoke", "--db", db, token_id).returncode == 0
    assert httpx.get(world.server.url + "/api/v1/me",
                     headers={"Authorization": f"Bearer {token}"}).status_code == 401
    added = _cli("customer", "add", "--db", db, "new.customer@example.org", "--name", "New",
                 "--portal")
    assert added.returncode == 0, added.stderr
    assert _cli("token", "create", "--db", db, "--agent", "new.customer@example.org"
                ).returncode == 0
    refused = _cli("serve", "--db", db, "--host", "0.0.0.0", "--port", "0")
    assert refused.returncode == 1 and "without TLS" in refused.stderr
    light = subprocess.run(
        [sys.executable, "-c", "import sys, deskline.cli as c; c.build_parser();"
         " print('fastapi' in sys.modules or 'uvicorn' in sys.modules)"],
        capture_output=True, text=True, timeout=60)
    assert light.stdout.strip() == "False"


def test_deskline_serve_says_loopback_and_stops_promptly_with_streams_open(
        world: World, tmp_path) -> None:
    import shutil
    import signal
    import socket
    import threading

    db = tmp_path / "serve.db"
    shutil.copyfile(world.db, db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "deskline.cli", "serve", "--db", str(db),
                             "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "127.0.0.1" in first and "loopback" in first
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/api/v1/openapi.json").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        token = world.tokens["alice"]
        opened = threading.Event()

        def listen() -> None:
            with httpx.stream("GET", url + "/api/v1/events", timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) as r:
                opened.set()
                for _ in r.iter_lines():
                    pass

        th = threading.Thread(target=listen, daemon=True)
        th.start()
        assert opened.wait(10)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
        assert time.monotonic() - started < 3
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_a_revoked_tokens_stream_ends_within_seconds(world: World) -> None:
    """Revoked by another process (the command line): no request pokes the server, yet the
    stream ends within about a second, not at the next keepalive."""
    from deskline.clock import to_db, utcnow
    from deskline.store.sqlite import SqliteStore
    from tests.conftest import ALICE
    from tests.server_support import make_token

    token = make_token(world.db, ALICE)
    backend = RemoteBackend(world.server.url, token)
    try:
        stream = backend.events()
        ended = asyncio.ensure_future(_next(stream, kinds=("never",), timeout=6.0))
        await asyncio.sleep(0.3)  # the stream is open
        store = SqliteStore.open(world.db)
        with store.transaction():
            assert store.revoke_api_token(store.api_token_id(token), to_db(utcnow()))
        store.close()
        revoked = time.perf_counter()
        with pytest.raises(PermissionDenied):
            await ended
        assert time.perf_counter() - revoked < 2.5
    finally:
        await backend.close()
