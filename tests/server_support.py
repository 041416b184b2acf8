"""A real server for tests: `open_remote_backend(db, email)` starts uvicorn on 127.0.0.1 (a
free port, on a thread; one server per database file, shared by the backends opened on it),
makes a token for the account and answers a RemoteBackend that stops the server when the
last backend on it closes. Used by the backend contract suite and the server tests.
`start_workers` runs `deskline serve --workers N` in a child process instead."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

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


@dataclass
class ServerProcesses:
    """`deskline serve --workers N` in a child process, on a free port."""

    url: str
    process: subprocess.Popen

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def start_workers(db: str | Path, workers: int = 2,
                  patches: Mapping[str, object] | None = None) -> ServerProcesses:
    """`deskline serve` over `db` (a file or a postgresql:// URL) with `workers`
    processes and no background jobs, answering once it does. `patches`: module
    attributes ("package.module.NAME": a literal) set before it starts (the workers are
    forked from it, so they have them too)."""
    option = "--database" if str(db).startswith("postgresql") else "--db"
    code = ["import importlib"]
    for key, value in (patches or {}).items():
        module, _, name = key.rpartition(".")
        code.append(f"setattr(importlib.import_module({module!r}), {name!r}, {value!r})")
    code.append("from tui.launch import main; main()")
    process = subprocess.Popen(
        [sys.executable, "-c", "\n".join(code), "serve", option,
         str(db), "--workers", str(workers), "--port", "0", "--no-mail",
         "--no-maintenance", "--no-webhooks"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()  # "Deskline server on URL/api/v1 (N processes) — …"
    if " on " not in first:
        process.kill()
        raise RuntimeError(f"the server did not start: {first!r}")
    url = first.split(" on ", 1)[1].split(" ", 1)[0].removesuffix("/api/v1")
    server = ServerProcesses(url, process)
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            raise RuntimeError("the server did not answer")
        time.sleep(0.05)


async def open_remote_on_workers(server: ServerProcesses, db: str | Path,
                                 email: str) -> RemoteBackend:
    """A RemoteBackend on a new connection for every request, so that the kernel hands
    its requests to either worker: a test's reads and writes cross processes."""
    token = await asyncio.to_thread(make_token, db, email)
    fresh = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
    return RemoteBackend(server.url, token, retries=1, transport=fresh)
