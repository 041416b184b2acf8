"""The conditions that narrow a query over tickets (`t`), one function each: the lists
across teams (saved views, `GET /tickets`), the export and the reports build their WHERE
from them. Each adds its clause and its values to a `Where`; ids are integers, inlined,
nothing a person typed is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from deskline.access import Scope
from deskline.clock import to_db
from deskline.store.tickets import _int_list, text_filter_sql

# sort name -> the columns of the ORDER BY (all descending, or all ascending) and of the
# keyset after the last row shown; a saved view is "updated", newest first
SORTS: dict[str, tuple[str, ...]] = {
    "updated": ("t.updated_at", "t.id"),
    "created": ("t.created_at", "t.id"),
    "priority": ("t.priority", "t.created_at", "t.id"),
}


class Where:
    """The clauses of a WHERE, joined by AND, and their values in order."""

    def __init__(self, *clauses: str) -> None:
        self.clauses = list(clauses)
        self.params: list = []

    def add(self, clause: str, *values: object) -> None:
        self.clauses.append(clause)
        self.params += values

    def sql(self) -> str:
        return " AND ".join(self.clauses)


def equal(w: Where, column: str, value: object) -> None:
    """`column` is `value`, when one is given."""
    if value is not None:
        w.add(f"{column} = ?", value)


def one_of(w: Where, column: str, values: Sequence[int]) -> None:
    """`column` is any of the integers, when there are some."""
    if values:
        w.add(f"{column} IN ({_int_list(values)})")


def assignee(w: Where, scope: Scope, who: int | Literal["me", "none"] | None) -> None:
    """Assigned to the agent `who` names: an id, "me" (the scope's agent) or "none"."""
    if who == "none":
        w.add("t.assignee_id IS NULL")
    elif who is not None:
        w.add("t.assignee_id = ?", scope.agent_id if who == "me" else who)


def in_project(w: Where, project_id: int | None) -> None:
    """A ticket of one of the project's customers."""
    if project_id is not None:
        w.add("t.customer_id IN (SELECT customer_id FROM customer_projects"
              " WHERE project_id = ?)", project_id)


def tagged(w: Where, name: str, per_row: bool) -> None:
    """Carrying the tag. `per_row` looks it up for each ticket read (a query walking
    another index, or a common tag); else the tag's tickets are read first (a rare tag)."""
    if per_row:
        w.add("EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id"
              " AND tt.tag_id = (SELECT id FROM tags WHERE name = ?))", name)
    else:
        w.add("t.id IN (SELECT tt.ticket_id FROM ticket_tags tt JOIN tags g"
              " ON g.id = tt.tag_id WHERE g.name = ?)", name)


def between(w: Where, column: str, since: datetime | None, until: datetime | None) -> None:
    """`column` (a time) at or after `since` and before `until`, those given."""
    if since is not None:
        w.add(f"{column} >= ?", to_db(since))
    if until is not None:
        w.add(f"{column} < ?", to_db(until))


def words(w: Where, text: str | None) -> None:
    """The board's text filter: the words (full text) or the number."""
    if text:
        w.clauses.append(text_filter_sql(text, w.params))


def after(w: Where, sort: str, values: Sequence | None, ascending: bool = False) -> None:
    """Beyond the keyset `values` (the sort's columns) of the last row shown."""
    if values is not None:
        keys = SORTS[sort]
        w.add(f"({', '.join(keys)}) {'>' if ascending else '<'}"
              f" ({', '.join('?' * len(keys))})", *values)


def order_by(sort: str, ascending: bool = False) -> str:
    """The ORDER BY of the sort, newest (or most urgent) first unless `ascending`."""
    direction = "ASC" if ascending else "DESC"
    return ", ".join(f"{k} {direction}" for k in SORTS[sort])
