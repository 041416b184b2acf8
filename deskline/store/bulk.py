"""Writing many rows at once: tickets with their tags, followers, messages, mentions and SLA
clocks, and customers with their projects. The demo and the CSV import write through here,
and so do the single-ticket writes of `tickets.py` for the rows they share (tags, mentions,
SLA clocks), so each of these statements exists once.

Full-text indexing can be deferred over a bulk write (`deferred_indexing`): one statement at
the end instead of a trigger call per row, with the same rows indexed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from deskline.rules import sla
from deskline.store.db import inserted_id

# (id, number, subject, description, team_id, stage_id, assignee_id, customer_id,
#  organization_id, priority, tags, channel, created_at, updated_at, closed_at, is_open,
#  version, message_count), then the SLA summary of its clocks (`write_tickets` adds it).
TICKET_INSERT = (
    "INSERT INTO tickets (id, number, subject, description, team_id, stage_id, assignee_id,"
    " customer_id, organization_id, priority, tags, channel, created_at, updated_at,"
    " closed_at, is_open, version, message_count, sla_deadline, sla_status)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
# (id or None for the next one, ticket_id, kind, author_agent_id, author_customer_id, body,
#  events, created_at)
MESSAGE_INSERT = (
    "INSERT INTO messages (id, ticket_id, kind, author_agent_id, author_customer_id, body,"
    " events, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
# The same without the id, for the database to number (PostgreSQL's identity refuses None).
MESSAGE_INSERT_NUMBERED = (
    "INSERT INTO messages (ticket_id, kind, author_agent_id, author_customer_id, body,"
    " events, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
TAG_INSERT = "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag_id) VALUES (?, ?)"
FOLLOWER_INSERT = "INSERT OR IGNORE INTO ticket_followers (ticket_id, agent_id) VALUES (?, ?)"
MENTION_INSERT = "INSERT OR IGNORE INTO message_mentions (message_id, agent_id) VALUES (?, ?)"
CLOCK_INSERT = (
    "INSERT INTO ticket_slas (ticket_id, policy_id, status, deadline, spent_hours,"
    " running_since, reached_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
CUSTOMER_INSERT = ("INSERT INTO customers (email, name, organization_id, phone, created_at)"
                   " VALUES (?, ?, ?, ?, ?)")
PROJECT_INSERT = ("INSERT OR IGNORE INTO customer_projects (customer_id, project_id)"
                  " VALUES (?, ?)")

# What `write_tickets` fills: their indexes are what `deferred_indexes` puts off.
_BULK_TABLES = ("tickets", "messages", "ticket_tags", "ticket_followers", "message_mentions",
                "ticket_slas")

# (email, name, organization_id, phone, created_at, project ids)
NewCustomer = tuple[str, str, int | None, str | None, str, Iterable[int]]


@dataclass
class TicketRows:
    """A batch of new tickets and what comes with them, as rows of the statements above
    (`clocks`: (ticket_id, *`rules.sla.Clock`))."""

    tickets: list[tuple] = field(default_factory=list)
    tags: list[tuple[int, int]] = field(default_factory=list)
    followers: list[tuple[int, int]] = field(default_factory=list)
    messages: list[tuple] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    clocks: list[tuple] = field(default_factory=list)

    def clear(self) -> None:
        for rows in (self.tickets, self.tags, self.followers, self.messages, self.mentions,
                     self.clocks):
            rows.clear()


class BulkStore(Protocol):
    """What the demo and the importers write through (inside one `transaction()`)."""

    def write_tickets(self, rows: TicketRows) -> None: ...
    def insert_customers(self, rows: Iterable[NewCustomer]) -> list[int]: ...
    def insert_ticket_tags(self, rows: Iterable[tuple[int, int]]) -> None: ...
    def insert_followers(self, rows: Iterable[tuple[int, int]]) -> None: ...
    def insert_mention_rows(self, rows: Iterable[tuple[int, int]]) -> None: ...
    def insert_clock_rows(self, rows: Iterable[tuple]) -> None: ...
    def deferred_indexing(self, messages: bool = True) -> AbstractContextManager[None]: ...
    def deferred_indexes(self) -> AbstractContextManager[None]: ...
    def unsynced_writes(self) -> AbstractContextManager[None]: ...
    def last_ticket_id(self) -> int: ...
    def customer_organization_ids(self) -> dict[int, int]: ...
    def overwrite_subject(self, ticket_id: int, subject: str) -> None: ...


class BulkQueries:
    """A mixin of `SqliteStore`."""

    conn: sqlite3.Connection

    def write_tickets(self, rows: TicketRows) -> None:
        """Insert the batch, one `executemany` per table, each ticket with the SLA summary
        of its clocks (`rules.sla.summary`, as every other write), and empty the batch."""
        clocks: dict[int, list[tuple]] = {}
        for row in rows.clocks:
            clocks.setdefault(row[0], []).append(row[1:])
        self.conn.executemany(TICKET_INSERT, [(*t, *sla.summary(clocks.get(t[0], ())))
                                              for t in rows.tickets])
        if rows.tickets:  # the numbers written are given: never handed out again
            self.conn.execute("UPDATE ticket_numbers SET last = max(last, ?) WHERE id = 1",
                              (max(t[1] for t in rows.tickets),))
        self.insert_ticket_tags(rows.tags)
        self.insert_followers(rows.followers)
        self.conn.executemany(MESSAGE_INSERT, rows.messages)
        self.insert_mention_rows(rows.mentions)
        self.insert_clock_rows(rows.clocks)
        rows.clear()

    def insert_customers(self, rows: Iterable[NewCustomer]) -> list[int]:
        """The new customers' ids, in order; their projects named once each."""
        insert = self.conn.execute
        ids: list[int] = []
        projects: list[tuple[int, int]] = []
        for email, name, organization_id, phone, created_at, project_ids in rows:
            cid = inserted_id(insert(CUSTOMER_INSERT,
                                     (email, name, organization_id, phone, created_at)))
            ids.append(cid)
            projects.extend((cid, pid) for pid in dict.fromkeys(project_ids))
        self.conn.executemany(PROJECT_INSERT, projects)
        return ids

    def insert_ticket_tags(self, rows: Iterable[tuple[int, int]]) -> None:
        self.conn.executemany(TAG_INSERT, rows)

    def insert_followers(self, rows: Iterable[tuple[int, int]]) -> None:
        self.conn.executemany(FOLLOWER_INSERT, rows)

    def insert_mention_rows(self, rows: Iterable[tuple[int, int]]) -> None:
        self.conn.executemany(MENTION_INSERT, rows)

    def insert_clock_rows(self, rows: Iterable[tuple]) -> None:
        self.conn.executemany(CLOCK_INSERT, rows)

    @contextmanager
    def deferred_indexing(self, messages: bool = True) -> Iterator[None]:
        """Index the tickets (and, with `messages`, the messages) written inside in one
        statement at the end instead of a trigger call per row (five times faster), with
        the rows the triggers would have indexed. Use it inside the write transaction, so
        nobody sees the difference."""
        names = ("messages_fts_ai", "tickets_fts_ai") if messages else ("tickets_fts_ai",)
        triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            f" AND name IN ({', '.join('?' * len(names))})", names).fetchall()
        first_message = self.conn.execute(
            "SELECT coalesce(max(id), 0) FROM messages").fetchone()[0] if messages else 0
        first_ticket = self.last_ticket_id()
        for name, _sql in triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        yield
        if messages:
            self.conn.execute(
                "INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages"
                " WHERE id > ? AND kind != 'event'", (first_message,))
        self.conn.execute(
            "INSERT INTO tickets_fts (rowid, subject, description) SELECT id, subject,"
            " description FROM tickets WHERE id > ?", (first_ticket,))
        for _name, sql in triggers:
            self.conn.execute(sql)

    @contextmanager
    def deferred_indexes(self) -> Iterator[None]:
        """The secondary indexes of the tickets and their rows made again at the end (one
        sort each) instead of kept row by row: a million tickets put rows at random places
        in eleven ticket indexes, beyond any cache. For building a new file."""
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({', '.join('?' * len(_BULK_TABLES))})",
            _BULK_TABLES).fetchall()
        for name, _sql in indexes:
            self.conn.execute(f"DROP INDEX {name}")
        yield
        for _name, sql in indexes:
            self.conn.execute(sql)

    @contextmanager
    def unsynced_writes(self) -> Iterator[None]:
        """No fsync while building a new file (a crash loses a file nobody uses yet), then
        the usual durability and the planner's statistics. A rollback journal meanwhile:
        in WAL a build's one transaction is written twice (the log, then the checkpoint),
        while a new file's new pages need no journal at all."""
        cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute("PRAGMA journal_mode = DELETE")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -1048576")  # 1 GiB while building
        yield
        self.conn.execute(f"PRAGMA cache_size = {int(cache)}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA optimize")

    def last_ticket_id(self) -> int:
        """The highest ticket id; a bulk writer holding the write lock numbers on from it."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]

    def customer_organization_ids(self) -> dict[int, int]:
        """customer id -> organization id, for the customers in one."""
        return dict(self.conn.execute("SELECT id, organization_id FROM customers"
                                      " WHERE organization_id IS NOT NULL"))

    def overwrite_subject(self, ticket_id: int, subject: str) -> None:
        """Set a subject as found, without a version bump or an event (the demo's data)."""
        self.conn.execute("UPDATE tickets SET subject = ? WHERE id = ?", (subject, ticket_id))
