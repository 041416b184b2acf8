"""Queries of the outbox: mail queued in the transaction of the change that caused it, and
its delivery (due rows, the claim, the outcome, retries, recovery, requeue, the listings).
A mixin of `SqliteStore`; `OutboxStore` is the interface it keeps. Delivery's rules
(backoff, lease, what a refusal means) are in `deskline.mail.outbox`."""

from __future__ import annotations

import sqlite3
from typing import Protocol

from deskline.store.db import inserted_id


class OutboxStore(Protocol):
    # queueing, and what is queued
    def queue_mail(self, *, ticket_id: int | None, message_id: int | None, kind: str,
                   to_addr: str, subject: str, body: str, created_at: str,
                   team_id: int | None = None) -> int: ...
    def mail_queued(self, ticket_id: int, kind: str) -> bool: ...
    def confirmation_checks(self, ticket_id: int, to_addr: str, since: str
                            ) -> tuple[bool, int, str | None, str | None]: ...
    # delivery
    def due_outbox_rows(self, now: str, limit: int,
                        shard: tuple[int, int] | None = None) -> list[tuple]: ...
    def claim_outbox_row(self, outbox_id: int, attempts: int, message_id: str,
                         now: str) -> bool: ...
    def finish_outbox_row(self, outbox_id: int, status: str, error: str | None,
                          sent_at: str | None) -> None: ...
    def retry_outbox_row(self, outbox_id: int, attempts: int, error: str,
                         next_attempt_at: str) -> None: ...
    def fail_outbox_row(self, outbox_id: int, error: str,
                        attempts: int | None = None) -> None: ...
    def stale_sending_rows(self, claimed_before: str) -> list[int]: ...
    def requeue_outbox_row(self, outbox_id: int, now: str) -> bool: ...
    def database_path(self) -> str | None: ...
    # listings
    def outbox_counts(self) -> dict[str, int]: ...
    def outbox_problems(self, limit: int) -> list[dict]: ...


class OutboxQueries:
    conn: sqlite3.Connection

    # --- queueing, and what is queued -----------------------------------------------------

    def queue_mail(self, *, ticket_id: int | None, message_id: int | None, kind: str,
                   to_addr: str, subject: str, body: str, created_at: str,
                   team_id: int | None = None) -> int:
        """`team_id`: the team a mail about no ticket speaks for (its From)."""
        return inserted_id(self.conn.execute(
            "INSERT INTO outbox (ticket_id, message_id, kind, to_addr, subject, body, created_at,"
            " next_attempt_at, team_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, message_id, kind, to_addr, subject, body, created_at, created_at,
             team_id),
        ))

    def mail_queued(self, ticket_id: int, kind: str) -> bool:
        return self.conn.execute("SELECT 1 FROM outbox WHERE ticket_id = ? AND kind = ?",
                                 (ticket_id, kind)).fetchone() is not None

    def confirmation_checks(self, ticket_id: int, to_addr: str, since: str
                            ) -> tuple[bool, int, str | None, str | None]:
        """What decides a new ticket's confirmation, in one read: whether its stage
        already mailed the customer, how many confirmations went to the address since
        `since`, and the "Confirmation" template's subject and body (None without one)."""
        return self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE ticket_id = ? AND kind = 'stage_template'),"
            " (SELECT count(*) FROM outbox WHERE to_addr = ? AND kind = 'confirmation'"
            "  AND created_at > ?),"
            " (SELECT subject FROM mail_templates WHERE lower(name) = 'confirmation'),"
            " (SELECT body FROM mail_templates WHERE lower(name) = 'confirmation')",
            (ticket_id, to_addr, since)).fetchone()

    # --- delivery -----------------------------------------------------------------------

    def due_outbox_rows(self, now: str, limit: int,
                        shard: tuple[int, int] | None = None) -> list[tuple]:
        """Queued rows due by `now`, oldest due first, with what composing them needs:
        (id, ticket id, chatter id, kind, to, subject, body, attempts, Message-ID fixed
        earlier, ticket number, team name, team alias, recipient's name, chatter kind).
        `shard` (k, n): only the rows whose id is k modulo n."""
        where = ""
        params: list = [now]
        if shard is not None:
            where = " AND o.id % ? = ?"
            params += [shard[1], shard[0]]
        return self.conn.execute(
            "SELECT o.id, o.ticket_id, o.message_id, o.kind, o.to_addr, o.subject, o.body,"
            " o.attempts, o.mail_message_id, t.number, tm.name, tm.email_alias,"
            " (SELECT name FROM customers c WHERE c.email = o.to_addr), m.kind"
            " FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket_id"
            " LEFT JOIN teams tm ON tm.id = coalesce(t.team_id, o.team_id)"
            " LEFT JOIN messages m ON m.id = o.message_id"
            " WHERE o.status = 'queued' AND coalesce(o.next_attempt_at, '') <= ?" + where +
            " ORDER BY o.next_attempt_at, o.id LIMIT ?", [*params, limit]).fetchall()

    def claim_outbox_row(self, outbox_id: int, attempts: int, message_id: str,
                         now: str) -> bool:
        """`sending`, one attempt more, its Message-ID fixed; only while the row is still
        queued with the attempts the sender read, so of two senders only one wins."""
        return self.conn.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?,"
            " mail_message_id = ? WHERE id = ? AND status = 'queued' AND attempts = ?",
            (now, message_id, outbox_id, attempts)).rowcount == 1

    def finish_outbox_row(self, outbox_id: int, status: str, error: str | None,
                          sent_at: str | None) -> None:
        self.conn.execute(
            "UPDATE outbox SET status = ?, last_error = ?, sent_at = ? WHERE id = ?",
            (status, error, sent_at, outbox_id))

    def retry_outbox_row(self, outbox_id: int, attempts: int, error: str,
                         next_attempt_at: str) -> None:
        self.conn.execute(
            "UPDATE outbox SET status = 'queued', attempts = ?, last_error = ?,"
            " next_attempt_at = ? WHERE id = ?", (attempts, error, next_attempt_at, outbox_id))

    def fail_outbox_row(self, outbox_id: int, error: str,
                        attempts: int | None = None) -> None:
        """`failed` with why; `attempts` when the attempt that failed is counted now."""
        if attempts is None:
            self.conn.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                              (error, outbox_id))
        else:
            self.conn.execute(
                "UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?"
                " WHERE id = ?", (attempts, error, outbox_id))

    def stale_sending_rows(self, claimed_before: str) -> list[int]:
        """Rows `sending` since before the time given (or with no claim time)."""
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM outbox WHERE status = 'sending'"
            " AND (claimed_at IS NULL OR claimed_at < ?)", (claimed_before,))]

    def requeue_outbox_row(self, outbox_id: int, now: str) -> bool:
        """A failed row back to the queue, due now, attempts from 0; False if not failed."""
        return self.conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ?, attempts = 0"
            " WHERE id = ? AND status = 'failed'", (now, outbox_id)).rowcount > 0

    def database_path(self) -> str | None:
        """The database file (None in memory): parallel senders open their own."""
        row = self.conn.execute("PRAGMA database_list").fetchone()
        return row[2] or None if row else None

    # --- listings -------------------------------------------------------------------------

    def outbox_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT status, count(*) FROM outbox GROUP BY status"))

    def outbox_problems(self, limit: int) -> list[dict]:
        """Rows failed or being sent, newest first."""
        return [dict(zip(("id", "kind", "to", "subject", "status", "attempts", "error"), row,
                         strict=True)) for row in self.conn.execute(
            "SELECT id, kind, to_addr, subject, status, attempts, last_error FROM outbox"
            " WHERE status IN ('failed', 'sending') ORDER BY id DESC LIMIT ?", (limit,))]
