"""What bulk actions on tickets need of the store (not `bulk.py`, the writer of imports
and the demo): a savepoint around each ticket of a batch, and each agent's last bulk
action, kept to be undone once (`bulk_undo`, migration 0011)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from deskline.store.memo import DataVersionMemo

# (ticket id, version the action left, what the ticket was before)
UndoEntry = tuple[int, int, Any]


class BulkActionStore(Protocol):
    def savepoint(self) -> AbstractContextManager[None]: ...
    def ticket_writes_only(self) -> AbstractContextManager[None]: ...
    def save_bulk_undo(self, agent_id: int, action: str, created_at: str,
                       entries: list[UndoEntry]) -> None: ...
    def bulk_undo(self, agent_id: int) -> tuple[str, list[UndoEntry]] | None: ...
    def drop_bulk_undo(self, agent_id: int) -> None: ...


class BulkActionQueries:
    conn: sqlite3.Connection
    memo: DataVersionMemo

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: what the block wrote is undone if it raises, and the
        rest of the transaction stays (one ticket of a batch refused, the others kept)."""
        self.conn.execute("SAVEPOINT bulk_item")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO bulk_item")
            self.conn.execute("RELEASE bulk_item")
            self.memo.clear()
            raise
        self.conn.execute("RELEASE bulk_item")

    def ticket_writes_only(self) -> AbstractContextManager[None]:
        """Inside a transaction that writes tickets and their rows only: the kept reads
        (teams, the actor) stay kept through those writes, instead of being read again
        for every ticket of a batch."""
        return self.memo.through_own_writes()

    def save_bulk_undo(self, agent_id: int, action: str, created_at: str,
                       entries: list[UndoEntry]) -> None:
        """The agent's last bulk action, in place of the one before."""
        self.conn.execute(
            "INSERT INTO bulk_undo (agent_id, action, created_at, entries) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (agent_id) DO UPDATE SET action = excluded.action,"
            " created_at = excluded.created_at, entries = excluded.entries",
            (agent_id, action, created_at, json.dumps(entries)))

    def bulk_undo(self, agent_id: int) -> tuple[str, list[UndoEntry]] | None:
        row = self.conn.execute("SELECT action, entries FROM bulk_undo WHERE agent_id = ?",
                                (agent_id,)).fetchone()
        if row is None:
            return None
        return row[0], [(int(t), int(v), before) for t, v, before in json.loads(row[1])]

    def drop_bulk_undo(self, agent_id: int) -> None:
        self.conn.execute("DELETE FROM bulk_undo WHERE agent_id = ?", (agent_id,))
