"""LocalBackend: the Backend protocol over the service and an embedded SQLite file.

SQLite work runs on one dedicated thread that owns the connection, so the event loop (the
console's UI thread) never waits on the disk, and writes stay in order.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from deskline.backend import BACKEND_METHODS
from deskline.service import Service, resolve_agent  # noqa: F401 - also offered here
from deskline.store.sqlite import SqliteStore


class LocalBackend:
    """Every Backend method, run as the service's method of the same name on the DB thread."""

    # LiveBackend: no server behind, so no live events and nobody else's presence.
    live = False
    state = "connected"

    def __init__(self, service: Service, executor: ThreadPoolExecutor) -> None:
        self._service = service
        self._executor = executor

    @classmethod
    async def open(cls, path: str | Path, agent_email: str | None = None) -> LocalBackend:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskline-db")
        loop = asyncio.get_running_loop()

        def start() -> Service:
            store = SqliteStore.open(path)
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

    async def events(self, last_event_id: int | None = None) -> AsyncIterator[Any]:
        return
        yield  # an async generator that ends at once

    async def presence(self, ticket_id: int) -> list[Any]:
        return []

    async def set_presence(self, ticket_id: int, state: Any) -> list[Any]:
        return []
