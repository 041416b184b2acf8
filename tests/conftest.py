"""Shared fixtures: a small deterministic demo helpdesk, copied fresh for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from deskline.demo import build_demo

if TYPE_CHECKING:
    from tests.mail.conftest import Sink

# A Monday noon: demo dates, SLA deadlines and snapshots do not move with the calendar.
FIXED_NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
DEMO_TICKETS = 300
DEMO_SEED = 11

ADMIN = "admin@deskline.example"
ALICE = "alice.martin@deskline.example"  # agent: Customer Care and Billing
DMITRI = "dmitri.tanaka@deskline.example"  # agent: Customer Care and Platform Escalations
JONAS = "jonas.larsen@deskline.example"  # agent: Onboarding only; cannot see private teams
PORTAL = "alice.martin.0+portal@post.example"  # portal account of the first customer


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, tickets=DEMO_TICKETS, seed=DEMO_SEED, now=FIXED_NOW)
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database that a test may change."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture
def sink() -> Iterator[Sink]:
    """The customers' mail server: a loopback SMTP sink that keeps what it receives."""
    from tests.mail.conftest import Sink  # here, not at the top: that module imports this

    with Sink.serving() as sink:
        yield sink


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres-contract", action="store_true",
                     help="run the backend contract suite on PostgreSQL too (LocalBackend "
                          "over PgStore; needs $DESKLINE_TEST_DATABASE_URL)")
