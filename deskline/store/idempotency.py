"""Stored answers of writes made with an Idempotency-Key (table `idempotency_keys`)."""

from __future__ import annotations

import sqlite3
from typing import Protocol

# (fingerprint of the request, status, JSON body, headers as JSON)
StoredAnswer = tuple[str, int, bytes, str]


class IdempotencyStore(Protocol):
    def stored_answer(self, agent_id: int, key: str) -> StoredAnswer | None: ...

    def store_answer(self, agent_id: int, key: str, fingerprint: str, status: int,
                     body: bytes, headers: str, now: str) -> None: ...

    def forget_answers_older_than(self, hours: float) -> None: ...


class IdempotencyQueries:
    conn: sqlite3.Connection

    def stored_answer(self, agent_id: int, key: str) -> StoredAnswer | None:
        return self.conn.execute(
            "SELECT fingerprint, status, body, headers FROM idempotency_keys"
            " WHERE agent_id = ? AND key = ?", (agent_id, key)).fetchone()

    def store_answer(self, agent_id: int, key: str, fingerprint: str, status: int,
                     body: bytes, headers: str, now: str) -> None:
        self.conn.execute(
            "INSERT INTO idempotency_keys (agent_id, key, fingerprint, status, body,"
            " headers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (agent_id, key, fingerprint, status, body, headers, now))

    def forget_answers_older_than(self, hours: float) -> None:
        """Delete the answers stored more than `hours` ago (by the database's clock)."""
        self.conn.execute(
            "DELETE FROM idempotency_keys WHERE created_at < strftime('%Y-%m-%dT%H:%M:%f',"
            " 'now', ?)", (f"-{hours} hours",))
