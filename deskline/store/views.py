"""Saved views (an agent's named queries) and the queries of a view's tickets across
teams: a page, newest change first, by keyset, and a count that stops at a cap."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from deskline.access import Scope
from deskline.models import SavedView, ViewFilter, ViewRow
from deskline.store import ticket_filters as filters
from deskline.store.db import inserted_id
from deskline.store.ticket_filters import Where
from deskline.store.tickets import CARD_COLUMNS, CARD_FROM, card_fields, scope_sql

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


def _view_where(scope: Scope, f: ViewFilter, cutoffs: ViewCutoffs) -> Where:
    """What a page and a count of the view share."""
    w = Where()
    filters.assignee(w, scope, None if f.assignee == "any" else
                     f.assignee_id if f.assignee == "agent" else f.assignee)
    filters.in_project(w, f.project_id)
    filters.words(w, f.text)
    for tag in f.tags:  # every tag, each looked up per row: the walk is by time
        filters.tagged(w, tag, per_row=True)
    # One of the two partial indexes walked newest first; the planner picks it by the
    # matching WHERE term (the partial index's condition, word for word).
    w.add("t.is_open = 1" if f.open_only else "t.archived = 0 AND t.merged_into IS NULL")
    w.add(scope_sql(scope))
    filters.one_of(w, "t.team_id", f.team_ids)
    filters.one_of(w, "t.stage_id", f.stage_ids)
    filters.one_of(w, "t.priority", f.priorities)
    if cutoffs.idle_before is not None:
        w.add("t.updated_at < ?", cutoffs.idle_before)
    if cutoffs.stage_before is not None:
        w.add("coalesce(t.stage_since, t.created_at) < ?", cutoffs.stage_before)
    if f.sla == "failed":
        w.add("t.sla_status = 'failed'")
    elif f.sla == "due_today":
        w.add("t.sla_status = 'ongoing' AND t.sla_deadline < ?", cutoffs.due_before)
    return w


class ViewQueries:
    conn: sqlite3.Connection

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
        w = _view_where(scope, f, cutoffs)
        filters.after(w, "updated", after)
        order = filters.order_by("updated")
        # The page's ids first, then their names: joining agents, customers, teams and
        # stages for every match before the sort cost more than the query itself when
        # the planner starts from the words (thousands of matches).
        rows = self.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM (SELECT t.id FROM tickets t"
            f" WHERE {w.sql()} ORDER BY {order} LIMIT ?) p"
            f", {_ROW_FROM} WHERE t.id = p.id ORDER BY {order}",
            [*w.params, limit]).fetchall()
        return [_row(r) for r in rows]

    def view_count(self, scope: Scope, f: ViewFilter, cutoffs: ViewCutoffs, cap: int) -> int:
        """How many tickets `f` keeps, counted up to `cap` (a count stops early)."""
        w = _view_where(scope, f, cutoffs)
        return self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE {w.sql()} LIMIT ?) kept",
            [*w.params, cap]).fetchone()[0]


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
