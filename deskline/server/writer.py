"""One writer at a time in the server process, in arrival order.

SQLite lets one connection write at a time; the others wait in its busy handler, which
sleeps (1, 2, 5, 10 … up to 100 ms) and tries again, so under twenty concurrent writers a
write that could start at once sleeps tens of milliseconds (p99 0.53 s in bench/server.py).
The server's threads queue here instead: each write transaction waits for the one before
it and starts the moment it ends, handed over in the order they came. Other processes on
the file (the command line, mail intake) still meet at SQLite's lock.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class WriterQueue:
    """A first-come, first-served lock: `with queue:` around a write transaction."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> WriterQueue:
        with self._guard:
            if not self._held:
                self._held = True
                return self
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the writer before us, which hands over directly
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False
