"""Mail intake: one mail, one transaction.

For each mail, in order: parse (a mail that cannot be read is kept raw as `failed`); a
Message-ID seen before is a `duplicate`; mail from our own aliases is `rejected` (a loop);
a bounce of a mail we sent becomes an internal note on its ticket (`bounce`); a reply is
threaded by In-Reply-To/References against the Message-IDs we sent and received, then by
`[#number]` in the subject when the sender is the ticket's customer or of its
organization (`threaded`); anything else opens a ticket in the team whose alias it was
sent to, or the default team, or is kept raw as `rejected` (`ticket`). The sender becomes
(or is matched to) a customer, and a new ticket gets a confirmation mail in the outbox.

The ticket is opened through `Service.create_ticket`, acting as the inactive system agent
"Mail intake" (created on first use), so assignment, SLA clocks, stage mail and the
chatter event are the service's own rules.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import chain, islice

from deskline.clock import to_db, utcnow
from deskline.mail.parse import MailParseError, ParsedMail, parse_mail
from deskline.models import Agent, Channel, MessageKind, Ticket, TicketCreate, WebhookEvent
from deskline.rules import templates
from deskline.service import Service
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore

SYSTEM_EMAIL = "mail-intake@deskline.invalid"
SYSTEM_NAME = "Mail intake"
MAX_CONFIRMATIONS_PER_HOUR = 5  # per address
_NUMBER = re.compile(r"\[#(\d{1,12})\]")
_QUOTE_START = re.compile(
    r"^(On .{0,200}wrote:|Le .{0,200}a écrit ?:|Am .{0,200}schrieb .{0,100}:|"
    r"El .{0,200}escribió:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Ursprüngliche Nachricht"
    r"\s*-{2,}|_{10,})\s*$", re.IGNORECASE)

_OUTLOOK_FROM = re.compile(r"^\*?(From|De|Von|Van):\*? .+", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\*?(Sent|Date|Envoyé|Gesendet|Verzonden):\*? .+",
                           re.IGNORECASE)

DEFAULT_CONFIRMATION = """Hello {first_name},

Thank you for writing to {team}. We received your request and opened ticket #{number}:
"{subject}".

To add anything, reply to this mail and keep [#{number}] in the subject.

{team}
"""


@dataclass
class IntakeResult:
    status: str  # ticket, threaded, duplicate, bounce, rejected, failed
    source: str = ""
    reason: str | None = None
    message_id: str | None = None
    sender: str | None = None
    subject: str | None = None
    ticket_id: int | None = None
    ticket_number: int | None = None
    inbound_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def strip_quoted(text: str) -> str:
    """A reply without the quoted mail under it ("On … wrote:" and what follows, or a
    trailing block of "> " lines); the whole text when nothing would be left."""
    lines = text.split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        joined = (stripped + " " + lines[i + 1].strip()) if i + 1 < len(lines) else stripped
        outlook = _OUTLOOK_FROM.match(stripped) and any(
            _OUTLOOK_SENT.match(following.strip()) for following in lines[i + 1:i + 4])
        if _QUOTE_START.match(stripped) or (stripped.startswith("On ") and
                                            _QUOTE_START.match(joined)) or outlook:
            cut = i
            break
    else:
        while cut > 0 and (lines[cut - 1].startswith(">") or not lines[cut - 1].strip()):
            cut -= 1
    kept = "\n".join(lines[:cut]).strip()
    return kept or text.strip()


def _team_key(address: str) -> list[str]:
    """An address and its form without a +tag: support+urgent@x matches support@x."""
    address = address.lower()
    local, _, domain = address.partition("@")
    keys = [address]
    if "+" in local:
        keys.append(local.split("+", 1)[0] + "@" + domain)
    return keys


class _RememberingStore:
    """The store as the service sees it during intake: the directory reads it repeats for
    every ticket (teams, stages, SLA policies, templates, agents) are kept in a
    `DataVersionMemo` for as long as no other connection has written to the database.
    Intake itself never changes those tables once `system_agent()` exists, so its own
    writes keep them; data_version is looked at once per mail (`refresh`)."""

    _REMEMBERED = frozenset({"teams", "team", "stages", "stage", "sla_policies", "template",
                             "templates", "agents", "agent"})

    def __init__(self, store: SqliteStore | PgStore) -> None:
        self._store = store
        self._memo = store.new_memo(own_writes=False)

    def refresh(self) -> None:
        """A new mail: look at data_version once, at its first kept read."""
        self._memo.end_request()
        self._memo.begin_request()

    def forget(self) -> None:
        self._memo.clear()

    def __getattr__(self, name: str):
        attr = getattr(self._store, name)
        if name == "conn" or name not in self._REMEMBERED and not callable(attr):
            return attr  # plain values are read through, never kept here
        if name not in self._REMEMBERED:
            self.__dict__[name] = attr  # a bound method of the store: looked up once
            return attr
        memo = self._memo

        def remembered(*args, **kwargs):
            try:
                key = (name, tuple(tuple(a) if isinstance(a, list) else a for a in args),
                       tuple(sorted(kwargs.items())))
                hash(key)
            except TypeError:  # unhashable arguments: just ask
                return attr(*args, **kwargs)
            return memo.get(key, lambda: attr(*args, **kwargs))

        self.__dict__[name] = remembered
        return remembered


class Intake:
    """Takes mails into one database. `team` (id or name) sends every new ticket there."""

    def __init__(self, store: SqliteStore | PgStore, *, team: int | str | None = None,
                 clock: Callable[[], datetime] = utcnow, confirm: bool = True) -> None:
        self.store = store
        self.clock = clock
        self.confirm = confirm
        self._system: Agent | None = None
        self._directory = _RememberingStore(store)
        self.forced_team_id = self._team_id(team) if team is not None else None

    # --- settings and lookups -----------------------------------------------------------

    def _team_id(self, team: int | str) -> int:
        rows = self.store.team_ids_and_names()
        for tid, name in rows:
            if str(team).isdigit() and tid == int(team) or name.lower() == str(team).lower():
                return tid
        known = ", ".join(name for _, name in rows) or "none"
        raise ValueError(f"no team {team!r} (known: {known})")

    def system_agent(self) -> Agent:
        """The inactive admin that mail intake acts as, created on first use."""
        if self._system is None:
            agent = self.store.agent_by_email(SYSTEM_EMAIL)
            if agent is None:
                with self.store.transaction():
                    self.store.add_system_agent(SYSTEM_EMAIL, SYSTEM_NAME)
                agent = self.store.agent_by_email(SYSTEM_EMAIL)
                assert agent is not None, "the system agent was just added"
                self._directory.forget()
            self._system = agent
        return self._system

    def knows_recipient(self, address: str) -> bool:
        """Whether mail to `address` reaches a team: a team's alias (with or without a
        +tag), the sender address of our mail (answers to it thread by their headers), or
        any address when new tickets have a team anyway (`--team`, a default team). The
        SMTP dialogue refuses the others, so the sender learns at once."""
        if self.forced_team_id is not None or self._default_team() is not None:
            return True
        keys = _team_key(address)
        from_address = self.store.mail_setting("from_address")
        return any(k in self.store.team_aliases() for k in keys) or \
            from_address is not None and from_address.lower() in keys

    def _default_team(self) -> int | None:
        value = self.store.mail_setting("default_team_id")
        if value and self.store.team_exists(int(value)):
            return int(value)
        return None

    def _route(self, mail: ParsedMail, envelope_to: Iterable[str],
               aliases: dict[str, int]) -> int | None:
        if self.forced_team_id is not None:
            return self.forced_team_id
        for address in [*envelope_to, *mail.recipients]:
            for key in _team_key(address):
                if key in aliases:
                    return aliases[key]
        return self._default_team()

    def _thread(self, mail: ParsedMail) -> int | None:
        """The ticket a reply belongs to, by its In-Reply-To and References (newest first),
        then by the [#number] in the subject."""
        for mid in [*mail.in_reply_to, *reversed(mail.references)]:
            ticket_id = self.store.ticket_of_mail_id(mid)
            if ticket_id is not None:
                return self.store.surviving_ticket(ticket_id)
        for number in _NUMBER.findall(mail.subject):
            row = self.store.ticket_customer_by_number(int(number))
            if row is None:
                continue
            ticket_id, email, org_id = row
            if email and email.lower() == mail.sender_email.lower():
                return self.store.surviving_ticket(ticket_id)
            if org_id is not None and \
                    self.store.customer_organization_id(mail.sender_email) == org_id:
                return self.store.surviving_ticket(ticket_id)
        return None

    def _customer(self, mail: ParsedMail, now: str) -> int:
        found = self.store.customer_id_and_name(mail.sender_email)
        if found:
            if not found[1] and mail.sender_name:
                self.store.update_customer(found[0], {"name": mail.sender_name[:200]})
            return found[0]
        # A new customer joins the organization whose domain their address has.
        domain = mail.sender_email.rsplit("@", 1)[-1]
        return self.store.insert_customer(mail.sender_email, mail.sender_name[:200],
                                          self.store.organization_by_domain(domain), None,
                                          now, [])

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """For importing many mails: SQLite checkpoints the WAL every 10,000 pages instead
        of every 1,000, and once more at the end. Each mail is still its own committed
        transaction; the pages written again and again (indexes, full text) reach the
        database file less often. (Not checkpointing at all is slower: page lookups in a
        very large WAL cost more than the checkpoints save.)"""
        with self.store.bulk_checkpoints(BULK_CHECKPOINT_PAGES):
            yield

    # --- one mail -----------------------------------------------------------------------

    def take(self, raw: bytes, *, envelope_to: Iterable[str] = (),
             envelope_from: str | None = None, source: str = "") -> IntakeResult:
        """Take one mail; never raises for a bad mail (it is kept and reported).

        `envelope_to`/`envelope_from` are the SMTP envelope when there is one; an empty
        envelope sender (the null reverse-path of bounces and autoresponders) marks the
        mail as automatic: it gets no confirmation."""
        mail = _parse(raw)
        if envelope_from == "" and not isinstance(mail, str):
            mail.auto_submitted = True
        return self._store_parsed(raw, mail, [a.lower() for a in envelope_to], source)

    def take_all(self, items: Iterable[tuple[str, bytes | Exception]], *,
                 workers: int | None = None) -> Iterator[IntakeResult]:
        """Take many mails, in order, one transaction each. With `workers` > 0 the mails
        are parsed in that many other processes while this one stores, a chunk ahead; an
        item that is an exception (a source that could not be read) is reported failed."""
        items = iter(items)
        first = list(islice(items, 4 * CHUNK))
        if not workers or len(first) < 4 * CHUNK:  # a few mails: starting workers costs more
            for label, raw in chain(first, items):
                yield self._one(label, raw, None)
            return
        items = chain(first, items)
        import threading
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_all_start_methods, get_context
        from multiprocessing.context import BaseContext

        # fork when this process has no other threads (nothing to inherit half-locked),
        # else forkserver (spawn where neither exists); if the workers cannot start at all
        # (forkserver and spawn re-import a main script that has no
        # `if __name__ == "__main__"`), _drain parses here.
        methods = get_all_start_methods()
        context: BaseContext
        if "fork" in methods and threading.active_count() == 1:
            context = get_context("fork")
        elif "forkserver" in methods:
            context = get_context("forkserver")
            context.set_forkserver_preload(["deskline.mail.parse"])
        else:
            context = get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque = deque()
            chunk: list[tuple[str, bytes | Exception]] = []

            def submit() -> None:
                raws = [raw if isinstance(raw, bytes) else b"" for _label, raw in chunk]
                try:
                    future = pool.submit(_parse_chunk, raws)
                except Exception:  # the pool broke: the chunk is parsed in _drain
                    future = None
                pending.append((list(chunk), future))
                chunk.clear()

            for item in items:
                chunk.append(item)
                if len(chunk) == CHUNK:
                    submit()
                    while len(pending) > 2 * workers:
                        yield from self._drain(pending.popleft())
            if chunk:
                submit()
            while pending:
                yield from self._drain(pending.popleft())

    def _drain(self, entry: tuple) -> Iterator[IntakeResult]:
        chunk, future = entry
        try:
            parsed = future.result() if future is not None else [None] * len(chunk)
        except Exception:  # the pool broke: parse this chunk here
            parsed = [None] * len(chunk)
        for (label, raw), mail in zip(chunk, parsed, strict=True):
            yield self._one(label, raw, mail)

    def _one(self, label: str, raw: bytes | Exception,
             parsed: ParsedMail | str | None) -> IntakeResult:
        if isinstance(raw, Exception):
            return IntakeResult(status="failed", source=label, reason=f"cannot read it: {raw}")
        return self._store_parsed(raw, _parse(raw) if parsed is None else parsed, [], label)

    def _store_parsed(self, raw: bytes, mail: ParsedMail | str, envelope_to: list[str],
                      source: str) -> IntakeResult:
        if isinstance(mail, str):  # why it could not be parsed
            return self._keep(raw, "failed", mail, source, envelope_to)
        system = self.system_agent()
        try:
            with self.store.transaction():
                return self._take(mail, raw, envelope_to, source, system)
        except Exception as exc:
            return self._keep(raw, "failed", f"{type(exc).__name__}: {exc}", source,
                              envelope_to, mail)

    def _keep(self, raw: bytes, status: str, reason: str, source: str,
              envelope_to: list[str], mail: ParsedMail | None = None) -> IntakeResult:
        with self.store.transaction():
            inbound = self._inbound(status, source, raw, mail, envelope_to, reason=reason,
                                    keep_raw=True)
        return IntakeResult(status=status, source=source, reason=reason,
                            message_id=mail.message_id if mail else None,
                            sender=mail.sender_email if mail else None,
                            subject=mail.subject if mail else None, inbound_id=inbound)

    def _inbound(self, status: str, source: str, raw: bytes, mail: ParsedMail | None,
                 envelope_to: list[str], *, reason: str | None = None,
                 ticket_id: int | None = None, chatter_id: int | None = None,
                 keep_raw: bool = False) -> int:
        recipients = list(dict.fromkeys([*envelope_to, *(mail.recipients if mail else [])]))
        return self.store.insert_inbound_mail(
            received_at=to_db(self.clock()), source=source, status=status, reason=reason,
            message_id=mail.message_id if mail else None,
            sender=mail.sender_email if mail else None, recipients=recipients,
            subject=mail.subject if mail else None, ticket_id=ticket_id,
            chatter_id=chatter_id, size=len(raw), raw=raw if keep_raw else None)

    def _result(self, status: str, mail: ParsedMail, source: str, inbound: int,
                ticket_id: int | None = None, reason: str | None = None, *,
                number: int | None = None) -> IntakeResult:
        if ticket_id is not None and number is None:
            number = self.store.ticket_number(ticket_id)
        return IntakeResult(status=status, source=source, reason=reason,
                            message_id=mail.message_id, sender=mail.sender_email,
                            subject=mail.subject, ticket_id=ticket_id, ticket_number=number,
                            inbound_id=inbound)

    def _take(self, mail: ParsedMail, raw: bytes, envelope_to: list[str], source: str,
              system: Agent) -> IntakeResult:
        now = to_db(self.clock())
        seen = self.store.mail_id_seen(mail.message_id)
        if seen and seen[0] == "in":
            reason = "this Message-ID was taken before"
            inbound = self._inbound("duplicate", source, raw, mail, envelope_to, reason=reason,
                                    ticket_id=seen[1])
            return self._result("duplicate", mail, source, inbound, seen[1], reason)
        aliases = self.store.team_aliases()
        if seen or any(k in aliases for k in _team_key(mail.sender_email)):
            reason = "mail from one of our own addresses (a loop)"
            inbound = self._inbound("rejected", source, raw, mail, envelope_to, reason=reason,
                                    keep_raw=True)
            return self._result("rejected", mail, source, inbound, None, reason)

        if mail.bounce is not None:
            return self._bounce(mail, raw, envelope_to, source, now)

        ticket_id = self._thread(mail)
        if ticket_id is not None:
            customer_id = self._customer(mail, now)
            body = strip_quoted(mail.text) or "(no text)"
            chatter = self.store.insert_message(ticket_id, MessageKind.reply, body, now,
                                                customer_id=customer_id)
            self.store.touch(ticket_id, now, 1)
            self._service(system)._webhook(WebhookEvent.reply_created, ticket_id,
                                           message_id=chatter)
            self._remember(mail, ticket_id, chatter, now)
            inbound = self._inbound("threaded", source, raw, mail, envelope_to,
                                    ticket_id=ticket_id, chatter_id=chatter)
            self._attachments(mail, ticket_id, chatter, inbound)
            self._service(system).customer_message_arrived(ticket_id, chatter, customer_id)
            # A closed ticket reopens, unless the mail only rated it or is an autoreply.
            if not self._rating(mail, ticket_id, body, system) and not mail.auto_submitted:
                self._service(system).customer_wrote(ticket_id, customer_id)
            return self._result("threaded", mail, source, inbound, ticket_id)

        team_id = self._route(mail, envelope_to, aliases)
        if team_id is None:
            reason = "no team has this address and no default team is set"
            inbound = self._inbound("rejected", source, raw, mail, envelope_to, reason=reason,
                                    keep_raw=True)
            return self._result("rejected", mail, source, inbound, None, reason)
        customer_id = self._customer(mail, now)
        description = mail.text.strip() or (
            f"(no text; {len(mail.attachments)} attachment(s))" if mail.attachments
            else "(no text)")
        ticket = self._service(system).create_ticket(
            TicketCreate(subject=mail.subject, description=description, team_id=team_id,
                         channel=Channel.email),
            customer_id=customer_id)
        self.store.set_follower(ticket.id, system.id, False)
        self._remember(mail, ticket.id, None, now)
        inbound = self._inbound("ticket", source, raw, mail, envelope_to, ticket_id=ticket.id)
        self._attachments(mail, ticket.id, None, inbound)
        if self.confirm and not mail.auto_submitted:
            self._confirm(ticket, now)
        return self._result("ticket", mail, source, inbound, ticket.id, number=ticket.number)

    def _service(self, system: Agent) -> Service:
        """The service, acting as the intake's system agent, over the cached directory."""
        self._directory.refresh()
        return Service(self._directory, system, clock=self.clock)

    def _rating(self, mail: ParsedMail, ticket_id: int, body: str, system: Agent) -> bool:
        """An answer to our rating request ("Satisfied, thanks!") rates the ticket, through
        `Service.rate_ticket`; when the ticket cannot be rated it stays a plain reply.
        True when it rated the ticket."""
        ids = [*mail.in_reply_to, *mail.references]
        if not ids or not self.store.answers_rating_request(ids, ticket_id):
            return False
        from deskline.errors import DesklineError
        from deskline.models import RatingCreate
        from deskline.rules.closing import parse_rating

        answer = parse_rating(body)
        if answer is None:
            return False
        comment = body.strip().split(None, 1)[1] if len(body.split(None, 1)) > 1 else ""
        try:
            self._service(system).rate_ticket(
                ticket_id, RatingCreate(answer=answer, comment=comment[:5000]))
        except DesklineError:
            return False  # not closed, or the team does not ask for ratings: a plain reply
        return True

    def _remember(self, mail: ParsedMail, ticket_id: int, chatter: int | None,
                  now: str) -> None:
        self.store.record_mail_id(mail.message_id, "in", ticket_id, chatter, now)

    def _attachments(self, mail: ParsedMail, ticket_id: int | None, chatter: int | None,
                     inbound: int) -> None:
        if mail.attachments:
            self.store.insert_mail_files(ticket_id, chatter, inbound, mail.attachments)

    def _bounce(self, mail: ParsedMail, raw: bytes, envelope_to: list[str], source: str,
                now: str) -> IntakeResult:
        bounce = mail.bounce
        assert bounce is not None
        ticket_id = None
        for mid in [*bounce.original_ids, *mail.in_reply_to, *mail.references]:
            sent_about = self.store.ticket_of_sent_mail(mid)
            if sent_about is not None:
                ticket_id = self.store.surviving_ticket(sent_about)
                break
        if ticket_id is None:
            reason = "a bounce of a mail we did not send"
            inbound = self._inbound("rejected", source, raw, mail, envelope_to, reason=reason,
                                    keep_raw=True)
            return self._result("rejected", mail, source, inbound, None, reason)
        who = ", ".join(bounce.recipients) or "the customer"
        note = f"Mail to {who} could not be delivered"
        if bounce.status:
            note += f" (status {bounce.status})"
        if bounce.diagnostic:
            note += f": {bounce.diagnostic}"
        chatter = self.store.insert_message(ticket_id, MessageKind.comment, note, now)
        self.store.touch(ticket_id, now, 1)
        self._remember(mail, ticket_id, chatter, now)
        inbound = self._inbound("bounce", source, raw, mail, envelope_to, ticket_id=ticket_id,
                                chatter_id=chatter, reason=note)
        return self._result("bounce", mail, source, inbound, ticket_id, note)

    def _confirm(self, ticket: Ticket, now: str) -> None:
        """Queue the confirmation with the ticket's number, unless the first stage's own
        template already mailed the customer."""
        if not ticket.customer_email:
            return
        # A mail loop with an autoresponder that looks human (no Auto-Submitted, new
        # subject, no References) opens a ticket per round: confirm at most a few an hour.
        staged, recent, template_subject, template_body = self.store.confirmation_checks(
            ticket.id, ticket.customer_email, to_db(self.clock() - timedelta(hours=1)))
        if staged or recent >= MAX_CONFIRMATIONS_PER_HOUR:
            return
        name = ticket.customer_name or ""
        first = (name.split() or ["there"])[0]
        template = None
        if template_subject is not None:
            assert template_body is not None  # subject and body of one row, both NOT NULL
            template = (template_subject, template_body)
        if template:
            context = {"ticket": ticket.model_dump(),
                       "customer": {"email": ticket.customer_email, "name": name,
                                    "first_name": first},
                       "team": {"name": ticket.team_name}, "stage": {"name": ticket.stage_name},
                       "agent": {"name": ticket.assignee_name or ""}}
            try:
                subject = f"[#{ticket.number}] " + templates.render_template(template[0],
                                                                             context)
                body = templates.render_template(template[1], context)
            except templates.TemplateError:
                template = None
        if not template:
            subject = f"[#{ticket.number}] {ticket.subject}"
            body = DEFAULT_CONFIRMATION.format(first_name=first, team=ticket.team_name,
                                               number=ticket.number, subject=ticket.subject)
        self.store.queue_mail(ticket_id=ticket.id, message_id=None, kind="confirmation",
                              to_addr=ticket.customer_email, subject=subject, body=body,
                              created_at=now)


# --- parsing, also in worker processes ------------------------------------------------

CHUNK = 64
BULK_CHECKPOINT_PAGES = 10_000  # about 40 MB of WAL between checkpoints while importing


def _parse(raw: bytes) -> ParsedMail | str:
    """The parsed mail, or why it cannot be taken."""
    try:
        return parse_mail(raw)
    except MailParseError as exc:
        return str(exc)
    except Exception as exc:  # a bug in a parser must not lose the mail either
        return f"{type(exc).__name__}: {exc}"


def _parse_chunk(raws: list[bytes]) -> list[ParsedMail | str]:
    return [_parse(raw) for raw in raws]
