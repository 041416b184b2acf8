"""Live updates: the change log (filled by triggers, from every writer) as Server-Sent Events.

One poller reads new rows of `change_log` (every `event_poll` seconds, and at once after a
write through this server) and works out, once for each agent with a stream open in this
process, which of them that agent may see — the service decides, as for every other read —
then hands each stream its agent's frames `{type, id, version}`, so that the client
refetches through the same authorization. Two hundred streams cost one read of the log and
one decision per agent, not one per stream; the tokens of all open streams are checked
together, once a second. The SSE id is the
change log id: a client that reconnects with Last-Event-ID gets what it missed; one that
fell behind the trimmed log gets a `reset` event (refetch everything).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio
from starlette.requests import Request

from deskline.clock import to_db, utcnow
from deskline.errors import PermissionDenied
from deskline.models import Agent
from deskline.service import Service
from deskline.service.changes import visible_changes
from deskline.store.changes import Change

if TYPE_CHECKING:
    from deskline.server.limits import Window
    from deskline.server.presence import PresenceBoard
    from deskline.server.settings import Settings
    from deskline.server.store import PgServerStore, ServerStore

log = logging.getLogger("deskline.server.events")

KEEP_ROWS = 100_000  # change log rows kept for resuming streams
BATCH = 1000
TRIM_EVERY = 600.0  # seconds between trims of the change log and old idempotency keys

Row = Change


TOKEN_CHECK = 1.0  # seconds: how soon a revoked token's stream ends

Frames = list[tuple[int, bytes]]  # (change log id, SSE frame) of the rows an agent may see


@dataclass(eq=False)  # one per stream, found by identity
class Listener:
    """An open stream: whose it is, and the queue its frames arrive on (None ends it,
    "unauthorized" says its token died, else the Frames of a batch of rows)."""

    agent: Agent
    token: str | None
    queue: asyncio.Queue


class EventBroker:
    """`store` answers the calling thread's store; `presence` is the board whose lapsed
    entries the poller sweeps."""

    def __init__(self, store: Callable[[], ServerStore | PgServerStore], presence: PresenceBoard,
                 settings: Settings, throttles: list[Window]) -> None:
        self.store = store
        self.presence = presence
        self.settings = settings
        self.throttles = throttles
        self.last_id = 0
        self._listeners: set[Listener] = set()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- the poller ---------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.last_id = self._head_and_trim()
        self._task = asyncio.create_task(self._poll(), name="deskline-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        for listener in list(self._listeners):
            listener.queue.put_nowait(None)

    def end_streams(self) -> None:
        """End every open stream (the server is stopping); callable from any thread.
        Clients reconnect and resume with Last-Event-ID."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def end() -> None:
            for listener in list(self._listeners):
                listener.queue.put_nowait(None)

        loop.call_soon_threadsafe(end)

    def poke(self) -> None:
        """Look at the change log now (a write just committed)."""
        if self._wake is not None:
            self._wake.set()

    def _head_and_trim(self) -> int:
        store = self.store()
        head = store.last_change_id()
        if head > KEEP_ROWS:
            with store.transaction():
                store.trim_changes(head - KEEP_ROWS)
        with store.transaction():
            store.forget_answers_older_than(self.settings.idempotency_hours)
            longest = max((w.seconds for w in self.throttles), default=0.0)
            store.forget_throttle_hits(to_db(utcnow() - timedelta(seconds=longest)))
        return head

    def read(self, after: int, limit: int = BATCH) -> list[Row]:
        return self.store().changes_after(after, limit)

    def oldest(self) -> int:
        return self.store().oldest_change_id()

    async def _poll(self) -> None:
        assert self._wake is not None
        last_sweep = last_trim = last_check = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.event_poll)
            self._wake.clear()
            try:
                rows = await anyio.to_thread.run_sync(self.read, self.last_id)
                if rows:  # told before passed: a failed decision reads them again
                    await self._fan_out(rows)
                    self.last_id = rows[-1][0]
                    if len(rows) == BATCH:
                        self._wake.set()
            except Exception:  # noqa: BLE001 - a busy database must not end the stream
                log.warning("reading the change log failed", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            now = time.monotonic()
            if now - last_check >= TOKEN_CHECK:
                last_check = now
                try:
                    await self._check_tokens()
                except Exception:  # noqa: BLE001 - the next round checks again
                    log.warning("checking the streams' tokens failed", exc_info=True)
            if now - last_sweep > 1.0:  # lapsed presence, told through the change log
                last_sweep = now
                try:
                    await anyio.to_thread.run_sync(self._expire_presence)
                except Exception:  # noqa: BLE001 - the next sweep tries again
                    log.warning("sweeping lapsed presence failed", exc_info=True)
            if now - last_trim > TRIM_EVERY:
                last_trim = now
                try:
                    await anyio.to_thread.run_sync(self._head_and_trim)
                except Exception:  # noqa: BLE001 - trimming can wait for the next round
                    log.warning("trimming the change log failed", exc_info=True)

    async def _fan_out(self, rows: list[Row]) -> None:
        """Each open stream gets the frames its agent may see, decided once per agent."""
        listeners = list(self._listeners)
        if not listeners:
            return
        agents = {listener.agent.id: listener.agent for listener in listeners}
        frames = await anyio.to_thread.run_sync(self.frames_by_agent, list(agents.values()),
                                                rows)
        for listener in listeners:
            mine = frames.get(listener.agent.id)
            if not mine:
                continue
            if listener.queue.qsize() > 10_000:  # a stream that stopped reading: end it
                self._listeners.discard(listener)
                listener.queue.put_nowait(None)
            else:
                listener.queue.put_nowait(mine)

    def frames_by_agent(self, agents: list[Agent], rows: list[Row]) -> dict[int, Frames]:
        """Per agent id, the frames of the rows that agent may see: one request's reads,
        so the teams behind every scope are read once."""
        store = self.store()
        store.begin_request()
        try:
            out: dict[int, Frames] = {}
            for agent in agents:
                try:
                    kept = self.visible(agent, rows)
                except PermissionDenied:  # deactivated: its token check ends the stream
                    continue
                out[agent.id] = [(row[0], _row_frame(row)) for row in kept]
            return out
        finally:
            store.end_request()

    async def _check_tokens(self) -> None:
        """End the streams whose token was revoked or expired, or whose agent was
        deactivated — also when that happened through another process."""
        listeners = list(self._listeners)
        if not listeners:
            return
        tokens = {listener.token for listener in listeners if listener.token}
        live = await anyio.to_thread.run_sync(self.live_tokens, tokens)
        for listener in listeners:
            if listener.token not in live:
                self._listeners.discard(listener)
                listener.queue.put_nowait("unauthorized")

    def live_tokens(self, tokens: set[str]) -> set[str]:
        """Of `tokens`, those every request's check (`token_agent`) accepts: in one
        request, so the kept token holders answer and the database is looked at once."""
        store = self.store()
        store.begin_request()
        try:
            return {token for token in tokens if store.token_agent(token) is not None}
        finally:
            store.end_request()

    def _expire_presence(self) -> None:
        if self.presence.expire(self.store()):
            self.poke()

    # --- one stream ---------------------------------------------------------------------

    def visible(self, agent: Agent, rows: list[Row]) -> list[Row]:
        """The rows this agent may hear about, decided by the service's scope (the agent
        as stored now: a role changed or an account deactivated counts at once)."""
        return visible_changes(Service(self.store(), agent), rows)

    async def _frames(self, agent: Agent, rows: list[Row]) -> bytes:
        """The SSE frames of the rows this agent may hear about (b"" when none)."""
        kept = await anyio.to_thread.run_sync(self.visible, agent, rows)
        return b"".join(_row_frame(row) for row in kept)

    async def stream(self, request: Request, agent: Agent, token: str | None,
                     after: int | None) -> AsyncIterator[bytes]:
        listener = Listener(agent, token, asyncio.Queue())
        queue = listener.queue
        self._listeners.add(listener)
        try:
            yield b"retry: 1000\n: deskline events\n\n"
            sent = self.last_id if after is None else after
            if after is not None:
                oldest = await anyio.to_thread.run_sync(self.oldest)
                if oldest and after < oldest - 1:
                    yield _frame(None, {"type": "reset", "id": None, "version": None})
                    sent = self.last_id
                else:
                    while True:  # catch up from the log itself
                        rows = await anyio.to_thread.run_sync(self.read, sent)
                        if not rows:
                            break
                        sent = rows[-1][0]
                        if frames := await self._frames(agent, rows):
                            yield frames
            quiet_since = time.monotonic()
            tick = min(self.settings.keepalive, TOKEN_CHECK)
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), tick)
                except TimeoutError:
                    item = "tick"
                if item is None or await request.is_disconnected():
                    return
                if item == "unauthorized":  # the poller's token check: see _check_tokens
                    yield _frame(None, {"type": "unauthorized", "id": None, "version": None})
                    return
                now = time.monotonic()
                if item == "tick":
                    if now - quiet_since >= self.settings.keepalive:
                        quiet_since = now
                        yield b": keepalive\n\n"
                    continue
                quiet_since = now
                fresh = [frame for event_id, frame in item if event_id > sent]
                if fresh:
                    sent = item[-1][0]
                    yield b"".join(fresh)
        finally:
            self._listeners.discard(listener)


def _frame(event_id: int | None, data: dict) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return (head + f"event: {data['type']}\ndata: "
            + json.dumps(data, separators=(",", ":")) + "\n\n").encode()


def _row_frame(row: Row) -> bytes:
    return _frame(row[0], {"type": row[1], "id": row[2], "version": row[3]})
