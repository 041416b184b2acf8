"""The backend contract: one suite, run against every kind of backend.

`open_backend(email)` opens a backend on a private copy of the demo helpdesk acting as
that account. Each kind in BACKEND_KINDS gets the whole suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from deskline.backend import Backend
from deskline.local import LocalBackend

OpenBackend = Callable[[str], Awaitable[Backend]]


async def _local(db: Path, email: str) -> Backend:
    return await LocalBackend.open(db, email)


async def _remote(db: Path, email: str) -> Backend:
    """A RemoteBackend against a real uvicorn server on 127.0.0.1 over the same file."""
    from tests.server_support import open_remote_backend

    return await open_remote_backend(db, email)


BACKEND_KINDS: dict[str, Callable[[Path, str], Awaitable[Backend]]] = {
    "local": _local, "remote": _remote}


@pytest.fixture(params=sorted(BACKEND_KINDS))
async def open_backend(request: pytest.FixtureRequest, demo_db: Path) -> AsyncIterator[OpenBackend]:
    opened: list[Backend] = []
    factory = BACKEND_KINDS[request.param]

    async def open_as(email: str) -> Backend:
        backend = await factory(demo_db, email)
        opened.append(backend)
        return backend

    yield open_as
    for backend in opened:
        await backend.close()
