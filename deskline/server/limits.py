"""Bounds on what a client may send: the size of a request body (pure ASGI, no cost for
GETs) and sliding-window throttles (failed logins per address, new tokens per agent,
counted in the database)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from deskline.clock import from_db, to_db, utcnow
from deskline.server.problems import PROBLEM, problem
from deskline.store.interface import Store


class BodyLimit:
    def __init__(self, app: Any, max_body: int,
                 larger: Sequence[tuple[re.Pattern, int]] = ()) -> None:
        """`larger`: (path pattern, limit) for the routes that take files."""
        self.app = app
        self.max_body = max_body
        self.larger = tuple(larger)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = next((size for pattern, size in self.larger
                      if pattern.fullmatch(scope["path"])), self.max_body)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(send, limit)
                    return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await self._refuse(send, limit)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Callable, limit: int) -> None:
        size = f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"
        response = problem(413, "Payload too large",
                           f"the request is larger than this server takes ({size})",
                           field="body")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM.encode()),
                                (b"content-length", str(len(response.body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": response.body})


# --- throttling ----------------------------------------------------------------------


class Window:
    """At most `limit` events per key in a sliding window of `seconds`, counted in the
    database (`store/throttles.py`): every server process counts the same events."""

    def __init__(self, name: str, limit: int, seconds: float) -> None:
        self.name, self.limit, self.seconds = name, limit, seconds

    def blocked(self, store: Store, key: object) -> float:
        """Seconds to wait, 0 when not blocked."""
        now = utcnow()
        count, oldest = store.throttle_hits(self.name, str(key), to_db(self._start(now)))
        if count < self.limit or oldest is None:
            return 0.0
        ends = from_db(oldest) + timedelta(seconds=self.seconds)
        return max((ends - now).total_seconds(), 0.1)

    def hit(self, store: Store, key: object) -> None:
        now = utcnow()
        with store.transaction():
            store.add_throttle_hit(self.name, str(key), to_db(now), to_db(self._start(now)))

    def _start(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.seconds)
