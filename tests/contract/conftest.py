"""The backend contract: one suite, run against every kind of backend.

`open_backend(email)` opens a backend on a private copy of the demo helpdesk acting as
that account. Each kind in BACKEND_KINDS gets the whole suite.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from deskline.backend import Backend
from deskline.local import LocalBackend
from tests.postgres.conftest import (  # noqa: F401 - fixtures of the PostgreSQL kind
    pg_cluster,
    pg_demo_template,
    pg_demo_url,
    pg_template,
)
from tests.server_support import ServerProcesses, open_remote_on_workers, start_workers

OpenBackend = Callable[[str], Awaitable[Backend]]


async def _local(db: Path, email: str) -> Backend:
    return await LocalBackend.open(db, email)


async def _remote(db: Path, email: str) -> Backend:
    """A RemoteBackend against a real uvicorn server on 127.0.0.1 over the same file."""
    from tests.server_support import open_remote_backend

    return await open_remote_backend(db, email)


BACKEND_KINDS: dict[str, Callable[[Path, str], Awaitable[Backend]]] = {
    "local": _local, "remote": _remote}
# With `pytest --postgres-contract` (the whole suite again costs minutes, so not by
# default), on the demo copied into PostgreSQL (tests/postgres/conftest.py): LocalBackend
# on it, and RemoteBackend against `deskline serve --workers 2` on it, every request on a
# new connection so that a test's requests go to either process.
POSTGRES_KIND = "local-postgresql"
WORKERS_KIND = "remote-postgresql-2"
POSTGRES_KINDS = (POSTGRES_KIND, WORKERS_KIND)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "open_backend" in metafunc.fixturenames:
        kinds = sorted(BACKEND_KINDS)
        if metafunc.config.getoption("--postgres-contract"):
            kinds.extend(POSTGRES_KINDS)
        metafunc.parametrize("backend_kind", kinds)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On PostgreSQL, skip the tests that write the SQLite demo file themselves (tokens,
    mail with files): what they write would not be where the backend reads; against
    server processes, those that patch this one."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (callspec and callspec.params.get("backend_kind") in POSTGRES_KINDS
                and {"demo_db", "mailed"} & set(inspect.signature(item.function).parameters)):
            item.add_marker(pytest.mark.skip(reason="writes the SQLite demo file itself"))
        if (callspec and callspec.params.get("backend_kind") == WORKERS_KIND
                and "monkeypatch" in inspect.signature(item.function).parameters):
            item.add_marker(pytest.mark.skip(reason="patches this process; the server "
                                                    "runs in others"))


@pytest.fixture
async def open_backend(request: pytest.FixtureRequest, backend_kind: str,
                       demo_db: Path) -> AsyncIterator[OpenBackend]:
    opened: list[Backend] = []
    workers: list[ServerProcesses] = []
    if backend_kind == POSTGRES_KIND:
        url = request.getfixturevalue("pg_demo_url")

        async def factory(db: Path, email: str) -> Backend:
            return await LocalBackend.open(url, email)
    elif backend_kind == WORKERS_KIND:
        url = request.getfixturevalue("pg_demo_url")

        async def factory(db: Path, email: str) -> Backend:
            if not workers:
                workers.append(await asyncio.to_thread(start_workers, url, 2))
            return await open_remote_on_workers(workers[0], url, email)
    else:
        factory = BACKEND_KINDS[backend_kind]

    async def open_as(email: str) -> Backend:
        backend = await factory(demo_db, email)
        opened.append(backend)
        return backend

    yield open_as
    for backend in opened:
        await backend.close()
    for server in workers:
        await asyncio.to_thread(server.stop)
