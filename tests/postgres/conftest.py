"""A PostgreSQL database per test, from the cluster that $DESKLINE_TEST_DATABASE_URL names
(`scripts/postgres run …` starts a throwaway one; .ci/run does). Without it the tests that
need one are skipped, saying so. For servers started once a session, one demo database is
kept instead and put back as it was before each test (`pg_demo_reset`, `pg_workers`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from tests.postgres_support import URL_VARIABLE, PristineCopy, database_url
from tests.server_support import ServerProcesses, start_workers


@pytest.fixture(scope="session")
def pg_cluster() -> str:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(f"no PostgreSQL: ${URL_VARIABLE} is not set (`scripts/postgres run "
                    f"pytest …` starts a throwaway cluster)")
    return url


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


@pytest.fixture(scope="session")
def pg_template(pg_cluster: str) -> Iterator[str]:
    """A database with the whole schema, copied for each test (faster than migrating)."""
    from deskline.store.postgres import schema

    name = f"deskline_template_{uuid.uuid4().hex[:8]}"
    with _admin(pg_cluster) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    schema.connect(database_url(pg_cluster, name)).close()
    yield name
    with _admin(pg_cluster) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def _copy_of(cluster: str, template: str) -> Iterator[str]:
    """The URL of a new database copied from `template`, dropped afterwards."""
    name = f"deskline_test_{uuid.uuid4().hex[:8]}"
    with _admin(cluster) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield database_url(cluster, name)
    with _admin(cluster) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_cluster: str, pg_template: str) -> Iterator[str]:
    """The URL of a new database with the whole schema and no rows, dropped afterwards."""
    with _copy_of(pg_cluster, pg_template) as url:
        yield url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Said at the end of every run (even with -q) when no PostgreSQL was there."""
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if "no PostgreSQL" in str(report.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL tests skipped: ${URL_VARIABLE} is not set "
            f"(`scripts/postgres run …` starts a throwaway cluster)")


@pytest.fixture(scope="session")
def pg_demo_template(pg_cluster: str, pg_template: str, demo_template: Path) -> Iterator[str]:
    """The tests' SQLite demo helpdesk copied into a database (by `deskline copy`'s
    function), itself copied for each test: its name."""
    from deskline.store import copying

    with _copy_of(pg_cluster, pg_template) as url:
        source = copying.open_side(str(demo_template), create=False)
        destination = copying.open_side(url, create=False)
        try:
            copying.copy_helpdesk(source, destination)
        finally:
            source.close()
            destination.close()
        yield urlsplit(url).path.lstrip("/")


@pytest.fixture
def pg_demo_url(pg_cluster: str, pg_demo_template: str) -> Iterator[str]:
    """The URL of a private copy of the demo helpdesk that a test may change."""
    with _copy_of(pg_cluster, pg_demo_template) as url:
        yield url


@pytest.fixture(scope="session")
def pg_demo_kept(pg_cluster: str, pg_demo_template: str) -> Iterator[tuple[str, PristineCopy]]:
    """A copy of the demo helpdesk kept for the whole session (servers started once stay
    connected to it), its rows saved: its URL, and what puts them back."""
    with _copy_of(pg_cluster, pg_demo_template) as url, _admin(url) as conn:
        yield url, PristineCopy(conn)


@pytest.fixture
def pg_demo_reset(pg_demo_kept: tuple[str, PristineCopy]) -> str:
    """The URL of the kept demo, as it was before any test changed it: cheaper than
    `pg_demo_url` (no database to create and drop) and the same database every time."""
    url, pristine = pg_demo_kept
    pristine.reset()
    return url


@pytest.fixture(scope="session")
def pg_workers(pg_demo_kept: tuple[str, PristineCopy]) -> Iterator[ServerProcesses]:
    """`deskline serve --workers 2` on the kept demo, for the whole session (starting
    it costs more than most tests; `pg_demo_reset` puts its data back for each)."""
    server = start_workers(pg_demo_kept[0], 2)
    yield server
    server.stop()


Stores = tuple[SqliteStore, PgStore]


@pytest.fixture
def stores(demo_db: Path, pg_demo_url: str) -> Iterator[Stores]:
    """The demo helpdesk on both stores: SQLite's file, and PostgreSQL's copy of it."""
    lite, pg = SqliteStore.open(demo_db), PgStore.open(pg_demo_url, max_size=2)
    yield lite, pg
    lite.close()
    pg.close()
