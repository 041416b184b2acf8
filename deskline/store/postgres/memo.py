"""What the PostgreSQL store keeps between reads while the directory is unchanged.

SQLite's `DataVersionMemo` looks at `PRAGMA data_version`; PostgreSQL has none, so the
kept tables (the teams, their members, followers and stages, the agents, SLA policies,
mail templates, API tokens) move the row of `directory_version` by triggers (migration
0019), in the writing transaction: a write committed by any process counts at the next
look. A ticket written does not move it, so a comment keeps the teams, unlike SQLite's.

When it looks (one round trip each, against the 1 to 4 statements of a kept read):
- in a transaction, once, in the round trip that begins it (`PgStore.transaction`), and
  again after its own writes to a kept table: the triggers take the writers' lock that
  the transaction holds, so nobody else changes the directory meanwhile;
- in a request (`begin_request`), once, at its first kept read, as SQLite's;
- else at every kept read (however soon after the last: another process may have
  written in between).

What is kept belongs to the thread (threads share the store in a server process, each
in its own transaction).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from deskline.store.memo import DataVersionMemo

if TYPE_CHECKING:
    from deskline.store.postgres.statements import StatementConnection

VERSION = "SELECT version FROM directory_version WHERE id = 1"
# The tables whose triggers move the version (migration 0019), as the database says.
KEPT_TABLES = ("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger"
               " WHERE tgfoid = 'directory_changed'::regproc")

# ROLLBACK (to a savepoint) undoes writes: it counts as one.
_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|TRUNCATE|ROLLBACK)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=4096)
def statement_writes(sql: str, kept: frozenset[str]) -> tuple[bool, bool]:
    """Whether a statement may write, and may write a kept table: it names one (a customer
    deleted sets its portal accounts' customer to NULL: customers count too)."""
    if not _WRITE.search(sql):
        return False, False
    names = {word.lower() for word in _WORD.findall(sql)}
    return True, bool(names & kept) or "customers" in names


class VersionMemo(DataVersionMemo, threading.local):
    """`DataVersionMemo` stamped with `directory_version` (see the module's docstring);
    each thread has its own values and stamp (threading.local runs __init__ per thread)."""

    def __init__(self, conn: Any, *, own_writes: bool = True) -> None:  # as PgStore.conn
        super().__init__(conn, own_writes=own_writes)
        self._statements: StatementConnection = conn
        self._version: int | None = None  # the directory's, at the last look
        self._kept_writes = 0  # this thread's writes to kept tables, at the last look

    def clear(self) -> None:
        super().clear()
        self._version = None

    def transaction_began(self, version: int | None = None) -> None:
        """`version`: the one read as the transaction began, after its writers' lock."""
        super().transaction_began()
        if version is not None:
            self._stamped(version)
            self._looked = True

    def _current(self) -> dict[Hashable, Any]:
        counts = self._statements.counts()
        kept_writes = counts.kept_writes if self._own_writes else self._kept_writes
        if self._looked and kept_writes == self._kept_writes and self._version is not None:
            return self._values
        found = self._statements.db.row(VERSION)
        assert found is not None, "migration 0019 writes the version's row"
        self._stamped(found[0])
        self._looked = self._in_request or self._in_transaction
        return self._values

    def _stamped(self, version: int) -> None:
        if version != self._version:
            self._values = {}
        self._version = version
        self._kept_writes = self._statements.counts().kept_writes
