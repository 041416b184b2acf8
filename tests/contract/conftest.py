"""The backend contract: one suite, run against every kind of backend.

`open_backend(email)` opens a backend on a private copy of the demo helpdesk acting as
that account; `backend_db` is that copy (a file or a URL), for what a test writes beside
the backends (tokens, mail). Each kind in KINDS gets the whole suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest

from deskline.backend import Backend
from deskline.local import LocalBackend
from tests.postgres.conftest import (  # noqa: F401 - fixtures of the PostgreSQL kinds
    pg_cluster,
    pg_demo_kept,
    pg_demo_reset,
    pg_demo_template,
    pg_template,
    pg_workers,
)
from tests.server_support import (
    ServerProcesses,
    open_remote_backend,
    open_remote_on_workers,
    start_workers,
)

LOCAL_KIND = "local"  # LocalBackend on a SQLite file
REMOTE_KIND = "remote"  # RemoteBackend against uvicorn on a thread here, on that file
# RemoteBackend against `deskline serve --database … --workers 2` in a child process, on
# the demo copied into PostgreSQL (tests/postgres/conftest.py), every request on a new
# connection so that the kernel hands a test's requests to either worker. The servers
# are started once a session; the database is put back as it was before each test.
WORKERS_KIND = "remote-postgresql-2"
# LocalBackend on that database: with `pytest --postgres-contract` only (CI's budget).
POSTGRES_KIND = "local-postgresql"
POSTGRES_KINDS = (POSTGRES_KIND, WORKERS_KIND)
KINDS = (LOCAL_KIND, REMOTE_KIND, WORKERS_KIND)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "open_backend" in metafunc.fixturenames:
        kinds = list(KINDS)
        if metafunc.config.getoption("--postgres-contract"):
            kinds.append(POSTGRES_KIND)
        metafunc.parametrize("backend_kind", kinds)


@pytest.fixture
def backend_kind() -> str:
    """For the tests beside the contract (no `open_backend`): the local one."""
    return LOCAL_KIND


@pytest.fixture
def backend_db(request: pytest.FixtureRequest, backend_kind: str) -> str | Path:
    """The database the test's backends are on: a copy of the demo, a file or a URL.
    Skipped, saying why, on PostgreSQL when there is none."""
    if backend_kind in POSTGRES_KINDS:
        return request.getfixturevalue("pg_demo_reset")
    return request.getfixturevalue("demo_db")


class BackendOpener:
    """`await open_backend(email)`: a backend acting as that account.
    `await open_backend.patch(module, name, value)`: a module's attribute changed where
    the backends' engine runs — in this process, and for server processes in new ones
    started with it, which the backends opened afterwards use."""

    def __init__(self, kind: str, db: str | Path, monkeypatch: pytest.MonkeyPatch,
                 workers: ServerProcesses | None) -> None:
        self.kind, self.db, self.monkeypatch = kind, db, monkeypatch
        self.workers = workers
        self.opened: list[Backend] = []
        self.patches: dict[str, object] = {}
        self.own_workers: ServerProcesses | None = None

    async def __call__(self, email: str) -> Backend:
        backend: Backend
        if self.kind in (LOCAL_KIND, POSTGRES_KIND):
            backend = await LocalBackend.open(self.db, email)
        elif self.kind == REMOTE_KIND:
            backend = await open_remote_backend(self.db, email)
        else:
            assert self.workers is not None
            backend = await open_remote_on_workers(self.workers, self.db, email)
        self.opened.append(backend)
        return backend

    async def patch(self, module: ModuleType, name: str, value: object) -> None:
        self.monkeypatch.setattr(module, name, value)
        if self.kind != WORKERS_KIND:
            return
        self.patches[f"{module.__name__}.{name}"] = value
        await self._stop_own()
        self.own_workers = self.workers = await asyncio.to_thread(
            start_workers, self.db, 2, self.patches)

    async def close(self) -> None:
        for backend in self.opened:
            await backend.close()
        await self._stop_own()

    async def _stop_own(self) -> None:
        if self.own_workers is not None:
            await asyncio.to_thread(self.own_workers.stop)
            self.own_workers = None


@pytest.fixture
async def open_backend(request: pytest.FixtureRequest, backend_kind: str,
                       backend_db: str | Path,
                       monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BackendOpener]:
    workers = request.getfixturevalue("pg_workers") if backend_kind == WORKERS_KIND else None
    opener = BackendOpener(backend_kind, backend_db, monkeypatch, workers)
    yield opener
    await opener.close()
