"""The SQLite store: one connection, explicit transactions, the query mixins together."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deskline.store.customers_io import CustomerIoQueries
from deskline.store.db import connect
from deskline.store.directory import DirectoryQueries
from deskline.store.search import SearchQueries
from deskline.store.tickets import TicketQueries


class SqliteStore(DirectoryQueries, TicketQueries, SearchQueries, CustomerIoQueries):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._depth = 0

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> SqliteStore:
        return cls(connect(path, create=create))

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
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            self.forget_cached()
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def close(self) -> None:
        self.conn.close()
