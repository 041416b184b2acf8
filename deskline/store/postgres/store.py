"""The PostgreSQL store: SQLite's query mixins over a psycopg pool, put together as
`SqliteStore` is.

Each mixin's SQL runs as written, respelled once by `statements.translate`; where it cannot
be (full text, PRAGMA, SQLite's date functions), a `Pg…Queries` class of this package
overrides just that method (or the value the mixin reads) and comes first in the bases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self, cast

from deskline.store.administration import AdministrationQueries
from deskline.store.bulk_actions import BulkActionQueries
from deskline.store.canned import CannedQueries
from deskline.store.changes import ChangeQueries
from deskline.store.counts import CountQueries
from deskline.store.customers import CustomerQueries
from deskline.store.directory import DirectoryQueries
from deskline.store.export import ExportQueries
from deskline.store.idempotency import IdempotencyQueries
from deskline.store.mail import MailQueries
from deskline.store.mappings import MappingQueries
from deskline.store.memo import DataVersionMemo
from deskline.store.notifications import NotificationQueries
from deskline.store.outbox import OutboxQueries
from deskline.store.postgres import schema
from deskline.store.postgres.bulk import PgBulkQueries
from deskline.store.postgres.connection import PgConnections
from deskline.store.postgres.idempotency import PgIdempotencyQueries
from deskline.store.postgres.kept_reads import PgKeptReads, TransactionTicket
from deskline.store.postgres.leases import PgLeaseQueries
from deskline.store.postgres.memo import KEPT_TABLES, VERSION, VersionMemo
from deskline.store.postgres.search import PgSearchQueries
from deskline.store.postgres.statements import StatementConnection
from deskline.store.postgres.tuning import PgTuningQueries
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


# The writers' lock, then the directory's version under it (`memo.VersionMemo`): sent after
# BEGIN with the transaction's first statement, each reading after the one before.
_BEGIN = ("SELECT 1 FROM sync_counter WHERE id = 1 FOR UPDATE", VERSION)


class PgStore(PgIdempotencyQueries, PgSearchQueries, PgTuningQueries, PgLeaseQueries,
              PgKeptReads,
              DirectoryQueries, CustomerQueries, TicketQueries, SearchQueries,
              MappingQueries, AdministrationQueries, MailQueries, OutboxQueries,
              PgBulkQueries, ReportQueries, ExportQueries, TokenQueries,
              IdempotencyQueries, ChangeQueries, CountQueries,
              CannedQueries, BulkActionQueries, NotificationQueries, TicketListQueries,
              ViewQueries, WebhookQueries, PresenceQueries, ThrottleQueries):
    memo: VersionMemo

    def __init__(self, db: PgConnections) -> None:
        self.db = db
        keyed = db.rows("SELECT table_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() AND column_name = 'id'")
        kept = db.rows(KEPT_TABLES)
        self.statements = StatementConnection(db, frozenset(name for name, in keyed),
                                              frozenset(name for name, in kept))
        # The mixins are typed for sqlite3; this gives them the part of it they use.
        self.conn = cast(Any, self.statements)
        self.memo = self.statements.memo = VersionMemo(self.conn)
        self._ticket_read = TransactionTicket()

    @classmethod
    def open(cls, url: str, *, min_size: int = 1, max_size: int = 8) -> Self:
        return cls(PgConnections.open(url, min_size=min_size, max_size=max_size))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction on this thread; nested uses join the outer one. It takes
        the change feed counter's row lock first, so writers go one at a time, as SQLite's
        `BEGIN IMMEDIATE` makes them: a write that changes tickets takes that lock anyway
        (the change log's trigger), and taking it after a ticket's row lock could deadlock
        with a writer holding it and wanting that ticket (a merge, a bulk action). The
        directory's version is read under it, for the memo; BEGIN, the lock and that read
        go with the transaction's first statement, in its round trip."""
        if self.db.in_transaction():
            with self.db.transaction():
                yield
            return
        try:
            with self.db.transaction(first=_BEGIN):
                self.memo.transaction_began(lambda: self.db.begun()[0][0])
                yield
        except BaseException:
            self.memo.clear()  # it may hold what the rolled-back writes made
            raise
        finally:
            self.memo.transaction_ended()
            self.forget_transaction_reads()

    def before_commit(self, callback: Callable[[], None]) -> bool:
        return self.db.before_commit(callback)

    def new_memo(self, *, own_writes: bool = True) -> DataVersionMemo:
        """Another memo, as SQLite's (mail intake's own, see `DataVersionMemo`)."""
        return VersionMemo(self.conn, own_writes=own_writes)

    def data_version(self) -> int:
        """Moves when any process commits a change that events carry (the change log's
        newest id): what a console watching for others' writes compares, as SQLite's."""
        return self.last_change_id()

    def schema_version(self) -> int:
        """The last migration applied."""
        with self.db.connection() as conn:
            return schema.schema_version(conn)

    def close(self) -> None:
        self.db.close()


if TYPE_CHECKING:  # PgStore is a Store (tests/postgres/test_store_interface.py too)
    _IMPLEMENTS: type[Store] = PgStore
