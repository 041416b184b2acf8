"""Fixtures for the import/export, closing, ratings and reports tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskline.local import resolve_agent
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN, FIXED_NOW, Clock

FILES = Path(__file__).parent / "files"


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)


@pytest.fixture
def store(demo_db: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(demo_db)
    yield store
    store.close()


@pytest.fixture
def admin(store: SqliteStore, clock: Clock) -> Service:
    return Service(store, resolve_agent(store, ADMIN), clock=clock)


def as_(store: SqliteStore, email: str, clock) -> Service:
    return Service(store, resolve_agent(store, email), clock=clock)
