"""Export tickets and customers as CSV or JSON lines, streamed.

Rows are read in keyset batches of `BATCH` by id, each batch one short query, and written
out as they come: memory stays flat whatever the size of the database, and a long export
holds no read transaction open. The CSV columns are the import's field names, so an
exported file imports again without a mapping.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import TextIO

from deskline import access
from deskline.clock import to_db
from deskline.errors import ValidationFailed
from deskline.models import (
    PRIORITY_LABELS,
    CustomerExportFilter,
    Page,
    TicketExportFilter,
    TicketListFilter,
)
from deskline.store.tickets import split_tags
from deskline.text import json_text

BATCH = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The ASCII starters, their full-width forms (spreadsheets fold them to ASCII) and a leading
# tab or carriage return (which some strip before reading a formula).
FORMATS = ("csv", "json")

TICKET_COLUMNS = ("number", "subject", "description", "team", "stage", "priority", "assignee",
                  "customer_email", "customer_name", "organization", "tags", "channel",
                  "created_at", "updated_at", "closed_at", "sla_status", "rating")
CUSTOMER_COLUMNS = ("email", "name", "organization", "phone", "projects", "created_at")


def _keyset(fetch: Callable[[int], list[tuple]]) -> Iterator[tuple]:
    """Every row of `fetch(after)` batches (id first), a batch of `BATCH` at a time."""
    after = 0
    while True:
        rows = fetch(after)
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _ticket_rows(svc, f: TicketExportFilter) -> Iterator[tuple]:
    scope = svc.scope()
    for r in _keyset(lambda after: svc.store.ticket_export_batch(scope, f, after, BATCH)):
        # in TICKET_COLUMNS order
        yield (r[1], r[2], r[3], r[4], r[5], PRIORITY_LABELS[r[6]], r[7], r[8], r[9], r[10],
               split_tags(r[11]), r[12], r[13], r[14], r[15], r[16], r[17])


def _customer_rows(svc, f: CustomerExportFilter) -> Iterator[tuple]:
    for r in _keyset(lambda after: svc.store.customer_export_batch(f, after, BATCH)):
        # in CUSTOMER_COLUMNS order
        yield (r[1], r[2], r[3], r[4], [p for p in (r[6] or "").split(", ") if p], r[5])


def _defuse(value):
    """A cell a spreadsheet would run as a formula (`=HYPERLINK(…)` in a customer's
    subject), made text with a leading apostrophe (OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(rows: Iterator[tuple], columns: tuple[str, ...], out: TextIO, fmt: str,
           progress: Callable[[int], None] | None, lists: tuple[int, ...],
           excel_safe: bool = False) -> int:
    """Write the rows (tuples in `columns` order; the `lists` positions hold lists),
    buffered a batch at a time."""
    if excel_safe and fmt != "csv":
        raise ValidationFailed("excel_safe is for CSV only", field="excel_safe")
    if fmt not in FORMATS:
        raise ValidationFailed(f"unknown format {fmt!r} (csv or json)", field="format")
    count = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if fmt == "csv":
        writer.writerow(columns)
    dumps = json_text  # C1, DEL and line separators escaped too
    for row in rows:
        if fmt == "csv":
            cells = list(row)
            for i in lists:
                cells[i] = ", ".join(cells[i])
            if excel_safe:
                cells = [_defuse(v) for v in cells]
            writer.writerow(cells)
        else:
            buffer.write(dumps(dict(zip(columns, row, strict=True))))
            buffer.write("\n")
        count += 1
        if count % BATCH == 0:
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            if progress:
                progress(count)
    out.write(buffer.getvalue())
    if progress:
        progress(count)
    return count


def export_tickets(svc, out: TextIO, fmt: str = "csv", filter: TicketExportFilter | None = None,
                   progress: Callable[[int], None] | None = None,
                   excel_safe: bool = False) -> int:
    """Write the tickets the actor may see, oldest first; the number written.
    `excel_safe` (CSV) prefixes cells that start like a formula with an apostrophe."""
    access.require_agent(svc.scope(), "export tickets")
    with svc.store.small_cache():
        return _write(_ticket_rows(svc, filter or TicketExportFilter()), TICKET_COLUMNS, out,
                      fmt, progress, (TICKET_COLUMNS.index("tags"),), excel_safe)


def export_customers(svc, out: TextIO, fmt: str = "csv",
                     filter: CustomerExportFilter | None = None,
                     progress: Callable[[int], None] | None = None,
                     excel_safe: bool = False) -> int:
    access.require_agent(svc.scope(), "export customers")
    with svc.store.small_cache():
        return _write(_customer_rows(svc, filter or CustomerExportFilter()), CUSTOMER_COLUMNS,
                      out, fmt, progress, (CUSTOMER_COLUMNS.index("projects"),), excel_safe)


# --- the same files from a server (`deskline export --server`), through the Backend's lists

LISTED_PAGE = 200  # the largest page the lists give


def export_listed(calls, kind: str, out: TextIO, fmt: str = "csv",
                  filter: TicketExportFilter | CustomerExportFilter | None = None,
                  excel_safe: bool = False) -> int:
    """Write what `export_tickets`/`export_customers` write, read through `calls` (the
    remote backend's methods called plainly: `cli_server.RemoteCalls`) a page at a time:
    tickets oldest first through the ticket list, customers by id."""
    if kind == "tickets":
        f = filter if isinstance(filter, TicketExportFilter) else TicketExportFilter()
        return _write(_listed_ticket_rows(calls, f), TICKET_COLUMNS, out, fmt, None,
                      (TICKET_COLUMNS.index("tags"),), excel_safe)
    c = filter if isinstance(filter, CustomerExportFilter) else CustomerExportFilter()
    return _write(_listed_customer_rows(calls, c), CUSTOMER_COLUMNS, out, fmt, None,
                  (CUSTOMER_COLUMNS.index("projects"),), excel_safe)


def _pages(fetch: Callable[[str | None], Page]) -> Iterator:
    cursor = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _listed_ticket_rows(calls, f: TicketExportFilter) -> Iterator[tuple]:
    teams = {t.id: t.name for t in calls.list_teams()}
    stages = {s.id: s.name for s in calls.list_stages()}
    agents = {a.id: a.email for a in calls.list_agents()}
    organizations = {o.id: o.name for o in calls.list_organizations()}
    listed = TicketListFilter(
        team_id=f.team_id, stage_id=f.stage_id, assignee=f.assignee_id,
        customer_id=f.customer_id, organization_id=f.organization_id,
        project_id=f.project_id, created_since=f.since, created_until=f.until,
        status="open" if f.open else None, sort="created", order="asc")
    for t in _pages(lambda cursor: calls.list_tickets(listed, cursor, LISTED_PAGE)):
        if f.open is False and t.closed_at is None or t.archived and not f.include_archived:
            continue
        # the list names a customer without a name by the email; the file leaves it empty
        name = "" if t.customer_name == t.customer_email else t.customer_name
        yield (t.number, t.subject, t.description, teams.get(t.team_id),
               stages.get(t.stage_id), PRIORITY_LABELS[t.priority],
               agents.get(t.assignee_id) if t.assignee_id else None, t.customer_email, name,
               organizations.get(t.organization_id) if t.organization_id else None,
               t.tags, str(t.channel), to_db(t.created_at), to_db(t.updated_at),
               to_db(t.closed_at), str(t.sla_status) if t.sla_status else None, t.rating)


def _listed_customer_rows(calls, f: CustomerExportFilter) -> Iterator[tuple]:
    organizations = {o.id: o.name for o in calls.list_organizations()}
    projects = {p.id: p.name for p in calls.list_projects()}
    for c in _pages(lambda cursor: calls.list_customers(
            f.text, f.organization_id, cursor, LISTED_PAGE, project_id=f.project_id,
            unassigned=f.unassigned)):
        yield (c.email, c.name, organizations.get(c.organization_id)
               if c.organization_id else None, c.phone,
               [projects[p] for p in c.project_ids if p in projects], to_db(c.created_at))
