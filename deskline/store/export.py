"""The export's reads: tickets and customers in keyset batches by id, each batch one short
query (no read transaction stays open), and a small page cache while they stream."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from deskline.access import Scope
from deskline.models import CustomerExportFilter, TicketExportFilter
from deskline.store import ticket_filters as filters
from deskline.store.customers import customer_filter_sql
from deskline.store.ticket_filters import Where
from deskline.store.tickets import scope_sql

EXPORT_CACHE_KIB = -4096  # 4 MiB


class ExportStore(Protocol):
    def ticket_export_batch(self, scope: Scope, f: TicketExportFilter, after: int,
                            limit: int) -> list[tuple]: ...
    def customer_export_batch(self, f: CustomerExportFilter, after: int,
                              limit: int) -> list[tuple]: ...
    def small_cache(self) -> AbstractContextManager[None]: ...


def _ticket_where(scope: Scope, f: TicketExportFilter) -> Where:
    w = Where(scope_sql(scope))
    for column, value in (("t.team_id", f.team_id), ("t.stage_id", f.stage_id),
                          ("t.assignee_id", f.assignee_id), ("t.customer_id", f.customer_id),
                          ("t.organization_id", f.organization_id)):
        filters.equal(w, column, value)
    filters.in_project(w, f.project_id)
    filters.between(w, "t.created_at", f.since, f.until)
    if f.open is not None:
        w.add("t.closed_at IS NULL" if f.open else "t.closed_at IS NOT NULL")
    if not f.include_archived:
        w.add("t.archived = 0")
    return w


class ExportQueries:
    """A mixin of `SqliteStore`."""

    conn: sqlite3.Connection

    def ticket_export_batch(self, scope: Scope, f: TicketExportFilter, after: int,
                            limit: int) -> list[tuple]:
        """Up to `limit` tickets the scope may see with an id above `after`, by id: (id,
        number, subject, description, team, stage, priority, assignee email, customer
        email, customer name, organization, tags, channel, created, updated, closed,
        SLA status, rating)."""
        w = _ticket_where(scope, f)
        return self.conn.execute(
            "SELECT t.id, t.number, t.subject, t.description, tm.name, s.name, t.priority,"
            " a.email, c.email, c.name, o.name, t.tags, t.channel, t.created_at, t.updated_at,"
            " t.closed_at, t.sla_status, t.rating"
            " FROM tickets t JOIN teams tm ON tm.id = t.team_id JOIN stages s ON s.id = t.stage_id"
            " LEFT JOIN agents a ON a.id = t.assignee_id"
            " LEFT JOIN customers c ON c.id = t.customer_id"
            " LEFT JOIN organizations o ON o.id = t.organization_id"
            f" WHERE t.id > ? AND {w.sql()} ORDER BY t.id LIMIT {int(limit)}",
            [after, *w.params]).fetchall()

    def customer_export_batch(self, f: CustomerExportFilter, after: int,
                              limit: int) -> list[tuple]:
        """Up to `limit` customers with an id above `after`, by id: (id, email, name,
        organization, phone, created, project names joined by ', ')."""
        where, params = customer_filter_sql(f.text, f.organization_id, f.project_id,
                                            f.unassigned, alias="c")
        return self.conn.execute(
            "SELECT c.id, c.email, c.name, o.name, c.phone, c.created_at,"
            " (SELECT group_concat(p.name, ', ') FROM customer_projects cp"
            "  JOIN projects p ON p.id = cp.project_id WHERE cp.customer_id = c.id)"
            " FROM customers c LEFT JOIN organizations o ON o.id = c.organization_id"
            f" WHERE c.id > ? AND {' AND '.join(where)} ORDER BY c.id LIMIT {int(limit)}",
            [after, *params]).fetchall()

    @contextmanager
    def small_cache(self) -> Iterator[None]:
        """A streaming read gains nothing from a big page cache, and filling the store's
        64 MiB one would be most of an export's memory: use a small one meanwhile."""
        size = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {EXPORT_CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(size)}")
