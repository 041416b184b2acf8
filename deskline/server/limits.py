"""Bounds on what a client may send: the size of a request body (pure ASGI, no cost for
GETs) and sliding-window throttles (failed logins per address, new tokens per agent)."""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from typing import Any

from deskline.server.problems import PROBLEM, problem


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
    """At most `limit` events per key in a sliding window of `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[Any, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: Any, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def blocked(self, key: Any) -> float:
        """Seconds to wait, 0 when not blocked."""
        now = time.monotonic()
        with self._lock:
            hits = self._trim(key, now)
            if len(hits) >= self.limit:
                return max(hits[0] + self.seconds - now, 0.1)
            if not hits:
                self._hits.pop(key, None)
            return 0.0

    def hit(self, key: Any) -> None:
        now = time.monotonic()
        with self._lock:
            self._trim(key, now).append(now)

