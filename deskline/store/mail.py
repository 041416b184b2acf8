"""Queries of mail intake: the mails kept, the Message-IDs that thread replies, the files
of customers' mails, the mail settings, the system agents, and the lookups by address.
A mixin of `SqliteStore`; `MailStore` is the interface it keeps."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from deskline.store.db import inserted_id


class MailFile(Protocol):
    """A file of a customer's mail, as parsing makes it (`deskline.mail.parse.Attachment`)."""

    filename: str
    content_type: str
    content: bytes
    inline: bool
    content_id: str | None

    @property
    def size(self) -> int: ...


class MailStore(Protocol):
    """What mail intake and the mail commands ask of a store, besides the directory and
    ticket queries the service uses."""

    # settings
    def mail_setting(self, key: str) -> str | None: ...
    def set_mail_setting(self, key: str, value: str | None) -> None: ...
    # teams and people by address
    def add_system_agent(self, email: str, name: str) -> None: ...
    def team_ids_and_names(self) -> list[tuple[int, str]]: ...
    def team_exists(self, team_id: int) -> bool: ...
    def team_aliases(self) -> dict[str, int]: ...
    def customer_id_and_name(self, email: str) -> tuple[int, str] | None: ...
    def customer_organization_id(self, email: str) -> int | None: ...
    def organization_by_domain(self, domain: str) -> int | None: ...
    # tickets a mail belongs to
    def ticket_customer_by_number(self, number: int
                                  ) -> tuple[int, str | None, int | None] | None: ...
    def surviving_ticket(self, ticket_id: int) -> int | None: ...
    # Message-IDs
    def mail_id_seen(self, message_id: str) -> tuple[str, int | None] | None: ...
    def ticket_of_mail_id(self, message_id: str) -> int | None: ...
    def ticket_of_sent_mail(self, message_id: str) -> int | None: ...
    def mail_ids_of_ticket(self, ticket_id: int) -> list[tuple[str, str]]: ...
    def answers_rating_request(self, message_ids: Sequence[str], ticket_id: int) -> bool: ...
    def record_mail_id(self, message_id: str, direction: str, ticket_id: int,
                       chatter_id: int | None, created_at: str,
                       outbox_id: int | None = None) -> None: ...
    # the mails kept and their files
    def insert_inbound_mail(self, *, received_at: str, source: str, status: str,
                            reason: str | None, message_id: str | None, sender: str | None,
                            recipients: list[str], subject: str | None,
                            ticket_id: int | None, chatter_id: int | None, size: int,
                            raw: bytes | None) -> int: ...
    def insert_mail_files(self, ticket_id: int | None, chatter_id: int | None,
                          inbound_id: int, files: Iterable[MailFile]) -> None: ...
    def kept_mail(self, inbound_id: int) -> tuple[bytes, list[str], str] | None: ...
    def mark_mail_retaken(self, inbound_id: int, reason: str) -> None: ...
    def inbound_counts(self) -> dict[str, int]: ...
    def kept_mails(self, limit: int) -> list[dict]: ...
    # bulk imports
    def bulk_checkpoints(self, pages: int) -> AbstractContextManager[None]: ...


class MailQueries:
    conn: sqlite3.Connection

    # --- settings ------------------------------------------------------------------------

    def mail_setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM mail_settings WHERE key = ?",
                                (key,)).fetchone()
        return row[0] if row else None

    def set_mail_setting(self, key: str, value: str | None) -> None:
        """`None` removes the setting. One statement, so atomic on its own too."""
        if value is None:
            self.conn.execute("DELETE FROM mail_settings WHERE key = ?", (key,))
        else:
            self.conn.execute("INSERT INTO mail_settings (key, value) VALUES (?, ?)"
                              " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                              (key, value))

    # --- teams and people by address -----------------------------------------------------

    def add_system_agent(self, email: str, name: str) -> None:
        """An inactive admin that a background process acts as; nothing when it exists."""
        self.conn.execute("INSERT OR IGNORE INTO agents (email, name, role, active)"
                          " VALUES (?, ?, 'admin', 0)", (email, name))

    def team_ids_and_names(self) -> list[tuple[int, str]]:
        """Every team, archived ones too, in the order they were made."""
        return self.conn.execute("SELECT id, name FROM teams").fetchall()

    def team_exists(self, team_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM teams WHERE id = ?",
                                 (team_id,)).fetchone() is not None

    def team_aliases(self) -> dict[str, int]:
        """Each team's email alias, lower-cased -> the team's id."""
        return {alias.lower(): tid for tid, alias in self.conn.execute(
            "SELECT id, email_alias FROM teams WHERE email_alias IS NOT NULL")}

    def customer_id_and_name(self, email: str) -> tuple[int, str] | None:
        # Leaner than `customer_by_email` (no projects): intake asks once per mail.
        return self.conn.execute("SELECT id, name FROM customers WHERE email = ?",
                                 (email,)).fetchone()

    def customer_organization_id(self, email: str) -> int | None:
        """The organization of the customer with this email (None: no such customer, or
        in no organization)."""
        row = self.conn.execute("SELECT organization_id FROM customers WHERE email = ?",
                                (email,)).fetchone()
        return row[0] if row else None

    def organization_by_domain(self, domain: str) -> int | None:
        """The oldest organization with this domain (any case)."""
        row = self.conn.execute(
            "SELECT id FROM organizations WHERE domain = ? COLLATE NOCASE ORDER BY id LIMIT 1",
            (domain,)).fetchone()
        return row[0] if row else None

    # --- tickets a mail belongs to -------------------------------------------------------


    def ticket_customer_by_number(self, number: int
                                  ) -> tuple[int, str | None, int | None] | None:
        """(ticket id, its customer's email, the customer's organization) by number."""
        return self.conn.execute(
            "SELECT t.id, c.email, c.organization_id FROM tickets t"
            " LEFT JOIN customers c ON c.id = t.customer_id WHERE t.number = ?",
            (number,)).fetchone()

    def surviving_ticket(self, ticket_id: int) -> int | None:
        """The ticket that holds a ticket's thread now, following merges (None: gone)."""
        seen = set()
        while ticket_id not in seen:
            seen.add(ticket_id)
            row = self.conn.execute("SELECT merged_into FROM tickets WHERE id = ?",
                                    (ticket_id,)).fetchone()
            if row is None:
                return None
            if row[0] is None:
                return ticket_id
            ticket_id = row[0]
        return ticket_id

    # --- Message-IDs ---------------------------------------------------------------------

    def mail_id_seen(self, message_id: str) -> tuple[str, int | None] | None:
        """(direction, ticket id) of a Message-ID we received or sent; received first."""
        return self.conn.execute(
            "SELECT direction, ticket_id FROM mail_ids WHERE message_id = ?"
            " ORDER BY direction LIMIT 1", (message_id,)).fetchone()

    def ticket_of_mail_id(self, message_id: str) -> int | None:
        """The ticket of a Message-ID we sent or received, as sent first."""
        row = self.conn.execute(
            "SELECT ticket_id FROM mail_ids WHERE message_id = ? AND ticket_id IS NOT NULL"
            " ORDER BY direction DESC LIMIT 1", (message_id,)).fetchone()
        return row[0] if row else None

    def ticket_of_sent_mail(self, message_id: str) -> int | None:
        row = self.conn.execute(
            "SELECT ticket_id FROM mail_ids WHERE message_id = ? AND direction = 'out'",
            (message_id,)).fetchone()
        return row[0] if row else None

    def mail_ids_of_ticket(self, ticket_id: int) -> list[tuple[str, str]]:
        """(Message-ID, direction) of every mail about the ticket, in thread order."""
        return self.conn.execute(
            "SELECT message_id, direction FROM mail_ids WHERE ticket_id = ? ORDER BY id",
            (ticket_id,)).fetchall()

    def answers_rating_request(self, message_ids: Sequence[str], ticket_id: int) -> bool:
        """Whether one of these Message-IDs is our rating request about the ticket."""
        return self.conn.execute(
            "SELECT 1 FROM mail_ids i JOIN outbox o ON o.id = i.outbox_id"
            f" WHERE i.message_id IN ({','.join('?' * len(message_ids))})"
            " AND i.direction = 'out' AND o.kind = 'rating' AND o.ticket_id = ?",
            [*message_ids, ticket_id]).fetchone() is not None

    def record_mail_id(self, message_id: str, direction: str, ticket_id: int,
                       chatter_id: int | None, created_at: str,
                       outbox_id: int | None = None) -> None:
        """Remember a Message-ID received ('in') or sent ('out'); the first one stays."""
        self.conn.execute(
            "INSERT OR IGNORE INTO mail_ids (message_id, direction, ticket_id, chatter_id,"
            " outbox_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (message_id, direction, ticket_id, chatter_id, outbox_id, created_at))

    # --- the mails kept and their files --------------------------------------------------

    def insert_inbound_mail(self, *, received_at: str, source: str, status: str,
                            reason: str | None, message_id: str | None, sender: str | None,
                            recipients: list[str], subject: str | None,
                            ticket_id: int | None, chatter_id: int | None, size: int,
                            raw: bytes | None) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO mail_inbound (received_at, source, status, reason, message_id, sender,"
            " recipients, subject, ticket_id, chatter_id, size, raw)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (received_at, source, status, reason, message_id, sender, json.dumps(recipients),
             subject, ticket_id, chatter_id, size, raw)))

    def insert_mail_files(self, ticket_id: int | None, chatter_id: int | None,
                          inbound_id: int, files: Iterable[MailFile]) -> None:
        self.conn.executemany(
            "INSERT INTO mail_attachments (ticket_id, chatter_id, inbound_id, filename,"
            " content_type, size, inline, content_id, content)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(ticket_id, chatter_id, inbound_id, f.filename, f.content_type, f.size,
              int(f.inline), f.content_id, f.content) for f in files])

    def kept_mail(self, inbound_id: int) -> tuple[bytes, list[str], str] | None:
        """(raw bytes, recipients, source) of a mail kept raw."""
        row = self.conn.execute("SELECT raw, recipients, source FROM mail_inbound"
                                " WHERE id = ? AND raw IS NOT NULL", (inbound_id,)).fetchone()
        return (row[0], json.loads(row[1] or "[]"), row[2]) if row else None

    def mark_mail_retaken(self, inbound_id: int, reason: str) -> None:
        """A kept mail placed now: its raw copy goes."""
        self.conn.execute("UPDATE mail_inbound SET raw = NULL, reason = ? WHERE id = ?",
                          (reason, inbound_id))

    def inbound_counts(self) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT status, count(*) FROM mail_inbound GROUP BY status"))

    def kept_mails(self, limit: int) -> list[dict]:
        """The mails kept raw as failed or rejected, newest first."""
        return [dict(zip(("id", "received_at", "status", "source", "sender", "subject",
                          "reason"), row, strict=True)) for row in self.conn.execute(
            "SELECT id, received_at, status, source, sender, subject, reason FROM mail_inbound"
            " WHERE status IN ('failed', 'rejected') AND raw IS NOT NULL"
            " ORDER BY id DESC LIMIT ?", (limit,))]

    # --- bulk imports --------------------------------------------------------------------

    @contextmanager
    def bulk_checkpoints(self, pages: int) -> Iterator[None]:
        """The WAL checkpointed every `pages` pages meanwhile, and once at the end."""
        before = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
