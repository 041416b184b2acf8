"""A real server for tests: `open_remote_backend(db, email)` starts uvicorn on 127.0.0.1 (a
free port, on a thread; one server per database file, shared by the backends opened on it),
makes a token for the account and answers a RemoteBackend that stops the server when the
last backend on it closes. Used by the backend contract suite and the server tests."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from deskline.remote import RemoteBackend
from deskline.server import tokens
from deskline.server.run import ServerThread, start_in_thread

_servers: dict[str, tuple[ServerThread, int]] = {}
_lock = threading.Lock()


def make_token(db: str | Path, email: str, expires_days: int | None = None) -> str:
    return tokens.make_token(db, email, label="test", expires_days=expires_days)


def _acquire(db: str) -> ServerThread:
    with _lock:
        found = _servers.get(db)
        if found is None:
            found = (start_in_thread(db), 0)
        _servers[db] = (found[0], found[1] + 1)
        return found[0]


def _release(db: str) -> None:
    with _lock:
        server, count = _servers[db]
        if count > 1:
            _servers[db] = (server, count - 1)
            return
        del _servers[db]
    server.stop()


class _TestRemote(RemoteBackend):
    _db: str

    async def close(self) -> None:
        await super().close()
        await asyncio.to_thread(_release, self._db)


async def open_remote_backend(db: str | Path, email: str) -> RemoteBackend:
    db = str(db)
    server = await asyncio.to_thread(_acquire, db)
    try:
        token = await asyncio.to_thread(make_token, db, email)
        backend = _TestRemote(server.url, token, retries=1)
        backend._db = db
    except BaseException:
        await asyncio.to_thread(_release, db)
        raise
    return backend
