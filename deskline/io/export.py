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
from contextlib import contextmanager
from typing import TextIO

from deskline import access
from deskline.clock import to_db
from deskline.errors import ValidationFailed
from deskline.models import PRIORITY_LABELS, CustomerExportFilter, TicketExportFilter
from deskline.store.customers import customer_filter_sql
from deskline.store.tickets import scope_sql, split_tags
from deskline.text import json_text

BATCH = 1000
EXPORT_CACHE_KIB = -4096  # 4 MiB
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The ASCII starters, their full-width forms (spreadsheets fold them to ASCII) and a leading
# tab or carriage return (which some strip before reading a formula).
FORMATS = ("csv", "json")

TICKET_COLUMNS = ("number", "subject", "description", "team", "stage", "priority", "assignee",
                  "customer_email", "customer_name", "organization", "tags", "channel",
                  "created_at", "updated_at", "closed_at", "sla_status", "rating")
CUSTOMER_COLUMNS = ("email", "name", "organization", "phone", "projects", "created_at")


def _ticket_rows(svc, f: TicketExportFilter) -> Iterator[tuple]:
    scope = svc.scope()
    where = [scope_sql(scope)]
    params: list = []
    for column, value in (("t.team_id", f.team_id), ("t.stage_id", f.stage_id),
                          ("t.assignee_id", f.assignee_id), ("t.customer_id", f.customer_id),
                          ("t.organization_id", f.organization_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if f.project_id is not None:
        where.append("t.customer_id IN (SELECT customer_id FROM customer_projects"
                     " WHERE project_id = ?)")
        params.append(f.project_id)
    if f.since is not None:
        where.append("t.created_at >= ?")
        params.append(to_db(f.since))
    if f.until is not None:
        where.append("t.created_at < ?")
        params.append(to_db(f.until))
    if f.open is not None:
        where.append("t.closed_at IS NULL" if f.open else "t.closed_at IS NOT NULL")
    if not f.include_archived:
        where.append("t.archived = 0")
    sql = (
        "SELECT t.id, t.number, t.subject, t.description, tm.name, s.name, t.priority, a.email,"
        " c.email, c.name, o.name, t.tags, t.channel, t.created_at, t.updated_at, t.closed_at,"
        " t.sla_status, t.rating"
        " FROM tickets t JOIN teams tm ON tm.id = t.team_id JOIN stages s ON s.id = t.stage_id"
        " LEFT JOIN agents a ON a.id = t.assignee_id"
        " LEFT JOIN customers c ON c.id = t.customer_id"
        " LEFT JOIN organizations o ON o.id = t.organization_id"
        f" WHERE t.id > ? AND {' AND '.join(where)} ORDER BY t.id LIMIT {BATCH}")
    after = 0
    while True:
        rows = svc.store.conn.execute(sql, [after, *params]).fetchall()
        for r in rows:  # in TICKET_COLUMNS order
            yield (r[1], r[2], r[3], r[4], r[5], PRIORITY_LABELS[r[6]], r[7], r[8], r[9], r[10],
                   split_tags(r[11]), r[12], r[13], r[14], r[15], r[16], r[17])
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _customer_rows(svc, f: CustomerExportFilter) -> Iterator[tuple]:
    where, params = customer_filter_sql(f.text, f.organization_id, f.project_id, f.unassigned,
                                        alias="c")
    sql = (
        "SELECT c.id, c.email, c.name, o.name, c.phone, c.created_at,"
        " (SELECT group_concat(p.name, ', ') FROM customer_projects cp"
        "  JOIN projects p ON p.id = cp.project_id WHERE cp.customer_id = c.id)"
        " FROM customers c LEFT JOIN organizations o ON o.id = c.organization_id"
        f" WHERE c.id > ? AND {' AND '.join(where)} ORDER BY c.id LIMIT {BATCH}")
    after = 0
    while True:
        rows = svc.store.conn.execute(sql, [after, *params]).fetchall()
        for r in rows:  # in CUSTOMER_COLUMNS order
            yield (r[1], r[2], r[3], r[4], [p for p in (r[6] or "").split(", ") if p], r[5])
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


@contextmanager
def _small_cache(conn) -> Iterator[None]:
    """A streaming read gains nothing from a big page cache, and filling the store's
    64 MiB one would be most of an export's memory: use a small one meanwhile."""
    size = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {EXPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(size)}")


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
            row = list(row)
            for i in lists:
                row[i] = ", ".join(row[i])
            if excel_safe:
                row = [_defuse(v) for v in row]
            writer.writerow(row)
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
    with _small_cache(svc.store.conn):
        return _write(_ticket_rows(svc, filter or TicketExportFilter()), TICKET_COLUMNS, out,
                      fmt, progress, (TICKET_COLUMNS.index("tags"),), excel_safe)


def export_customers(svc, out: TextIO, fmt: str = "csv",
                     filter: CustomerExportFilter | None = None,
                     progress: Callable[[int], None] | None = None,
                     excel_safe: bool = False) -> int:
    access.require_agent(svc.scope(), "export customers")
    with _small_cache(svc.store.conn):
        return _write(_customer_rows(svc, filter or CustomerExportFilter()), CUSTOMER_COLUMNS,
                      out, fmt, progress, (CUSTOMER_COLUMNS.index("projects"),), excel_safe)
