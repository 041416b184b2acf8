"""Ticket counts kept by triggers (`ticket_counts`, migration 0015): the board's column
counts, the dashboard's figures and the loads of automatic assignment, read from a few
hundred rows instead of counting a team's tickets.

The triggers on `tickets` keep the table in every writer's transaction. `count_drift`
compares it with a full count (tests, and a check after bulk work); `deferred_counting`
lets a bulk writer add one grouped count at the end instead of a trigger call per row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from deskline.models import BoardFilter

_KEY = "team_id, stage_id, assignee_id, priority, is_open, archived, sla_failed"
# The same key computed from the tickets themselves (CASE: on PostgreSQL a comparison is a
# boolean, not the 0/1 the column holds).
_TICKET_KEY = ("team_id, stage_id, coalesce(assignee_id, 0), priority, is_open, archived,"
               " CASE WHEN sla_status = 'failed' THEN 1 ELSE 0 END")
_TRIGGERS = ("ticket_counts_ai", "ticket_counts_au", "ticket_counts_ad")


def kept(f: BoardFilter | None) -> bool:
    """Whether the counts under this filter are in `ticket_counts` (mine, unassigned and
    priority are part of its key; text, tag and project are not)."""
    return f is None or (not f.text and not f.tag and f.project_id is None)


def _int_list(ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


class CountQueries:
    """A mixin of `SqliteStore`."""

    conn: sqlite3.Connection

    def kept_column_counts(self, team_id: int, f: BoardFilter | None,
                           agent_id: int) -> dict[int, int]:
        """stage id -> tickets of the team not archived, under a `kept` filter (`agent_id`
        is whose tickets `mine` means)."""
        where, params = ["team_id = ?", "archived = 0"], [team_id]
        if f is not None:
            if f.mine:
                where.append("assignee_id = ?")
                params.append(agent_id)
            if f.unassigned:
                where.append("assignee_id = 0")
            if f.priority is not None:
                where.append("priority = ?")
                params.append(f.priority)
        return {stage: n for stage, n in self.conn.execute(
            f"SELECT stage_id, sum(n) FROM ticket_counts WHERE {' AND '.join(where)}"
            " GROUP BY stage_id", params) if n}

    def kept_team_figures(self, agent_id: int, team_ids: Sequence[int]) -> dict[int, tuple]:
        """team id -> (open, unassigned, mine, urgent, sla_failed) over open tickets."""
        rows = self.conn.execute(
            # CASE rather than n * (comparison): PostgreSQL multiplies no booleans.
            "SELECT team_id, sum(n), sum(CASE WHEN assignee_id = 0 THEN n ELSE 0 END),"
            " sum(CASE WHEN assignee_id = ? THEN n ELSE 0 END),"
            " sum(CASE WHEN priority = 3 THEN n ELSE 0 END), sum(n * sla_failed)"
            " FROM ticket_counts"
            f" WHERE is_open = 1 AND team_id IN ({_int_list(team_ids)}) GROUP BY team_id"
            " HAVING sum(n) > 0", (agent_id,)).fetchall()
        return {r[0]: tuple(int(v) for v in r[1:]) for r in rows}

    def kept_team_loads(self, team_id: int,
                        agent_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """agent id -> (total, open) tickets of the team assigned to them."""
        return {r[0]: (r[1], r[2]) for r in self.conn.execute(
            "SELECT assignee_id, sum(n), sum(n * is_open) FROM ticket_counts"
            f" WHERE team_id = ? AND assignee_id IN ({_int_list(agent_ids)})"
            " GROUP BY assignee_id HAVING sum(n) > 0", (team_id,))}

    def count_drift(self) -> list[tuple]:
        """The keys whose kept count differs from a full count of the tickets:
        (*key, kept, counted). Empty when the counters are right."""
        return self.conn.execute(
            f"WITH counted({_KEY}, n) AS (SELECT {_TICKET_KEY}, count(*) FROM tickets"
            " GROUP BY 1, 2, 3, 4, 5, 6, 7),"
            f" kept({_KEY}, n) AS (SELECT {_KEY}, n FROM ticket_counts WHERE n != 0)"
            f" SELECT k.*, coalesce(c.n, 0) FROM kept k LEFT JOIN counted c USING ({_KEY})"
            " WHERE c.n IS NOT k.n"
            f" UNION ALL SELECT c.{_KEY.replace(', ', ', c.')}, 0, c.n FROM counted c"
            f" LEFT JOIN kept k USING ({_KEY}) WHERE k.n IS NULL").fetchall()

    @contextmanager
    def deferred_counting(self) -> Iterator[None]:
        """No trigger call per row inside; the counts recounted in one grouped statement at
        the end (a full count: for building a file, not for adding a few tickets to a big
        one). Use it inside the write transaction, so nobody sees the difference."""
        triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            f" AND name IN ({', '.join('?' * len(_TRIGGERS))})", _TRIGGERS).fetchall()
        for name, _sql in triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        yield
        self.conn.execute("DELETE FROM ticket_counts")
        self.conn.execute(f"INSERT INTO ticket_counts ({_KEY}, n) SELECT {_TICKET_KEY},"
                          " count(*) FROM tickets GROUP BY 1, 2, 3, 4, 5, 6, 7")
        for _name, sql in triggers:
            self.conn.execute(sql)


class CountStore(Protocol):
    """Ticket counts kept by the database."""

    def kept_column_counts(self, team_id: int, f: BoardFilter | None,
                           agent_id: int) -> dict[int, int]: ...
    def kept_team_figures(self, agent_id: int, team_ids: Sequence[int]) -> dict[int,
                          tuple]: ...
    def kept_team_loads(self, team_id: int,
                        agent_ids: Sequence[int]) -> dict[int, tuple[int, int]]: ...
    def count_drift(self) -> list[tuple]: ...
    def deferred_counting(self) -> AbstractContextManager[None]: ...
