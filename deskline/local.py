"""LocalBackend: the Backend protocol over the service and an embedded SQLite file (or a
PostgreSQL database, given its URL).

SQLite work runs on one dedicated thread that owns the connection, so the event loop (the
console's UI thread) never waits on the disk, and writes stay in order.

Live events come from the file itself: every writer (mail intake, another console, the
command line, a server) fills `change_log` through triggers, and `events()` polls it on the
DB thread — `PRAGMA data_version` first, the log only when something was committed — and
yields what this agent may see (`service/changes.py`, the server's rule too). Presence needs
a server: locally nobody else is ever seen.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskline.backend import BACKEND_METHODS
from deskline.service import Service, resolve_agent  # noqa: F401 - also offered here
from deskline.service.changes import visible_changes
from deskline.store.changes import Change
from deskline.store.opening import open_store
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from deskline.server.schemas import ServerEvent

POLL = 0.5  # seconds between looks at the file for other writers' changes
BATCH = 1000  # change log rows read at a time


class LocalBackend:
    """Every Backend method, run as the service's method of the same name on the DB thread."""

    # LiveBackend: events from the change log of the file; no presence without a server.
    live = True
    state = "connected"
    poll = POLL

    def __init__(self, service: Service, executor: ThreadPoolExecutor) -> None:
        self._service = service
        self._executor = executor

    @classmethod
    async def open(cls, path: str | Path, agent_email: str | None = None) -> LocalBackend:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskline-db")
        loop = asyncio.get_running_loop()

        def start() -> Service:
            store = open_store(path, pool_size=2)
            return Service(store, resolve_agent(store, agent_email))

        try:
            service = await loop.run_in_executor(executor, start)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(service, executor)

    @property
    def service(self) -> Service:
        return self._service

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        if name not in BACKEND_METHODS or name == "close":
            raise AttributeError(name)
        method = getattr(self._service, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.run(method, *args, **kwargs)

        call.__name__ = name
        return call

    async def close(self) -> None:
        await self.run(self._service.store.close)
        self._executor.shutdown(wait=True)

    # --- LiveBackend, without a server ------------------------------------------------------

    def on_state(self, listener: Callable[[str], None]) -> None:
        """The state never changes: nothing to tell `listener`."""

    async def events(self, last_event_id: int | None = None) -> AsyncIterator[ServerEvent]:
        """Every change committed to the file after `last_event_id` (None: from now on),
        by any writer, that this agent may see; a `reset` when the log no longer reaches
        back that far. Runs until cancelled."""
        from deskline.server.schemas import ServerEvent

        after, stamp = await self.run(self._head, last_event_id)
        if after is None:
            yield ServerEvent(type="reset")
            after, stamp = await self.run(self._head, None)
        assert after is not None
        while True:
            rows, after, stamp = await self.run(self._changes, after, stamp)
            for row in rows:
                yield ServerEvent(type=row[1], id=row[2], version=row[3], event_id=row[0])
            if stamp is not None:  # read everything there was: wait for more
                await asyncio.sleep(self.poll)

    def _stamp(self) -> tuple[int, int]:
        """Changes when any connection commits (data_version: the others; total_changes:
        this one's own writes)."""
        store = self._service.store
        assert isinstance(store, SqliteStore | PgStore)
        return store.data_version(), store.conn.total_changes

    def _head(self, after: int | None) -> tuple[int | None, tuple[int, int] | None]:
        """Where to start reading (None when `after` is older than the kept log), and the
        stamp to compare with (None: read the log at once)."""
        store = self._service.store
        if after is None:
            stamp = self._stamp()
            return store.last_change_id(), stamp
        oldest = store.oldest_change_id()
        if oldest and after < oldest - 1:
            return None, None
        return after, None

    def _changes(self, after: int, stamp: tuple[int, int] | None
                 ) -> tuple[list[Change], int, tuple[int, int] | None]:
        """The visible changes after `after`, the id read up to and the new stamp (None
        when a full batch came: read again at once). Nothing is read while the stamp
        holds."""
        now = self._stamp()
        if now == stamp:
            return [], after, stamp
        rows = self._service.store.changes_after(after, BATCH)
        if not rows:
            return [], after, now
        kept = visible_changes(self._service, rows)
        return kept, rows[-1][0], (None if len(rows) == BATCH else now)

    async def presence(self, ticket_id: int) -> list[Any]:
        return []

    async def set_presence(self, ticket_id: int, state: Any) -> list[Any]:
        return []
