"""The SQLite store: one connection, explicit transactions, the query mixins together."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Self

from deskline.errors import ConflictError, DesklineError, ValidationFailed
from deskline.store.administration import AdministrationQueries
from deskline.store.bulk import BulkQueries
from deskline.store.bulk_actions import BulkActionQueries
from deskline.store.canned import CannedQueries
from deskline.store.changes import ChangeQueries
from deskline.store.counts import CountQueries
from deskline.store.customers import CustomerQueries
from deskline.store.db import connect, schema_version
from deskline.store.directory import DirectoryQueries
from deskline.store.export import ExportQueries
from deskline.store.idempotency import IdempotencyQueries
from deskline.store.leases import LeaseQueries
from deskline.store.mail import MailQueries
from deskline.store.mappings import MappingQueries
from deskline.store.memo import DataVersionMemo
from deskline.store.notifications import NotificationQueries
from deskline.store.outbox import OutboxQueries
from deskline.store.presence import PresenceQueries
from deskline.store.reports import ReportQueries
from deskline.store.search import SearchQueries
from deskline.store.throttles import ThrottleQueries
from deskline.store.ticket_lists import TicketListQueries
from deskline.store.tickets import TicketQueries
from deskline.store.tokens import TokenQueries
from deskline.store.views import ViewQueries
from deskline.store.webhooks import WebhookQueries

if TYPE_CHECKING:
    from deskline.store.interface import Store


def constraint_error(exc: sqlite3.IntegrityError) -> DesklineError:
    """A broken constraint as the engine's error naming the field: a write that lost a
    race on a unique value is a conflict (409), never a crash."""
    text = str(exc)
    column = text.rsplit(".", 1)[-1].strip() if "constraint failed:" in text else None
    if text.startswith("UNIQUE constraint failed"):
        what = (column or "value").replace("_", " ")
        return ConflictError(f"another record already has this {what}", field=column)
    return ValidationFailed(f"the change breaks a rule of the database ({text})", field=column)


class SqliteStore(DirectoryQueries, CustomerQueries, TicketQueries, SearchQueries,
                  MappingQueries, AdministrationQueries, MailQueries, OutboxQueries,
                  BulkQueries, ReportQueries, ExportQueries, TokenQueries,
                  IdempotencyQueries, ChangeQueries, CountQueries,
                  CannedQueries, BulkActionQueries, NotificationQueries, TicketListQueries,
                  ViewQueries, WebhookQueries, PresenceQueries,
                  ThrottleQueries, LeaseQueries):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._depth = 0
        self.memo = DataVersionMemo(conn)
        self._before_commit: list[Callable[[], None]] = []

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True,
             durable: bool = False) -> Self:
        """`durable` for writers that acknowledge to others (see `db.connect`)."""
        return cls(connect(path, create=create, durable=durable))

    def schema_version(self) -> int:
        """The last migration applied."""
        return schema_version(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self.memo.transaction_began()
        try:
            yield
            # Work that needs the transaction's final state (webhook payloads), once.
            while self._before_commit:
                self._before_commit.pop(0)()
        except sqlite3.IntegrityError as exc:
            self.conn.execute("ROLLBACK")
            self.memo.clear()
            raise constraint_error(exc) from exc
        except BaseException:
            self.conn.execute("ROLLBACK")
            self.memo.clear()
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0
            self._before_commit.clear()
            self.memo.transaction_ended()

    def before_commit(self, callback: Callable[[], None]) -> bool:
        """Run `callback` once, just before the current transaction commits (inside it;
        nothing on a rollback). True when this registered it, False when it already was
        in this transaction."""
        if not self._depth:
            raise RuntimeError("before_commit needs a transaction")
        if callback in self._before_commit:
            return False
        self._before_commit.append(callback)
        return True

    def new_memo(self, *, own_writes: bool = True) -> DataVersionMemo:
        """Another memo on this connection (mail intake's own, see `DataVersionMemo`)."""
        return DataVersionMemo(self.conn, own_writes=own_writes)

    def data_version(self) -> int:
        """Changes when another connection commits: what lets a cache stay valid."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


if TYPE_CHECKING:  # SqliteStore is a Store (tests/service/test_store_interface.py too)
    _IMPLEMENTS: type[Store] = SqliteStore
