"""The PostgreSQL store's connections: a psycopg pool, one transaction per thread.

`PgConnections` is the PostgreSQL side of `interface.TransactionStore`: `transaction()`
takes a pooled connection for the calling thread (nested uses join it) and gives it back
at the end, so several threads, and several processes each with its pool, write at once;
a statement outside a transaction borrows a connection for itself. Query mixins run their
SQL through `rows` / `row`, written with psycopg's `%s` placeholders.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

from deskline.errors import ConflictError, DesklineError, ValidationFailed
from deskline.store.postgres import schema
from deskline.text import plain

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

    from deskline.store.interface import TransactionStore

_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_KEY_DETAIL = re.compile(r"Key \((?P<columns>.*)\)=\(")
# A column of the key: a name not called (lower(…)) nor a type (::text).
_KEY_COLUMN = re.compile(r"(?<!::)\b([a-z_][a-z0-9_]*)\b(?!\s*\()")


def constraint_error(exc: psycopg.IntegrityError) -> DesklineError:
    """A broken constraint as the engine's error naming the field, as SQLite's store does
    (`sqlite.constraint_error`): a write that lost a race on a unique value is a conflict."""
    import psycopg.errors

    match = _KEY_DETAIL.search(exc.diag.message_detail or "")
    named = _KEY_COLUMN.findall(match.group("columns")) if match else []
    column = exc.diag.column_name or (named[-1] if named else None)
    if isinstance(exc, psycopg.errors.UniqueViolation):
        what = (column or "value").replace("_", " ")
        return ConflictError(f"another record already has this {what}", field=column)
    return ValidationFailed(f"the change breaks a rule of the database "
                            f"({exc.diag.message_primary or exc})", field=column)


# PostgreSQL text cannot hold U+0000, which SQLite's can (mail from outside may bring
# it). Written there as the stand-in the console shows for it on SQLite (`text.plain`:
# ␀), it reads the same on both stores, and no write is refused or loses its text.
NUL_STANDIN = plain("\x00")


def without_nul(value: str) -> str:
    return value.replace("\x00", NUL_STANDIN)


class _Transaction(threading.local):
    conn: psycopg.Connection | None = None
    depth = 0
    before_commit: list[Callable[[], None]]
    begun: list[tuple[Any, ...]] = []  # the rows `first` read (see `transaction`)
    first: psycopg.Cursor | None = None  # ... while not yet taken from its cursor
    savepoints = 0  # open in the transaction (`statement_ran`)
    ahead: Any = None  # the pipeline of writes sent ahead (`send_ahead`), while open


class PgConnections:
    def __init__(self, pool: ConnectionPool, url: str = "") -> None:
        self.pool = pool
        self.url = url  # for connections of their own (`leases.py`)
        self._current = _Transaction()

    @classmethod
    def open(cls, url: str, *, min_size: int = 1, max_size: int = 8) -> Self:
        """A pool on `url`, the schema brought up to date first (once, on its own
        connection: pooled connections never migrate)."""
        from psycopg_pool import ConnectionPool

        schema.connect(url).close()
        pool = ConnectionPool(url, min_size=min_size, max_size=max_size,
                              kwargs={"autocommit": True}, configure=_configure, open=True)
        return cls(pool, url)

    @contextmanager
    def transaction(self, first: Sequence[str] = ()) -> Iterator[None]:
        """One write transaction on this thread; nested uses join the outer one. `first`:
        statements (no parameters) that begin the outer one after BEGIN (a lock to take,
        then what to read under it), sent ahead with them: they go in the round trip of
        its first statement, so a transaction's lock is held one round trip less.
        `begun()` gives the rows of the last."""
        import psycopg

        current = self._current
        if current.conn is not None:
            current.depth += 1
            try:
                yield
            finally:
                current.depth -= 1
            return
        with self.pool.connection() as conn:
            current.conn, current.depth, current.before_commit = conn, 1, []
            try:
                self.send_ahead()
                for statement in ("BEGIN", *first):
                    current.first = conn.execute(statement.encode())
                yield
                # Work that needs the transaction's final state, once, inside it.
                while current.before_commit:
                    current.before_commit.pop(0)()
                conn.execute(b"COMMIT")  # with the writes sent ahead, if any
                self.catch_up()
            except psycopg.IntegrityError as exc:
                self._drop_ahead()
                _rolled_back(conn)
                raise constraint_error(exc) from exc
            except BaseException:
                self._drop_ahead()
                _rolled_back(conn)
                raise
            finally:
                current.conn, current.depth, current.before_commit = None, 0, []
                current.begun, current.first, current.savepoints = [], None, 0

    def send_ahead(self) -> psycopg.Connection | None:
        """For a write whose answer nobody reads (`StatementConnection.executemany`): this
        thread's transaction's connection in pipeline mode, so the write goes in the round
        trip of the next statement (`catch_up`); None outside a transaction, or inside a
        savepoint, whose block must see its own errors."""
        current = self._current
        if current.conn is None or current.savepoints:
            return None
        if current.ahead is None:
            current.ahead = current.conn.pipeline()
            current.ahead.__enter__()
        return current.conn

    def catch_up(self) -> None:
        """Send what was sent ahead, with what was queued after it, and wait for their
        answers: an error of a write sent ahead raises here."""
        current = self._current
        ahead, current.ahead = current.ahead, None
        if ahead is not None:
            ahead.__exit__(None, None, None)
            if current.first is not None:  # the transaction's first statements went too
                current.begun, current.first = _fetched(current.first), None

    def statement_ran(self, sql: str) -> None:
        """Keep count of the transaction's open savepoints."""
        current = self._current
        if current.conn is not None and (found := _SAVEPOINT.match(sql)):
            current.savepoints = max(0, current.savepoints + (1 if found.group(1).upper()
                                                              == "SAVEPOINT" else -1))

    def _drop_ahead(self) -> None:
        import psycopg

        try:
            self.catch_up()
        except psycopg.Error:  # the transaction failed already: rolled back next
            pass

    def begun(self) -> list[tuple[Any, ...]]:
        """The rows of the last `first` statement of this thread's transaction (sent
        now, with what was sent ahead, unless a statement took them along already)."""
        self.catch_up()
        return self._current.begun

    def in_transaction(self) -> bool:
        """Whether this thread is inside a transaction."""
        return self._current.conn is not None

    def before_commit(self, callback: Callable[[], None]) -> bool:
        """As `SqliteStore.before_commit`: once, just before this thread's transaction
        commits; True when this registered it."""
        current = self._current
        if current.conn is None:
            raise RuntimeError("before_commit needs a transaction")
        if callback in current.before_commit:
            return False
        current.before_commit.append(callback)
        return True

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """This thread's transaction's connection, else one borrowed from the pool until
        the end of the block (read what the statement answers before it)."""
        conn = self._current.conn
        if conn is not None:
            yield conn
            return
        with self.pool.connection() as own:
            yield own

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement: in this thread's transaction, else on a connection of its
        own. Its rows (none for a statement that returns none)."""
        with self.connection() as conn:
            cursor = conn.execute(sql, params)
            self.catch_up()
            return _fetched(cursor)

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def close(self) -> None:
        self.pool.close()


# Every pooled connection's planner settings. The store's statements are a request's,
# each a few ms at most: a plan above JIT's cost line spent 5-100 ms compiling (a word
# found nowhere, at a million tickets: 34 ms -> 8), and a parallel plan's workers take
# longer to start than the statement they share (8 -> 2.3 ms), on cores the other
# requests need; a report over a million tickets took as long without them.
SESSION_SETTINGS = "SET jit = off; SET max_parallel_workers_per_gather = 0"


def _configure(conn: psycopg.Connection) -> None:
    """Sums and averages come back as SQLite gives them: int when whole, else float
    (PostgreSQL's numeric would be Decimal); a NUL in a text is written as its stand-in;
    the planner as `SESSION_SETTINGS`."""
    from psycopg.adapt import Loader
    from psycopg.types.string import StrDumperUnknown

    class NumberLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            return int(text) if text.lstrip("-").isdigit() else float(text)

    class TextDumper(StrDumperUnknown):  # psycopg's, which refuses a NUL
        def dump(self, obj: str) -> Any:
            return super().dump(without_nul(obj))

    conn.adapters.register_loader("numeric", NumberLoader)
    conn.adapters.register_dumper(str, TextDumper)
    conn.execute(SESSION_SETTINGS)


def _rolled_back(conn: psycopg.Connection) -> None:
    """After a failure inside a transaction (or at its COMMIT): back to no transaction,
    unless the connection is gone (the pool then throws it away)."""
    import psycopg
    from psycopg import pq

    if conn.closed or conn.info.transaction_status == pq.TransactionStatus.IDLE:
        return
    try:
        conn.execute(b"ROLLBACK")
    except psycopg.Error:  # the connection broke: the pool checks it on return
        pass


def _fetched(cursor: psycopg.Cursor) -> list[tuple[Any, ...]]:
    return cursor.fetchall() if cursor.description is not None else []


if TYPE_CHECKING:  # transactions as the SQLite store's (interface.TransactionStore)
    _IMPLEMENTS: type[TransactionStore] = PgConnections
