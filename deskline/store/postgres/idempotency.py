"""Stored answers of writes made with an Idempotency-Key, on PostgreSQL: SQLite's queries
(`store/idempotency.py`) but forgetting, which reads the database's clock."""

from __future__ import annotations

import sqlite3


class PgIdempotencyQueries:
    conn: sqlite3.Connection  # statements.StatementConnection in PgStore

    def forget_answers_older_than(self, hours: float) -> None:
        """Delete the answers stored more than `hours` ago (by the database's clock; the
        same text as SQLite's strftime('%Y-%m-%dT%H:%M:%f', 'now', '-N hours'))."""
        self.conn.execute(
            "DELETE FROM idempotency_keys WHERE created_at < to_char((now() AT TIME ZONE"
            " 'UTC') - make_interval(secs => ?), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')",
            (hours * 3600,))
