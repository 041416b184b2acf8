"""Queries for customers and projects, saved import mappings, and the outbox checks of
closing and ratings (issue 6). A mixin of `SqliteStore`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Literal

from deskline.access import Scope
from deskline.models import SavedMapping, TicketCard
from deskline.store.tickets import CARD_COLUMNS, CARD_FROM, card, scope_sql


class CustomerIoQueries:
    conn: sqlite3.Connection

    # --- customers ---------------------------------------------------------------------

    def update_customer(self, customer_id: int, values: dict) -> None:
        columns = {k: v for k, v in values.items()
                   if k in ("email", "name", "organization_id", "phone")}
        if columns:
            sets = ", ".join(f"{k} = ?" for k in columns)
            self.conn.execute(f"UPDATE customers SET {sets} WHERE id = ?",
                              [*columns.values(), customer_id])
        if values.get("project_ids") is not None:
            self.set_customer_projects(customer_id, values["project_ids"])

    def set_customer_projects(self, customer_id: int, project_ids: Iterable[int]) -> None:
        self.conn.execute("DELETE FROM customer_projects WHERE customer_id = ?", (customer_id,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO customer_projects (customer_id, project_id) VALUES (?, ?)",
            [(customer_id, pid) for pid in dict.fromkeys(project_ids)])

    def customer_email_ids(self) -> dict[str, int]:
        """Every customer's email (case-folded) -> id: the importers' lookup."""
        return {email.casefold(): cid for cid, email in
                self.conn.execute("SELECT id, email FROM customers")}

    def tickets_of_page(self, scope: Scope, column: Literal["customer_id", "organization_id"],
                        owner_id: int, after: tuple[str, int] | None,
                        limit: int) -> list[TicketCard]:
        """A customer's or an organization's tickets the scope may see, newest first."""
        where = [f"t.{column} = ?", "t.archived = 0", scope_sql(scope)]
        params: list = [owner_id]
        if after is not None:
            where.append("(t.created_at, t.id) < (?, ?)")
            params += list(after)
        rows = self.conn.execute(
            f"SELECT {CARD_COLUMNS} FROM {CARD_FROM} WHERE {' AND '.join(where)}"
            " ORDER BY t.created_at DESC, t.id DESC LIMIT ?", [*params, limit]).fetchall()
        return [card(r) for r in rows]

    # --- saved import mappings -----------------------------------------------------------

    def save_mapping(self, name: str, kind: str, columns: dict[str, str], now: str) -> None:
        self.conn.execute(
            "INSERT INTO import_mappings (name, kind, columns, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, columns = excluded.columns,"
            " created_at = excluded.created_at", (name, kind, json.dumps(columns), now))

    def delete_mapping(self, name: str) -> None:
        self.conn.execute("DELETE FROM import_mappings WHERE name = ?", (name,))

    def mappings(self, kind: str | None = None) -> list[SavedMapping]:
        sql = "SELECT name, kind, columns, created_at FROM import_mappings"
        params: tuple = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [SavedMapping(name=r[0], kind=r[1], columns=json.loads(r[2]), created_at=r[3])
                for r in self.conn.execute(sql + " ORDER BY name", params)]

    def mapping(self, name: str) -> SavedMapping | None:
        return next((m for m in self.mappings() if m.name.casefold() == name.casefold()), None)

    # --- outbox checks -----------------------------------------------------------------------

    def mail_queued(self, ticket_id: int, kind: str) -> bool:
        return self.conn.execute("SELECT 1 FROM outbox WHERE ticket_id = ? AND kind = ?",
                                 (ticket_id, kind)).fetchone() is not None

    def mail_setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM mail_settings WHERE key = ?",
                                (key,)).fetchone()
        return row[0] if row else None
