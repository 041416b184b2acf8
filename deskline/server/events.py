"""Live updates: the change log (filled by triggers, from every writer) as Server-Sent Events.

One poller reads new rows of `change_log` (every `event_poll` seconds, and at once after a
write through this server) and hands them to every open stream. Each stream keeps only what
its agent may see — the service decides, as for every other read — and sends `{type, id,
version}` so that the client refetches through the same authorization. The SSE id is the
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
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request

from deskline.clock import to_db, utcnow
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
        self._subscribers: set[asyncio.Queue] = set()
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
        for queue in list(self._subscribers):
            queue.put_nowait(None)

    def end_streams(self) -> None:
        """End every open stream (the server is stopping); callable from any thread.
        Clients reconnect and resume with Last-Event-ID."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def end() -> None:
            for queue in list(self._subscribers):
                queue.put_nowait(None)

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
        last_sweep = last_trim = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.event_poll)
            self._wake.clear()
            try:
                rows = await anyio.to_thread.run_sync(self.read, self.last_id)
            except Exception:  # noqa: BLE001 - a busy database must not end the stream
                log.warning("reading the change log failed", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            if rows:
                self.last_id = rows[-1][0]
                self._fan_out(("rows", rows))
                if len(rows) == BATCH:
                    self._wake.set()
            now = time.monotonic()
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

    def _fan_out(self, item: Any) -> None:
        for queue in list(self._subscribers):
            if queue.qsize() > 10_000:  # a stream that stopped reading: end it
                self._subscribers.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(item)

    def _expire_presence(self) -> None:
        if self.presence.expire(self.store()):
            self.poke()

    # --- one stream ---------------------------------------------------------------------

    def visible(self, agent: Agent, rows: list[Row]) -> list[Row]:
        """The rows this agent may hear about, decided by the service's scope."""
        return visible_changes(Service(self.store(), agent), rows)

    async def _frames(self, agent: Agent, rows: list[Row]) -> bytes:
        """The SSE frames of the rows this agent may hear about (b"" when none)."""
        kept = await anyio.to_thread.run_sync(self.visible, agent, rows)
        return b"".join(_row_frame(row) for row in kept)

    def _still_valid(self, token: str | None) -> bool:
        if not token:
            return False
        return self.store().token_agent(token) is not None

    async def stream(self, request: Request, agent: Agent, token: str | None,
                     after: int | None) -> AsyncIterator[bytes]:
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers.add(queue)
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
            checked = quiet_since = time.monotonic()
            tick = min(self.settings.keepalive, TOKEN_CHECK)
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), tick)
                except TimeoutError:
                    item = "tick"
                if item is None or await request.is_disconnected():
                    return
                now = time.monotonic()
                # A revoked or expired token (or a deactivated agent) loses its stream
                # within TOKEN_CHECK seconds, also when revoked by another process.
                if now - checked >= TOKEN_CHECK:
                    checked = now
                    if not await anyio.to_thread.run_sync(self._still_valid, token):
                        yield _frame(None, {"type": "unauthorized", "id": None,
                                            "version": None})
                        return
                if item == "tick":
                    if now - quiet_since >= self.settings.keepalive:
                        quiet_since = now
                        yield b": keepalive\n\n"
                    continue
                quiet_since = now
                rows = [r for r in item[1] if r[0] > sent]
                if not rows:
                    continue
                sent = rows[-1][0]
                if frames := await self._frames(agent, rows):
                    yield frames
        finally:
            self._subscribers.discard(queue)


def _frame(event_id: int | None, data: dict) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return (head + f"event: {data['type']}\ndata: "
            + json.dumps(data, separators=(",", ":")) + "\n\n").encode()


def _row_frame(row: Row) -> bytes:
    return _frame(row[0], {"type": row[1], "id": row[2], "version": row[3]})
