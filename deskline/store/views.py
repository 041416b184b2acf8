"""Saved views (an agent's named queries) and the queries of a view's tickets across
teams: a page, newest change first, by keyset, and a count that stops at a cap."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from deskline.access import Scope
from deskline.models import BoardFilter, SavedView, ViewFilter, ViewRow
from deskline.store.db import inserted_id
from deskline.store.tickets import CARD_COLUMNS, CARD_FROM, _int_list, card_fields, scope_sql

_VIEW_COLUMNS = "id, name, filter, created_at, updated_at"
_ROW_COLUMNS = (f"{CARD_COLUMNS}, tm.name, s.name, t.updated_at,"
                " coalesce(t.stage_since, t.created_at)")
_ROW_FROM = (f"{CARD_FROM} JOIN teams tm ON tm.id = t.team_id"
             " JOIN stages s ON s.id = t.stage_id")


@dataclass(frozen=True)
class ViewCutoffs:
    """A filter's times as of now (database text): unchanged since (`idle_days`), in its
    stage since (`in_stage_days`), an SLA deadline before (the end of today)."""

    idle_before: str | None
    stage_before: str | None
    due_before: str


def _view(row: Sequence) -> SavedView:
    return SavedView(id=row[0], name=row[1], filter=ViewFilter.model_validate_json(row[2]),
                     created_at=row[3], updated_at=row[4])


def _row(row: Sequence) -> ViewRow:
    return ViewRow.model_validate({**card_fields(row), "team_name": row[15],
                                   "stage_name": row[16], "updated_at": row[17],
                                   "stage_since": row[18]})


class ViewQueries:
    conn: sqlite3.Connection
    # TicketQueries', on the same store: the board's text, project, tag and assignee
    # conditions, written once
    _filter_sql: Callable[[Scope, BoardFilter | None], tuple[list[str], list]]

    def views(self, agent_id: int) -> list[SavedView]:
        return [_view(r) for r in self.conn.execute(
            f"SELECT {_VIEW_COLUMNS} FROM saved_views WHERE agent_id = ? ORDER BY name, id",
            (agent_id,))]

    def view(self, agent_id: int, view_id: int) -> SavedView | None:
        row = self.conn.execute(
            f"SELECT {_VIEW_COLUMNS} FROM saved_views WHERE agent_id = ? AND id = ?",
            (agent_id, view_id)).fetchone()
        return _view(row) if row else None

    def view_id_by_name(self, agent_id: int, name: str) -> int | None:
        row = self.conn.execute("SELECT id FROM saved_views WHERE agent_id = ? AND name = ?",
                                (agent_id, name)).fetchone()
        return row[0] if row else None

    def insert_view(self, agent_id: int, name: str, filter_json: str, now: str) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO saved_views (agent_id, name, filter, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)", (agent_id, name, filter_json, now, now)))

    def update_view(self, view_id: int, name: str, filter_json: str, now: str) -> None:
        self.conn.execute("UPDATE saved_views SET name = ?, filter = ?, updated_at = ?"
                          " WHERE id = ?", (name, filter_json, now, view_id))

    def delete_view(self, view_id: int) -> None:
        self.conn.execute("DELETE FROM saved_views WHERE id = ?", (view_id,))

    def view_page(self, scope: Scope, f: ViewFilter, cutoffs: ViewCutoffs,
                  after: tuple[str, int] | None, limit: int) -> list[ViewRow]:
        """A page of the tickets `f` keeps, newest change first."""
        where, params = self._view_where(scope, f, cutoffs)
        if after is not None:
            where.append("(t.updated_at, t.id) < (?, ?)")
            params += list(after)
        # The page's ids first, then their names: joining agents, customers, teams and
        # stages for every match before the sort cost more than the query itself when
        # the planner starts from the words (thousands of matches).
        rows = self.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM (SELECT t.id FROM tickets t"
            f" WHERE {' AND '.join(where)} ORDER BY t.updated_at DESC, t.id DESC LIMIT ?) p"
            f", {_ROW_FROM} WHERE t.id = p.id ORDER BY t.updated_at DESC, t.id DESC",
            [*params, limit]).fetchall()
        return [_row(r) for r in rows]

    def view_count(self, scope: Scope, f: ViewFilter, cutoffs: ViewCutoffs, cap: int) -> int:
        """How many tickets `f` keeps, counted up to `cap` (a count stops early)."""
        where, params = self._view_where(scope, f, cutoffs)
        return self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE {' AND '.join(where)}"
            " LIMIT ?)", [*params, cap]).fetchone()[0]

    def _view_where(self, scope: Scope, f: ViewFilter,
                    cutoffs: ViewCutoffs) -> tuple[list[str], list]:
        where, params = self._filter_sql(scope, BoardFilter(
            text=f.text, mine=f.assignee == "me", unassigned=f.assignee == "none",
            project_id=f.project_id))
        for tag in f.tags:  # every tag
            more, tag_params = self._filter_sql(scope, BoardFilter(tag=tag))
            where += more
            params += tag_params
        # One of the two partial indexes walked newest first; the planner picks it by the
        # matching WHERE term (the partial index's condition, word for word).
        where.append("t.is_open = 1" if f.open_only else
                     "t.archived = 0 AND t.merged_into IS NULL")
        where.append(scope_sql(scope))
        if f.team_ids:
            where.append(f"t.team_id IN ({_int_list(f.team_ids)})")
        if f.stage_ids:
            where.append(f"t.stage_id IN ({_int_list(f.stage_ids)})")
        if f.assignee == "agent":
            where.append("t.assignee_id = ?")
            params.append(f.assignee_id)
        if f.priorities:
            where.append(f"t.priority IN ({_int_list(f.priorities)})")
        if cutoffs.idle_before is not None:
            where.append("t.updated_at < ?")
            params.append(cutoffs.idle_before)
        if cutoffs.stage_before is not None:
            where.append("coalesce(t.stage_since, t.created_at) < ?")
            params.append(cutoffs.stage_before)
        if f.sla == "failed":
            where.append("t.sla_status = 'failed'")
        elif f.sla == "due_today":
            where.append("t.sla_status = 'ongoing' AND t.sla_deadline < ?")
            params.append(cutoffs.due_before)
        return where, params


class ViewStore(Protocol):
    """An agent's saved views and the tickets a view keeps."""

    def views(self, agent_id: int) -> list[SavedView]: ...
    def view(self, agent_id: int, view_id: int) -> SavedView | None: ...
    def view_id_by_name(self, agent_id: int, name: str) -> int | None: ...
    def insert_view(self, agent_id: int, name: str, filter_json: str, now: str) -> int: ...
    def update_view(self, view_id: int, name: str, filter_json: str, now: str) -> None: ...
    def delete_view(self, view_id: int) -> None: ...
    def view_page(self, scope: Scope, f: ViewFilter, cutoffs: ViewCutoffs,
                  after: tuple[str, int] | None, limit: int) -> list[ViewRow]: ...
    def view_count(self, scope: Scope, f: ViewFilter, cutoffs: ViewCutoffs,
                   cap: int) -> int: ...
