"""Queries of the integrations' views over tickets: the filtered list (`GET /tickets`) and
the change feed (`GET /tickets/changes`, over `ticket_sync` from migration 0013).

Both read a ticket's own row only (one query per page) and carry the scope's SQL, like
every ticket read."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache
from typing import Protocol

from pydantic import TypeAdapter

from deskline.access import Scope
from deskline.models import TicketChange, TicketListFilter, TicketSummary
from deskline.store import ticket_filters as filters
from deskline.store.ticket_filters import Where
from deskline.store.tickets import scope_sql, split_tags

_SUMMARY_COLUMNS = (
    "t.id, t.number, t.subject, t.description, t.team_id, t.stage_id, t.assignee_id, a.name,"
    " t.customer_id, coalesce(nullif(c.name, ''), c.email), c.email, t.organization_id,"
    " t.priority, t.tags, t.channel, t.created_at, t.updated_at, t.closed_at,"
    " t.sla_deadline, t.sla_status, t.rating, t.version, t.merged_into, t.split_from,"
    " t.archived, {count}"
)
_SUMMARY_FROM = (
    " LEFT JOIN agents a ON a.id = t.assignee_id LEFT JOIN customers c ON c.id = t.customer_id"
)
_FIELDS = ("id", "number", "subject", "description", "team_id", "stage_id", "assignee_id",
           "assignee_name", "customer_id", "customer_name", "customer_email",
           "organization_id", "priority", "tags", "channel", "created_at", "updated_at",
           "closed_at", "sla_deadline", "sla_status", "rating", "version", "merged_into",
           "split_from", "archived", "message_count")

# sort name -> (the index walked in that order over all tickets, over one team's)
SORT_INDEXES = {
    "updated": ("ix_tickets_updated_all", "ix_tickets_team_updated"),
    "created": ("ix_tickets_created", "ix_tickets_team_created"),
    "priority": ("ix_tickets_priority", "ix_tickets_team_priority"),
}
# A tag on more tickets than this is looked up per row while walking the sort's index; a
# rarer one is read whole, then sorted.
COMMON_TAG = 2000


def _summary_columns(scope: Scope) -> str:
    # customers' accounts count only replies, as a ticket read does
    count = ("t.message_count" if scope.internal else
             "(SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.kind = 'reply')")
    return _SUMMARY_COLUMNS.format(count=count)


def _summary_values(row: Sequence) -> dict:
    values = dict(zip(_FIELDS, row, strict=True))
    values["tags"] = split_tags(values["tags"])
    values["archived"] = bool(values["archived"])
    return values


# A page is validated in one call: a call per row (and a TicketChange built around each
# summary) made a feed page of 1,000 with its JSON about a tenth dearer (13.4 against
# 12.3 ms, bench/ticket_sync.py --feed-only). Built on first use, like the models.
@cache
def _summaries() -> TypeAdapter[list[TicketSummary]]:
    return TypeAdapter(list[TicketSummary])


@cache
def _changes() -> TypeAdapter[list[TicketChange]]:
    return TypeAdapter(list[TicketChange])


def _list_where(scope: Scope, f: TicketListFilter, common_tag: bool = False) -> Where:
    w = Where(scope_sql(scope, team_id=f.team_id))
    filters.equal(w, "t.team_id", f.team_id)
    filters.equal(w, "t.stage_id", f.stage_id)
    filters.equal(w, "t.customer_id", f.customer_id)
    filters.equal(w, "t.organization_id", f.organization_id)
    filters.equal(w, "t.priority", f.priority)
    filters.assignee(w, scope, f.assignee)
    filters.in_project(w, f.project_id)
    if f.tag:
        filters.tagged(w, f.tag, per_row=common_tag)
    # archived = 0 is implied by is_open = 1, and said for the board's (partial) index;
    # is_open = 0 lets an agent's closed tickets come by index
    w.clauses += {"open": ["t.is_open = 1", "t.archived = 0"],
                  "closed": ["t.is_open = 0", "t.closed_at IS NOT NULL", "t.archived = 0"],
                  "archived": ["t.archived = 1"], None: []}[f.status]
    filters.between(w, "t.created_at", f.created_since, f.created_until)
    filters.between(w, "t.updated_at", f.updated_since, f.updated_until)
    filters.words(w, f.text)
    return w


def _sort_index(f: TicketListFilter, common_tag: bool) -> str:
    """The INDEXED BY clause that walks the list in its order, unless a filter picks out
    few tickets (a customer, an organization, a project, an agent, a rare tag, words):
    then the planner reads those by their own index and sorts them. Without statistics it
    would otherwise take any index of the team and sort the whole team for one page."""
    selective = (f.customer_id, f.organization_id, f.project_id, f.text,
                 f.assignee if f.assignee != "none" else None,
                 f.tag if f.tag and not common_tag else None)
    if any(v is not None for v in selective):
        return ""
    if f.team_id is not None and f.stage_id is not None and f.sort == "priority" and \
            f.status in ("open", "closed"):  # the board's index leaves archived tickets out
        return " INDEXED BY ix_tickets_board"
    every, team = SORT_INDEXES[f.sort]
    return f" INDEXED BY {team if f.team_id is not None else every}"


class TicketListQueries:
    conn: sqlite3.Connection

    def ticket_list(self, scope: Scope, f: TicketListFilter, after: Sequence | None,
                    limit: int) -> list[TicketSummary]:
        """A page of the filtered list in `f.sort` order (descending unless `f.order` is
        "asc"), by keyset: `after` holds the sort's columns of the last row shown
        (`ticket_filters.SORTS`)."""
        common_tag = bool(f.tag) and self._tag_count(f.tag or "") > COMMON_TAG
        w = _list_where(scope, f, common_tag)
        filters.after(w, f.sort, after, ascending=f.order == "asc")
        rows = self.conn.execute(
            f"SELECT {_summary_columns(scope)} FROM tickets t{_sort_index(f, common_tag)}"
            f"{_SUMMARY_FROM} WHERE {w.sql()}"
            f" ORDER BY {filters.order_by(f.sort, f.order == 'asc')} LIMIT ?",
            [*w.params, limit],
        ).fetchall()
        return _summaries().validate_python([_summary_values(r) for r in rows])

    def _tag_count(self, name: str) -> int:
        """How many tickets carry the tag, counted up to just past COMMON_TAG."""
        return self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM ticket_tags WHERE tag_id ="
            " (SELECT id FROM tags WHERE name = ?) LIMIT ?) tagged",
            (name, COMMON_TAG + 1)).fetchone()[0]

    def sync_position(self) -> tuple[int, int]:
        """(the newest change number committed, the newest number of a dropped tombstone).
        Read before the changes themselves: a writer still open commits above it."""
        row = self.conn.execute("SELECT seq, trimmed FROM sync_counter WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def ticket_changes(self, scope: Scope, after: int, upto: int,
                       limit: int) -> list[TicketChange]:
        """The tickets (and tombstones) the scope may see whose latest change is numbered
        in (after, upto], in change order."""
        visible = (f"((s.deleted_at IS NULL AND {scope_sql(scope, 't')})"
                   f" OR (s.deleted_at IS NOT NULL AND {scope_sql(scope, 's')}))")
        rows = self.conn.execute(
            f"SELECT s.seq, s.id, s.number, s.deleted_at IS NOT NULL, {_summary_columns(scope)}"
            f" FROM ticket_sync s LEFT JOIN tickets t ON t.id = s.id AND s.deleted_at IS NULL"
            f"{_SUMMARY_FROM} WHERE s.seq > ? AND s.seq <= ? AND {visible}"
            " ORDER BY s.seq LIMIT ?", (after, upto, limit)).fetchall()
        return _changes().validate_python([
            {"seq": r[0], "id": r[1], "number": r[2], "deleted": True} if r[3] else
            {"seq": r[0], "id": r[4], "number": r[5], "ticket": _summary_values(r[4:])}
            for r in rows])

    def trim_tombstones(self, deleted_before: str) -> int:
        """Drop the tombstones of tickets deleted before the time; how many. A feed cursor
        older than the newest dropped is answered with a reset."""
        self.conn.execute(
            "UPDATE sync_counter SET trimmed = max(trimmed, coalesce((SELECT max(seq)"
            " FROM ticket_sync WHERE deleted_at < ?), 0)) WHERE id = 1", (deleted_before,))
        return self.conn.execute("DELETE FROM ticket_sync WHERE deleted_at < ?",
                                 (deleted_before,)).rowcount


class TicketListStore(Protocol):
    """The filtered ticket list and the change feed."""

    def ticket_list(self, scope: Scope, f: TicketListFilter, after: Sequence | None,
                    limit: int) -> list[TicketSummary]: ...
    def sync_position(self) -> tuple[int, int]: ...
    def ticket_changes(self, scope: Scope, after: int, upto: int,
                       limit: int) -> list[TicketChange]: ...
    def trim_tombstones(self, deleted_before: str) -> int: ...
