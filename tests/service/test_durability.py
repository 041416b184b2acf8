"""Writers that acknowledge to someone else commit durably (synchronous FULL); a console
or a command on its own file keeps NORMAL."""

from __future__ import annotations

from pathlib import Path

from deskline.mail.smtpd import IntakeHandler
from deskline.server.api import Api
from deskline.server.settings import Settings
from deskline.store.sqlite import SqliteStore

FULL, NORMAL = 2, 1


def synchronous(store: SqliteStore) -> int:
    return store.conn.execute("PRAGMA synchronous").fetchone()[0]


def test_only_acknowledging_writers_are_durable(demo_db: Path) -> None:
    assert synchronous(SqliteStore.open(demo_db)) == NORMAL
    assert synchronous(SqliteStore.open(demo_db, durable=True)) == FULL
    api = Api(demo_db, Settings())
    assert synchronous(api.store()) == FULL  # answers HTTP 2xx
    handler = IntakeHandler(demo_db)
    try:
        assert synchronous(handler._intake_now().store) == FULL  # answers SMTP 250
    finally:
        handler.close()
