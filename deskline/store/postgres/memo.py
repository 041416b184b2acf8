"""What the PostgreSQL store keeps between reads while the directory is unchanged.

SQLite's `DataVersionMemo` looks at `PRAGMA data_version`; PostgreSQL has none, so the
kept tables (the teams, their members, followers and stages, the agents, SLA policies,
mail templates, API tokens) move the row of `directory_version` by triggers (migration
0019), in the writing transaction: a write committed by any process counts at the next
look. A ticket written does not move it, so a comment keeps the teams, unlike SQLite's.

When it looks (one round trip each, against the 1 to 4 statements of a kept read):
- in a transaction, once, in the round trip that begins it (`PgStore.transaction`: the
  round trip of its first statement), and
  again after its own writes to a kept table: the triggers take the writers' lock that
  the transaction holds, so nobody else changes the directory meanwhile;
- in a request (`begin_request`), once, at its first kept read, as SQLite's;
- else at every kept read, but for a use case's first ones: the actor read anew
  (`use_case_began`, from `agent_now`: every use case starts with its actor's scope) looks,
  and the kept reads right after it (the teams, a team, a stage) share that look until
  the thread sends any other statement, or for 20 ms at most — so a use case that
  follows an idle moment looks again. A read pipeline sent meanwhile (a ticket's reads,
  `StatementConnection.execute_together`) takes a look along and keeps it open.

What is kept belongs to the thread (threads share the store in a server process, each
in its own transaction).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable
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
# How long the look of a use case's first kept read serves the kept reads right after it.
SHARED_LOOK_SECONDS = 0.02
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
        # A use case's shared look: the thread's statement count it holds for, and until
        # when; `_share_next`: the next look is one (`use_case_began`).
        self._shared: tuple[int, float] | None = None
        self._share_next = False
        # The version the transaction began with, not yet asked for (`transaction_began`).
        self._began: tuple[Callable[[], int], int] | None = None

    def get(self, key: Hashable, read: Any) -> Any:
        try:
            return super().get(key, read)
        finally:
            if self._shared is not None:  # a kept read's own statements end no sharing
                self._shared = (self._statements.counts().statements, self._shared[1])

    def use_case_began(self) -> None:
        """The next kept read looks, and those right after it share its look."""
        self._shared, self._share_next = None, True

    def wants_look(self) -> bool:
        """Whether a use case's shared look is open: a read pipeline then takes another
        along (`looked_along`), and the look stays open after it."""
        return self._shared is not None and not self._looked

    def looked_along(self, version: int) -> None:
        """The version a read pipeline read, last, after the statements it sent."""
        self._stamped(version)
        self._shared = (self._statements.counts().statements,
                        time.monotonic() + SHARED_LOOK_SECONDS)

    def clear(self) -> None:
        super().clear()
        self._version, self._shared, self._share_next = None, None, False
        self._began = None

    def transaction_began(self, version: Callable[[], int] | None = None) -> None:
        """`version`: gives the one read as the transaction began, after its writers'
        lock — asked for at the first kept read (its round trip is the transaction's
        first statement's), and stamped as of the transaction's start."""
        super().transaction_began()
        self._began = None
        if version is not None:
            self._began = (version, self._statements.counts().kept_writes)

    def transaction_ended(self) -> None:
        super().transaction_ended()
        self._began = None  # never asked for: nothing kept was read in it

    def _current(self) -> dict[Hashable, Any]:
        if self._began is not None:
            version, kept_writes = self._began
            self._began = None
            self._stamped(version(), kept_writes)
            self._looked = True
        counts = self._statements.counts()
        kept_writes = counts.kept_writes if self._own_writes else self._kept_writes
        if kept_writes == self._kept_writes and self._version is not None and (
                self._looked or self._sharing(counts.statements)):
            self._share_next = False
            return self._values
        found = self._statements.db.row(VERSION)
        assert found is not None, "migration 0019 writes the version's row"
        self._stamped(found[0])
        self._looked = self._in_request or self._in_transaction
        if self._share_next and not self._looked:
            self._shared = (counts.statements, time.monotonic() + SHARED_LOOK_SECONDS)
        self._share_next = False
        return self._values

    def _sharing(self, statements: int) -> bool:
        shared = self._shared
        if shared is None:
            return False
        if shared[0] == statements and time.monotonic() < shared[1]:
            return True
        self._shared = None  # another statement, or too late: ended
        return False

    def _stamped(self, version: int, kept_writes: int | None = None) -> None:
        """`kept_writes`: the thread's writes to kept tables the version was read after
        (else all so far)."""
        if version != self._version:
            self._values = {}
        self._version = version
        self._kept_writes = (self._statements.counts().kept_writes if kept_writes is None
                             else kept_writes)
