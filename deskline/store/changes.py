"""The change log that feeds the event stream (`change_log`, filled by triggers from every
writer): its head, its oldest row, reading after an id, and trimming."""

from __future__ import annotations

import sqlite3
from typing import Protocol

# (id, type, ticket_id, version, team_id, customer_id, kind)
Change = tuple[int, str, int, int, int, int | None, str | None]


class ChangeStore(Protocol):
    def last_change_id(self) -> int: ...

    def oldest_change_id(self) -> int: ...

    def changes_after(self, after: int, limit: int) -> list[Change]: ...

    def trim_changes(self, through: int) -> None: ...


class ChangeQueries:
    conn: sqlite3.Connection

    def last_change_id(self) -> int:
        """The newest change's id (0 when the log is empty)."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0]

    def oldest_change_id(self) -> int:
        """The oldest change kept (0 when the log is empty)."""
        return self.conn.execute("SELECT min(id) FROM change_log").fetchone()[0] or 0

    def changes_after(self, after: int, limit: int) -> list[Change]:
        """The changes after id `after`, oldest first, at most `limit`."""
        return self.conn.execute(
            "SELECT id, type, ticket_id, version, team_id, customer_id, kind FROM change_log"
            " WHERE id > ? ORDER BY id LIMIT ?", (after, limit)).fetchall()

    def trim_changes(self, through: int) -> None:
        """Delete the changes up to id `through`."""
        self.conn.execute("DELETE FROM change_log WHERE id <= ?", (through,))
