"""Queries about customers: reading, the filters of every list and export, writing,
project membership, and a customer's or an organization's tickets. A mixin of
`SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Literal, Protocol

from deskline.access import Scope
from deskline.models import Customer, TicketCard
from deskline.store.db import inserted_id
from deskline.store.tickets import CARD_COLUMNS, CARD_FROM, card, scope_sql


def customer_filter_sql(text: str | None, organization_id: int | None, project_id: int | None,
                        unassigned: bool, alias: str) -> tuple[list[str], list]:
    """WHERE fragments and parameters for the customer filters every list and export use."""
    where: list[str] = ["TRUE"]
    params: list = []
    if organization_id is not None:
        where.append(f"{alias}.organization_id = ?")
        params.append(organization_id)
    if unassigned:
        where.append(f"{alias}.organization_id IS NULL")
    if project_id is not None:
        where.append(f"{alias}.id IN (SELECT customer_id FROM customer_projects"
                     " WHERE project_id = ?)")
        params.append(project_id)
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(f"({alias}.name LIKE ? ESCAPE '\\' OR {alias}.email LIKE ? ESCAPE '\\')")
        params += [like, like]
    return where, params


class CustomerQueries:
    conn: sqlite3.Connection

    _CUSTOMER = "SELECT id, email, name, organization_id, phone, created_at FROM customers"

    def _customers(self, rows: list[tuple]) -> list[Customer]:
        projects: dict[int, list[int]] = {}
        if rows:
            ids = [r[0] for r in rows]
            for cid, pid in self.conn.execute(
                f"SELECT customer_id, project_id FROM customer_projects "
                f"WHERE customer_id IN ({','.join('?' * len(ids))})", ids,
            ):
                projects.setdefault(cid, []).append(pid)
        return [
            Customer(id=r[0], email=r[1], name=r[2], organization_id=r[3], phone=r[4],
                     created_at=r[5], project_ids=projects.get(r[0], []))
            for r in rows
        ]

    def customer(self, customer_id: int) -> Customer | None:
        rows = self.conn.execute(self._CUSTOMER + " WHERE id = ?", (customer_id,)).fetchall()
        found = self._customers(rows)
        return found[0] if found else None

    def customer_by_email(self, email: str) -> Customer | None:
        rows = self.conn.execute(self._CUSTOMER + " WHERE email = ?", (email,)).fetchall()
        found = self._customers(rows)
        return found[0] if found else None

    def customers_page(self, text: str | None, organization_id: int | None,
                       after_id: int | None, limit: int,
                       project_id: int | None = None,
                       unassigned: bool = False) -> list[Customer]:
        where, params = customer_filter_sql(text, organization_id, project_id, unassigned,
                                            alias="customers")
        if after_id is not None:
            where.append("customers.id > ?")
            params.append(after_id)
        rows = self.conn.execute(
            f"{self._CUSTOMER} WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
            [*params, limit],
        ).fetchall()
        return self._customers(rows)

    def insert_customer(self, email: str, name: str, organization_id: int | None,
                        phone: str | None, created_at: str, project_ids: Iterable[int]) -> int:
        cid = inserted_id(self.conn.execute(
            "INSERT INTO customers (email, name, organization_id, phone, created_at) "
            "VALUES (?, ?, ?, ?, ?)", (email, name, organization_id, phone, created_at),
        ))
        self.conn.executemany(
            "INSERT INTO customer_projects (customer_id, project_id) VALUES (?, ?)",
            [(cid, pid) for pid in project_ids],
        )
        return cid

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


class CustomerStore(Protocol):
    """Customers, their projects, a customer's or organization's tickets."""

    def customer(self, customer_id: int) -> Customer | None: ...
    def customer_by_email(self, email: str) -> Customer | None: ...
    def customers_page(self, text: str | None, organization_id: int | None,
                       after_id: int | None, limit: int,
                       project_id: int | None = None,
                       unassigned: bool = False) -> list[Customer]: ...
    def insert_customer(self, email: str, name: str, organization_id: int | None,
                        phone: str | None, created_at: str, project_ids: Iterable[int]) -> int: ...
    def update_customer(self, customer_id: int, values: dict) -> None: ...
    def set_customer_projects(self, customer_id: int, project_ids: Iterable[int]) -> None: ...
    def customer_email_ids(self) -> dict[str, int]: ...
    def tickets_of_page(self, scope: Scope, column: Literal["customer_id", "organization_id"],
                        owner_id: int, after: tuple[str, int] | None,
                        limit: int) -> list[TicketCard]: ...
