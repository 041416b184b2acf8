"""Delivering the outbox over SMTP: at most once, with retries and backoff.

A row goes `queued` → `sending` → `sent` (or back to `queued` with a later
`next_attempt_at`, or to `failed`). For each due row, on one reused SMTP connection:

1. Build the mail. Its Message-ID is the row's `mail_message_id` when a previous attempt
   fixed one, else a new one.
2. MAIL FROM and RCPT TO. A refusal here is harmless: nothing was handed over yet.
3. Claim the row in one transaction: `sending`, attempts + 1, `claimed_at`, the Message-ID
   stored, and the Message-ID recorded in `mail_ids` so the customer's answer threads.
   The claim names the status and attempt count it read, so of two senders only one wins.
4. DATA. On 250 the row is marked `sent`. A clear refusal (4xx, 5xx) means the server did
   not take it: 4xx is retried after a backoff (1 min, doubling, at most 6 h; `failed`
   after `max_attempts`), 5xx is `failed` at once.

The only window in which the outcome is unknown is step 4: the server may have accepted
the mail when the connection dropped or this process died before `sent` was committed.
Such a row is never retried automatically. A dropped connection during DATA marks it
`failed` with a reason saying so; a crash leaves it `sending`, and `recover()` (run at the
start of every `deskline mail send`) marks rows `sending` for longer than the lease
(10 min by default, far beyond the SMTP timeouts, so a live sender is never disturbed) as
`failed`, "interrupted". An operator who checked can send one again with
`deskline mail send --requeue ID`; it keeps its Message-ID, so a mail client that got
both copies shows one.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

from deskline.clock import to_db, utcnow
from deskline.mail import compose
from deskline.markdown import MAIL_KINDS, mail_html
from deskline.store.opening import open_store
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore

INTERRUPTED = ("interrupted during delivery: the server may have accepted it, so it is not "
               "sent again automatically; `deskline mail send --requeue {id}` sends it again")
DEFAULT_FROM = "deskline@localhost.localdomain"


@dataclass
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none, starttls, tls
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str = "deskline.localdomain"


@dataclass
class DeliveryReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    recovered: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "deferred": self.deferred, "failed": self.failed,
                "recovered": self.recovered,
                "errors": [{"id": i, "error": e} for i, e in self.errors]}


class _DueRow(NamedTuple):
    """A row of `OutboxStore.due_outbox_rows`."""

    id: int
    ticket_id: int | None
    chatter_id: int | None
    kind: str
    to_addr: str
    subject: str
    body: str
    attempts: int
    fixed_message_id: str | None  # fixed by an earlier attempt
    number: int | None
    team_name: str | None
    alias: str | None
    to_name: str | None
    chatter_kind: str | None


class _Refused(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code


def _reply_text(resp: bytes | str) -> str:
    return (resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)).strip()


class Outbox:
    def __init__(self, store: SqliteStore | PgStore, smtp: SmtpConfig, *,
                 clock: Callable[[], datetime] = utcnow, lease_seconds: float = 600,
                 max_attempts: int = 8, base_delay: float = 60, max_delay: float = 6 * 3600,
                 connect: Callable[[SmtpConfig], smtplib.SMTP] | None = None) -> None:
        self.store = store
        self.smtp_config = smtp
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._connect = connect or _connect
        self._smtp: smtplib.SMTP | None = None
        # Test seams: called with the row id right after the claim and right after the
        # server accepted the mail (a crash there is what recover() is for).
        self.after_claim: Callable[[int], None] | None = None
        self.after_accept: Callable[[int], None] | None = None

    # --- maintenance --------------------------------------------------------------------

    def recover(self) -> list[int]:
        """Rows left `sending` longer than the lease (a sender died mid-delivery): failed."""
        cutoff = to_db(self.clock() - self.lease)
        with self.store.transaction():
            ids = self.store.stale_sending_rows(cutoff)
            for oid in ids:
                self.store.fail_outbox_row(oid, INTERRUPTED.format(id=oid))
        return ids

    def requeue(self, ids: list[int]) -> list[int]:
        """Failed rows back to the queue (keeping their Message-ID); the ids requeued."""
        done = []
        with self.store.transaction():
            for oid in ids:
                if self.store.requeue_outbox_row(oid, to_db(self.clock())):
                    done.append(oid)
        return done

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:
                self._smtp.close()
            self._smtp = None

    # --- delivery -----------------------------------------------------------------------

    def due(self, limit: int, shard: tuple[int, int] | None = None) -> list[tuple]:
        """Rows due now (see `OutboxStore.due_outbox_rows`)."""
        return self.store.due_outbox_rows(to_db(self.clock()), limit, shard)

    def deliver(self, limit: int | None = None, batch: int = 200,
                connections: int = 1) -> DeliveryReport:
        """Send every due row (at most `limit`); one report for the run.

        With `connections` > 1 the rows are shared out by id between that many threads,
        each with its own SMTP connection and database connection, so one waits on the
        network while another composes (the claim keeps each row to one sender anyway).
        """
        path = self.store.database_path()
        if connections <= 1 or path is None:
            return self._deliver(limit, batch, None)
        reports: list[DeliveryReport] = []

        def work(k: int) -> None:
            store = SqliteStore.open(path)
            box = Outbox(store, self.smtp_config, clock=self.clock, connect=self._connect,
                         lease_seconds=self.lease.total_seconds(),
                         max_attempts=self.max_attempts, base_delay=self.base_delay,
                         max_delay=self.max_delay)
            box.after_claim, box.after_accept = self.after_claim, self.after_accept
            share = None if limit is None else limit // connections + (k < limit % connections)
            try:
                reports.append(box._deliver(share, batch, (k, connections)))
            finally:
                box.close()
                store.close()

        threads = [threading.Thread(target=work, args=(k,), name=f"deskline-send-{k}")
                   for k in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = DeliveryReport()
        for r in reports:
            total.sent += r.sent
            total.deferred += r.deferred
            total.failed += r.failed
            total.errors += r.errors
        return total

    def _deliver(self, limit: int | None, batch: int,
                 shard: tuple[int, int] | None) -> DeliveryReport:
        report = DeliveryReport()
        done = 0
        default_from = self.store.mail_setting("from_address") or DEFAULT_FROM
        while limit is None or done < limit:
            rows = self.due(min(batch, limit - done) if limit is not None else batch, shard)
            if not rows:
                break
            for row in rows:
                if not self._one(row, default_from, report):
                    self.close()
                    return report  # the server is unreachable: the rest waits for later
                done += 1
        return report

    def _threading(self, ticket_id: int | None) -> tuple[str | None, list[str]]:
        """(In-Reply-To, References) for a mail about the ticket: the customer's newest mail,
        and the thread's first and newest ids."""
        if ticket_id is None:
            return None, []
        rows = self.store.mail_ids_of_ticket(ticket_id)
        ids = [r[0] for r in rows]
        inbound = [r[0] for r in rows if r[1] == "in"]
        reply_to = inbound[-1] if inbound else (ids[-1] if ids else None)
        return reply_to, ids

    def _one(self, row: tuple, default_from: str, report: DeliveryReport) -> bool:
        """Deliver one row; False when the server cannot be reached at all."""
        due = _DueRow._make(row)
        if due.chatter_id is not None and due.chatter_kind is not None and \
                due.chatter_kind != "reply":
            self._give_up(due.id, "an internal note is never mailed", report)
            return True
        from_addr = due.alias or default_from
        domain = from_addr.rsplit("@", 1)[-1] or "localhost.localdomain"
        message_id = due.fixed_message_id or compose.new_message_id(domain, due.id)
        thread = self._threading(due.ticket_id)
        try:
            msg, wire = self._build(due, from_addr, message_id, thread)
        except Exception as exc:
            self._give_up(due.id, f"cannot build the mail: {exc}", report)
            return True
        smtp = self._open_envelope(due, msg["From"].addresses[0].addr_spec, report)
        if isinstance(smtp, bool):
            return smtp
        if not self._claim(due.id, due.attempts, message_id, due.ticket_id, due.chatter_id):
            self._rset()  # another sender took it
            return True
        if self.after_claim:
            self.after_claim(due.id)
        self._hand_over(smtp, due, wire, report)
        return True

    # --- steps ------------------------------------------------------------------------

    def _build(self, due: _DueRow, from_addr: str, message_id: str,
               thread: tuple[str | None, list[str]]) -> tuple[EmailMessage, bytes]:
        """The mail and its bytes; `thread` is (In-Reply-To, References)."""
        in_reply_to, references = thread
        msg = compose.build(
            from_addr=from_addr, from_name=due.team_name, to_addr=due.to_addr,
            to_name=due.to_name, subject=due.subject, body=due.body, message_id=message_id,
            date=self.clock(), in_reply_to=in_reply_to, references=references,
            ticket_number=due.number,
            automatic=due.kind != "reply",  # confirmations, stage mail, ratings, invitations
            files=self.store.message_files(due.chatter_id) if due.chatter_id is not None
            else (),
            html=mail_html(due.body) if due.kind in MAIL_KINDS else None)
        return msg, compose.to_wire(msg)

    def _open_envelope(self, due: _DueRow, sender: str,
                       report: DeliveryReport) -> smtplib.SMTP | bool:
        """MAIL FROM and RCPT TO: the connection ready for DATA, or, when the row was
        deferred or refused instead, what `_one` answers (False: server unreachable).
        Nothing is handed over yet, so any problem here is retryable; a connection the
        server closed while idle is opened again once."""
        attempt = due.attempts + 1
        for retry in (False, True):
            try:
                smtp = self._connection()
            except Exception as exc:
                self._defer(due.id, attempt, f"cannot reach the SMTP server: {_describe(exc)}",
                            report)
                return False
            try:
                self._envelope(smtp, sender, due.to_addr)
                return smtp
            except _Refused as exc:
                self._refused(due.id, attempt, exc, report)
                self._rset()
                return True
            except (smtplib.SMTPNotSupportedError, UnicodeError) as exc:
                # e.g. a non-ASCII address and a server without SMTPUTF8: no retry helps
                self._refused(due.id, attempt, _Refused(553, _describe(exc)), report)
                self._rset()
                return True
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                if retry:
                    self._defer(due.id, attempt, f"SMTP connection lost: {_describe(exc)}",
                                report)
                    return True
        raise AssertionError("unreachable: the second try returns")

    def _hand_over(self, smtp: smtplib.SMTP, due: _DueRow, wire: bytes,
                   report: DeliveryReport) -> None:
        """DATA on a claimed row: `sent`, refused (retried or failed), or lost with an
        unknown outcome (failed, never retried on its own)."""
        oid, attempt = due.id, due.attempts + 1
        try:
            code, resp = smtp.data(wire)
        except smtplib.SMTPDataError as exc:
            self._refused(oid, attempt, _Refused(exc.smtp_code, _reply_text(exc.smtp_error)),
                          report, claimed=True)
            return
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            self._give_up(oid, f"connection lost during DATA ({_describe(exc)}); " +
                          INTERRUPTED.format(id=oid).removeprefix(
                              "interrupted during delivery: "), report)
            return
        if code != 250:
            self._refused(oid, attempt, _Refused(code, _reply_text(resp)), report,
                          claimed=True)
            return
        if self.after_accept:
            self.after_accept(oid)
        self._finish(oid, "sent", None)
        report.sent += 1

    def _give_up(self, oid: int, error: str, report: DeliveryReport) -> None:
        """`failed` at once, counted and reported."""
        self._finish(oid, "failed", error)
        report.failed += 1
        report.errors.append((oid, error))

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect(self.smtp_config)
        return self._smtp

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> None:
        code, resp = smtp.mail(sender)
        if code == 421 or code == -1:
            raise smtplib.SMTPServerDisconnected(_reply_text(resp))
        if code != 250:
            raise _Refused(code, _reply_text(resp))
        code, resp = smtp.rcpt(recipient)
        if code == 421 or code == -1:
            raise smtplib.SMTPServerDisconnected(_reply_text(resp))
        if code not in (250, 251):
            raise _Refused(code, _reply_text(resp))

    def _rset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except Exception:
            self.close()

    def _claim(self, oid: int, attempts: int, message_id: str, ticket_id: int | None,
               chatter_id: int | None) -> bool:
        now = to_db(self.clock())
        with self.store.transaction():
            claimed = self.store.claim_outbox_row(oid, attempts, message_id, now)
            if claimed and ticket_id is not None:
                # recorded with the claim, so the customer's answer threads
                self.store.record_mail_id(message_id, "out", ticket_id, chatter_id, now,
                                          outbox_id=oid)
        return claimed

    def _finish(self, oid: int, status: str, error: str | None) -> None:
        with self.store.transaction():
            self.store.finish_outbox_row(oid, status, error,
                                         to_db(self.clock()) if status == "sent" else None)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.base_delay * 2 ** max(attempts - 1, 0),
                                     self.max_delay))

    def _defer(self, oid: int, attempts: int, error: str, report: DeliveryReport,
               claimed: bool = False) -> None:
        """Try again later, or give up after max_attempts."""
        with self.store.transaction():
            if attempts >= self.max_attempts:
                self.store.fail_outbox_row(oid, f"gave up after {attempts} attempts: {error}",
                                           attempts)
                report.failed += 1
            else:
                self.store.retry_outbox_row(oid, attempts, error,
                                            to_db(self.clock() + self.backoff(attempts)))
                report.deferred += 1
        report.errors.append((oid, error))

    def _refused(self, oid: int, attempts: int, exc: _Refused, report: DeliveryReport,
                 claimed: bool = False) -> None:
        error = f"the SMTP server refused it: {exc}"
        if 400 <= exc.code < 500:
            self._defer(oid, attempts, error, report, claimed)
        else:
            with self.store.transaction():
                self.store.fail_outbox_row(oid, error, attempts)
            report.failed += 1
            report.errors.append((oid, error))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                              local_hostname=config.local_hostname,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout,
                            local_hostname=config.local_hostname)
        if config.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    smtp.ehlo_or_helo_if_needed()
    if config.user:
        smtp.login(config.user, config.password or "")
    return smtp




class BackgroundSender:
    """Delivers the outbox every `every` seconds on a thread of its own, with its own
    database connection: for `deskline mail serve --relay` and for a server process.
    Interrupted rows are recovered when it starts."""

    def __init__(self, db_path: str | Path, smtp: SmtpConfig, *, every: float = 10.0,
                 connections: int = 2,
                 on_report: Callable[[DeliveryReport], None] | None = None) -> None:
        self.db_path = db_path
        self.smtp = smtp
        self.every = every
        self.connections = connections
        self.on_report = on_report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deskline-outbox", daemon=True)

    def start(self) -> BackgroundSender:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        store = open_store(self.db_path, pool_size=2)
        outbox = Outbox(store, self.smtp)
        try:
            recovered = outbox.recover()
            while True:
                try:
                    report = outbox.deliver(connections=self.connections)
                    report.recovered, recovered = len(recovered), []
                    if self.on_report is not None and (report.sent or report.failed or
                                                       report.deferred or report.recovered):
                        self.on_report(report)
                except Exception as exc:  # a database hiccup: try again next round
                    if self.on_report is not None:
                        self.on_report(DeliveryReport(errors=[(0, f"{type(exc).__name__}: "
                                                                  f"{exc}")]))
                if self._stop.wait(self.every):
                    break
        finally:
            outbox.close()
            store.close()
