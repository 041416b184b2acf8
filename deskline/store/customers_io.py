"""The outbox check of closing and ratings, and one mail setting: what is left of the
customers' and imports' queries (customers are in customers.py, import mappings in
mappings.py). A mixin of `SqliteStore`."""

from __future__ import annotations

import sqlite3
from typing import Protocol


class CustomerIoQueries:
    conn: sqlite3.Connection

    # --- outbox checks -----------------------------------------------------------------------

    def mail_queued(self, ticket_id: int, kind: str) -> bool:
        return self.conn.execute("SELECT 1 FROM outbox WHERE ticket_id = ? AND kind = ?",
                                 (ticket_id, kind)).fetchone() is not None

    def mail_setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM mail_settings WHERE key = ?",
                                (key,)).fetchone()
        return row[0] if row else None


class CustomerIoStore(Protocol):
    """The outbox check of ratings and one mail setting (the mail part moves them)."""

    def mail_queued(self, ticket_id: int, kind: str) -> bool: ...
    def mail_setting(self, key: str) -> str | None: ...
