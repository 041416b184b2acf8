"""The change log that feeds the event stream, on PostgreSQL: what `store/changes.py` does
on SQLite. Its ids follow commit order there too (migration 0013's trigger), so reading
after the last id seen never skips a change committed later by another process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskline.store.changes import Change
from deskline.store.postgres.connection import PgConnections

if TYPE_CHECKING:
    from deskline.store.changes import ChangeStore


class PgChangeQueries:
    db: PgConnections

    def last_change_id(self) -> int:
        """The newest change's id (0 when the log is empty)."""
        row = self.db.row("SELECT coalesce(max(id), 0) FROM change_log")
        return row[0] if row else 0

    def oldest_change_id(self) -> int:
        """The oldest change kept (0 when the log is empty)."""
        row = self.db.row("SELECT coalesce(min(id), 0) FROM change_log")
        return row[0] if row else 0

    def changes_after(self, after: int, limit: int) -> list[Change]:
        """The changes after id `after`, oldest first, at most `limit`."""
        return self.db.rows(
            "SELECT id, type, ticket_id, version, team_id, customer_id, kind FROM change_log"
            " WHERE id > %s ORDER BY id LIMIT %s", (after, limit))

    def trim_changes(self, through: int) -> None:
        """Delete the changes up to id `through`."""
        self.db.rows("DELETE FROM change_log WHERE id <= %s", (through,))


if TYPE_CHECKING:  # the protocol the SQLite store's ChangeQueries implements
    _IMPLEMENTS: type[ChangeStore] = PgChangeQueries
