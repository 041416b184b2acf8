from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def store(demo_db: Path) -> Iterator[SqliteStore]:
    s = SqliteStore.open(demo_db)
    yield s
    s.close()


@pytest.fixture
def admin(store: SqliteStore) -> Service:
    return Service(store, resolve_agent(store, ADMIN))
