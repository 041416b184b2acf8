"""The throttles' counted events (table `throttle_hits`, migration 0016): failed logins
per client address, new tokens per agent — in the database, so that a limit holds across
every server process."""

from __future__ import annotations

import sqlite3
from typing import Protocol


class ThrottleStore(Protocol):
    def throttle_hits(self, name: str, key: str, since: str) -> tuple[int, str | None]: ...

    def add_throttle_hit(self, name: str, key: str, at: str, since: str) -> None: ...

    def forget_throttle_hits(self, before: str) -> None: ...


class ThrottleQueries:
    conn: sqlite3.Connection

    def throttle_hits(self, name: str, key: str, since: str) -> tuple[int, str | None]:
        """How many events of `name` for `key` after `since`, and the oldest's time."""
        count, oldest = self.conn.execute(
            "SELECT count(*), min(hit_at) FROM throttle_hits WHERE name = ? AND key = ?"
            " AND hit_at > ?", (name, key, since)).fetchone()
        return count, oldest

    def add_throttle_hit(self, name: str, key: str, at: str, since: str) -> None:
        """Count one event, forgetting the key's events from before `since`."""
        self.conn.execute("DELETE FROM throttle_hits WHERE name = ? AND key = ?"
                          " AND hit_at <= ?", (name, key, since))
        self.conn.execute("INSERT INTO throttle_hits (name, key, hit_at) VALUES (?, ?, ?)",
                          (name, key, at))

    def forget_throttle_hits(self, before: str) -> None:
        """Events of keys not seen again (no later event forgot them)."""
        self.conn.execute("DELETE FROM throttle_hits WHERE hit_at < ?", (before,))
