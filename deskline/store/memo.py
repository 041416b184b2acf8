"""What a store keeps between reads while the database is unchanged.

One `DataVersionMemo` per connection holds every kept read (the teams, an actor as stored
now, a server's token holders and scopes). Its values are dropped as soon as another
connection committed (`PRAGMA data_version`) or this one changed a row (`total_changes`);
a rollback clears it (total_changes does not go back, so only clearing forgets what was
read inside the rolled-back transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class DataVersionMemo:
    """Values read on one connection, kept while the database is unchanged.

    Between `begin_request` and `end_request` (a server request), data_version is looked at
    once, at the first kept read, not at every one; this connection's own writes still
    count at once. Inside a transaction it is looked at on every kept read.
    """

    def __init__(self, conn: sqlite3.Connection, *, own_writes: bool = True) -> None:
        """`own_writes=False`: this connection's writes keep the values (a reader that
        knows it never changes what it keeps: mail intake's directory reads)."""
        self._conn = conn
        self._own_writes = own_writes
        self._values: dict[Hashable, Any] = {}
        self._stamp: tuple[int, int] | None = None  # (data_version, total_changes)
        self._in_request = False
        self._looked = False  # data_version looked at during this request
        self._in_transaction = False

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The kept value of `key`, or `read()` kept (a None is returned, never kept)."""
        values = self._current()
        try:
            return values[key]
        except KeyError:
            value = read()
            if value is not None:
                values[key] = value
            return value

    def clear(self) -> None:
        self._values, self._stamp, self._looked = {}, None, False

    def begin_request(self) -> None:
        self._in_request, self._looked = True, False

    def end_request(self) -> None:
        self._in_request = self._looked = False

    def transaction_began(self) -> None:
        self._in_transaction, self._looked = True, False

    def transaction_ended(self) -> None:
        # the next kept read looks at data_version again, as at the start of a request
        self._in_transaction, self._looked = False, False

    @contextmanager
    def through_own_writes(self) -> Iterator[None]:
        """Inside a transaction whose writes never touch what is kept (a batch of ticket
        writes): keep the values through them. Nobody else commits meanwhile (the
        transaction holds the write lock); afterwards the writes count as usual."""
        own, self._own_writes = self._own_writes, False
        try:
            yield
        finally:
            self._own_writes = own

    def _current(self) -> dict[Hashable, Any]:
        changes = self._conn.total_changes if self._own_writes else 0
        stamp = self._stamp
        if self._looked and stamp is not None and stamp[1] == changes:
            return self._values
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if stamp != (version, changes):
            self._values, self._stamp = {}, (version, changes)
        self._looked = self._in_request and not self._in_transaction
        return self._values
