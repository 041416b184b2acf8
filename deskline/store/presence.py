"""Presence (table `presence`, migration 0016): who has which ticket open or is writing
an answer, in the database so that every server process sees it. A change is told to
event streams through a `presence` row of the change log."""

from __future__ import annotations

import sqlite3
from typing import Protocol

PresenceRow = tuple[int, str, str, str]  # agent id, agent name, state, since


class PresenceStore(Protocol):
    def presence_on(self, ticket_id: int, now: str) -> list[PresenceRow]: ...

    def presence_state(self, ticket_id: int, agent_id: int, now: str) -> str | None: ...

    def set_presence(self, ticket_id: int, agent_id: int, state: str, since: str,
                     expires_at: str) -> None: ...

    def extend_presence(self, ticket_id: int, agent_id: int, expires_at: str) -> None: ...

    def clear_presence(self, ticket_id: int, agent_id: int) -> None: ...

    def lapsed_presence(self, now: str) -> list[int]: ...

    def drop_lapsed_presence(self, now: str) -> list[int]: ...

    def log_presence(self, ticket_id: int) -> None: ...


class PresenceQueries:
    conn: sqlite3.Connection

    def presence_on(self, ticket_id: int, now: str) -> list[PresenceRow]:
        """Who is on the ticket now, first come first."""
        return self.conn.execute(
            "SELECT p.agent_id, a.name, p.state, p.since FROM presence p"
            " JOIN agents a ON a.id = p.agent_id"
            " WHERE p.ticket_id = ? AND p.expires_at > ? ORDER BY p.since, p.agent_id",
            (ticket_id, now)).fetchall()

    def presence_state(self, ticket_id: int, agent_id: int, now: str) -> str | None:
        """The agent's state on the ticket, unless lapsed."""
        row = self.conn.execute(
            "SELECT state FROM presence WHERE ticket_id = ? AND agent_id = ?"
            " AND expires_at > ?", (ticket_id, agent_id, now)).fetchone()
        return row[0] if row else None

    def set_presence(self, ticket_id: int, agent_id: int, state: str, since: str,
                     expires_at: str) -> None:
        self.clear_presence(ticket_id, agent_id)
        self.conn.execute(
            "INSERT INTO presence (ticket_id, agent_id, state, since, expires_at)"
            " VALUES (?, ?, ?, ?, ?)", (ticket_id, agent_id, state, since, expires_at))

    def extend_presence(self, ticket_id: int, agent_id: int, expires_at: str) -> None:
        self.conn.execute("UPDATE presence SET expires_at = ? WHERE ticket_id = ?"
                          " AND agent_id = ?", (expires_at, ticket_id, agent_id))

    def clear_presence(self, ticket_id: int, agent_id: int) -> None:
        self.conn.execute("DELETE FROM presence WHERE ticket_id = ? AND agent_id = ?",
                          (ticket_id, agent_id))

    def lapsed_presence(self, now: str) -> list[int]:
        """The tickets with a lapsed presence (a read: most sweeps find none)."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT ticket_id FROM presence WHERE expires_at <= ?", (now,))]

    def drop_lapsed_presence(self, now: str) -> list[int]:
        """Delete the lapsed presences (in a transaction); their tickets. Another process
        sweeping at once finds them gone."""
        tickets = self.lapsed_presence(now)
        if tickets:
            self.conn.execute("DELETE FROM presence WHERE expires_at <= ?", (now,))
        return tickets

    def log_presence(self, ticket_id: int) -> None:
        """A `presence` row in the change log: every process's streams hear of it."""
        self.conn.execute(
            "INSERT INTO change_log (type, ticket_id, version, team_id, customer_id)"
            " SELECT 'presence', id, version, team_id, customer_id FROM tickets"
            " WHERE id = ?", (ticket_id,))
