"""`BulkQueries.write_tickets` on PostgreSQL. The bulk writers (the CSV import) give ticket
ids themselves, from `last_ticket_id` under the write lock, which an identity column does
not count: it is levelled after them, or the next ticket made one at a time would take an
id already used. A message row's id None means "the next one", which SQLite's INTEGER
PRIMARY KEY takes and an identity column refuses: those rows go in without the column."""

from __future__ import annotations

from typing import Any

from deskline.store.bulk import MESSAGE_INSERT_NUMBERED, BulkQueries, TicketRows
from deskline.store.postgres import schema


class PgBulkQueries(BulkQueries):
    conn: Any  # a StatementConnection (store.py)
    db: Any  # PgConnections

    def write_tickets(self, rows: TicketRows) -> None:
        numbered = [m[1:] for m in rows.messages if m[0] is None]
        rows.messages[:] = [m for m in rows.messages if m[0] is not None]
        levelled = [table for table, given in (("tickets", rows.tickets),
                                               ("messages", rows.messages)) if given]
        super().write_tickets(rows)
        self.conn.executemany(MESSAGE_INSERT_NUMBERED, numbered)
        with self.db.connection() as conn:  # the transaction's
            for table in levelled:
                schema.level_ids(conn, table)
