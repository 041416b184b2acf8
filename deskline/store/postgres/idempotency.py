"""Stored answers of writes made with an Idempotency-Key, on PostgreSQL: what
`store/idempotency.py` does on SQLite, seen by every server process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskline.store.idempotency import StoredAnswer
from deskline.store.postgres.connection import PgConnections

if TYPE_CHECKING:
    from deskline.store.idempotency import IdempotencyStore


class PgIdempotencyQueries:
    db: PgConnections

    def stored_answer(self, agent_id: int, key: str) -> StoredAnswer | None:
        return self.db.row(
            "SELECT fingerprint, status, body, headers FROM idempotency_keys"
            " WHERE agent_id = %s AND key = %s", (agent_id, key))

    def store_answer(self, agent_id: int, key: str, fingerprint: str, status: int,
                     body: bytes, headers: str, now: str) -> None:
        self.db.rows(
            "INSERT INTO idempotency_keys (agent_id, key, fingerprint, status, body,"
            " headers, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (agent_id, key, fingerprint, status, body, headers, now))

    def forget_answers_older_than(self, hours: float) -> None:
        """Delete the answers stored more than `hours` ago (by the database's clock; the
        same text as SQLite's strftime('%Y-%m-%dT%H:%M:%f', 'now', '-N hours'))."""
        self.db.rows(
            "DELETE FROM idempotency_keys WHERE created_at < to_char((now() AT TIME ZONE"
            " 'UTC') - make_interval(secs => %s), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')",
            (hours * 3600,))


if TYPE_CHECKING:  # the protocol the SQLite store's IdempotencyQueries implements
    _IMPLEMENTS: type[IdempotencyStore] = PgIdempotencyQueries
