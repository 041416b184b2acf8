"""The report queries: counts and timestamps over the tickets a scope may see in a period,
narrowed by team and assignee. `deskline.reports` turns them into figures."""

from __future__ import annotations

import sqlite3
from typing import Literal, Protocol

from deskline.access import Scope
from deskline.models import ReportFilter
from deskline.store import ticket_filters as filters
from deskline.store.ticket_filters import Where
from deskline.store.tickets import scope_sql


def _narrow(scope: Scope, f: ReportFilter) -> tuple[str, list]:
    """The WHERE fragment (tickets as `t`) of the scope and the filter's team and agent."""
    w = Where(scope_sql(scope, many=True))
    filters.equal(w, "t.team_id", f.team_id)
    filters.equal(w, "t.assignee_id", f.agent_id)
    return w.sql(), w.params


class ReportStore(Protocol):
    """Times are stored text; [lo, hi) is the period."""

    def opened_per_day(self, scope: Scope, f: ReportFilter, lo: str,
                       hi: str) -> dict[str, int]: ...
    def closed_per_day(self, scope: Scope, f: ReportFilter, lo: str,
                       hi: str) -> dict[str, int]: ...
    def open_per_stage(self, scope: Scope, f: ReportFilter) -> dict[int, int]: ...
    def settled_clocks(self, scope: Scope, f: ReportFilter, lo: str,
                       hi: str) -> dict[str, int]: ...
    def first_agent_replies(self, scope: Scope, f: ReportFilter, lo: str,
                            hi: str) -> list[tuple[int, str, str | None]]: ...
    def closing_times(self, scope: Scope, f: ReportFilter, lo: str,
                      hi: str) -> list[tuple[int, str, str]]: ...
    def ratings_given(self, scope: Scope, f: ReportFilter, lo: str,
                      hi: str) -> list[tuple[int, int | None, int]]: ...


class ReportQueries:
    """A mixin of `SqliteStore`."""

    conn: sqlite3.Connection

    def opened_per_day(self, scope: Scope, f: ReportFilter, lo: str, hi: str) -> dict[str, int]:
        """UTC date -> tickets created that day."""
        return self._per_day("created_at", scope, f, lo, hi)

    def closed_per_day(self, scope: Scope, f: ReportFilter, lo: str, hi: str) -> dict[str, int]:
        """UTC date -> tickets closed that day."""
        return self._per_day("closed_at", scope, f, lo, hi)

    def _per_day(self, column: Literal["created_at", "closed_at"], scope: Scope,
                 f: ReportFilter, lo: str, hi: str) -> dict[str, int]:
        narrow, params = _narrow(scope, f)
        return dict(self.conn.execute(
            f"SELECT substr(t.{column}, 1, 10), count(*) FROM tickets t"
            f" WHERE t.{column} >= ? AND t.{column} < ? AND {narrow} GROUP BY 1",
            [lo, hi, *params]).fetchall())

    def open_per_stage(self, scope: Scope, f: ReportFilter) -> dict[int, int]:
        """stage id -> open tickets now."""
        narrow, params = _narrow(scope, f)
        return dict(self.conn.execute(
            f"SELECT t.stage_id, count(*) FROM tickets t WHERE t.is_open = 1 AND {narrow}"
            " GROUP BY t.stage_id", params).fetchall())

    def settled_clocks(self, scope: Scope, f: ReportFilter, lo: str, hi: str) -> dict[str, int]:
        """'reached'/'failed' -> SLA clocks of tickets created in the period."""
        narrow, params = _narrow(scope, f)
        return dict(self.conn.execute(
            "SELECT s.status, count(*) FROM ticket_slas s JOIN tickets t ON t.id = s.ticket_id"
            f" WHERE t.created_at >= ? AND t.created_at < ? AND {narrow}"
            " AND s.status IN ('reached', 'failed') GROUP BY s.status",
            [lo, hi, *params]).fetchall())

    def first_agent_replies(self, scope: Scope, f: ReportFilter, lo: str,
                            hi: str) -> list[tuple[int, str, str | None]]:
        """(team id, created, first agent reply or None) of tickets created in the period."""
        narrow, params = _narrow(scope, f)
        return self.conn.execute(
            "SELECT t.team_id, t.created_at, (SELECT min(m.created_at) FROM messages m"
            " WHERE m.ticket_id = t.id AND m.kind = 'reply' AND m.author_agent_id IS NOT NULL)"
            f" FROM tickets t WHERE t.created_at >= ? AND t.created_at < ? AND {narrow}",
            [lo, hi, *params]).fetchall()

    def closing_times(self, scope: Scope, f: ReportFilter, lo: str,
                      hi: str) -> list[tuple[int, str, str]]:
        """(team id, created, closed) of tickets closed in the period."""
        narrow, params = _narrow(scope, f)
        return self.conn.execute(
            "SELECT t.team_id, t.created_at, t.closed_at FROM tickets t"
            f" WHERE t.closed_at >= ? AND t.closed_at < ? AND {narrow}",
            [lo, hi, *params]).fetchall()

    def ratings_given(self, scope: Scope, f: ReportFilter, lo: str,
                      hi: str) -> list[tuple[int, int | None, int]]:
        """(team id, assignee id, rating) of tickets rated in the period."""
        narrow, params = _narrow(scope, f)
        return self.conn.execute(
            "SELECT t.team_id, t.assignee_id, t.rating FROM tickets t"
            f" WHERE t.rated_at >= ? AND t.rated_at < ? AND t.rating IS NOT NULL AND {narrow}",
            [lo, hi, *params]).fetchall()
