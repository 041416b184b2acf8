"""Intake: routing, threading, duplicates, customers, confirmations, bad mail, bounces."""

from __future__ import annotations

import json

from deskline.mail.intake import SYSTEM_EMAIL, Intake, strip_quoted
from deskline.mail.outbox import Outbox
from deskline.models import MergeRequest, StageCreate, TeamCreate
from deskline.store.sqlite import SqliteStore

from .conftest import BILLING, SUPPORT, Clock, agent_service, mail


def ticket_row(store: SqliteStore, ticket_id: int) -> tuple:
    return store.conn.execute(
        "SELECT t.number, t.subject, tm.name, c.email, t.description, t.channel, t.assignee_id"
        " FROM tickets t JOIN teams tm ON tm.id = t.team_id"
        " LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id = ?", (ticket_id,)).fetchone()


def count(store: SqliteStore, table: str, where: str = "1") -> int:
    return store.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def test_mail_to_an_alias_opens_a_ticket_in_that_team(intake: Intake) -> None:
    result = intake.take(mail(to=BILLING))
    assert result.status == "ticket" and result.ticket_number == 1
    number, subject, team, email, description, channel, _ = ticket_row(intake.store,
                                                                       result.ticket_id)
    assert (subject, team, email, channel) == ("Printer is broken", "Billing",
                                               "carla@client.example", "email")
    assert "blank pages" in description


def test_the_service_rules_apply_and_the_system_agent_stays_out_of_the_way(
        intake: Intake) -> None:
    result = intake.take(mail())
    store = intake.store
    agnes = store.agent_by_email("agnes@help.example")
    assert ticket_row(store, result.ticket_id)[6] == agnes.id  # balanced assignment
    system = store.agent_by_email(SYSTEM_EMAIL)
    assert system is not None and not system.active
    followers = [r[0] for r in store.conn.execute(
        "SELECT agent_id FROM ticket_followers WHERE ticket_id = ?", (result.ticket_id,))]
    assert followers == [agnes.id]
    event = store.conn.execute("SELECT kind, body FROM messages WHERE ticket_id = ?",
                               (result.ticket_id,)).fetchone()
    assert event[0] == "event" and event[1].startswith("Ticket created in ")
    assert event[1].endswith(f", assigned to {agnes.name}")


def test_routing_prefers_the_envelope_then_headers_and_plus_tags(intake: Intake) -> None:
    r1 = intake.take(mail(to=SUPPORT, message_id="<a@x>"), envelope_to=[BILLING])
    r2 = intake.take(mail(to="Support <SUPPORT+VIP@help.example>", message_id="<b@x>"))
    r3 = intake.take(mail(to="someone@else.example", message_id="<c@x>",
                          headers={"Cc": BILLING}))
    teams = [ticket_row(intake.store, r.ticket_id)[2] for r in (r1, r2, r3)]
    assert teams == ["Billing", "Support", "Billing"]


def test_unknown_recipient_is_kept_rejected_or_goes_to_the_default_team(
        intake: Intake) -> None:
    raw = mail(to="nobody@help.example")
    rejected = intake.take(raw)
    assert rejected.status == "rejected"
    kept = intake.store.conn.execute("SELECT raw, reason FROM mail_inbound WHERE id = ?",
                                     (rejected.inbound_id,)).fetchone()
    assert kept[0] == raw and "default team" in kept[1]
    sales = intake.store.conn.execute("SELECT id FROM teams WHERE name = 'Sales'").fetchone()[0]
    intake.store.set_mail_setting("default_team_id", str(sales))
    again = intake.take(raw)  # a rejected mail is not a duplicate: it can be taken later
    assert again.status == "ticket"
    assert ticket_row(intake.store, again.ticket_id)[2] == "Sales"


def test_forced_team_sends_everything_there(store: SqliteStore, clock: Clock) -> None:
    intake = Intake(store, team="sales", clock=clock)
    result = intake.take(mail(to="nobody@nowhere.example"))
    assert ticket_row(store, result.ticket_id)[2] == "Sales"


def test_same_message_id_twice_makes_one_ticket(intake: Intake) -> None:
    first = intake.take(mail())
    second = intake.take(mail(body="a resend with other text"))
    assert second.status == "duplicate" and second.ticket_id == first.ticket_id
    assert count(intake.store, "tickets") == 1
    assert count(intake.store, "outbox", "kind = 'confirmation'") == 1


def test_same_bytes_without_message_id_make_one_ticket(intake: Intake) -> None:
    raw = mail(message_id=None)
    assert intake.take(raw).status == "ticket"
    assert intake.take(raw).status == "duplicate"
    assert count(intake.store, "tickets") == 1


def test_sender_becomes_a_customer_or_is_matched(intake: Intake) -> None:
    intake.take(mail(sender="Carla Customer <carla@client.example>", message_id="<1@x>"))
    intake.take(mail(sender="CARLA@CLIENT.EXAMPLE", message_id="<2@x>"))
    rows = intake.store.conn.execute("SELECT email, name FROM customers").fetchall()
    assert rows == [("carla@client.example", "Carla Customer")]
    ids = {r[0] for r in intake.store.conn.execute("SELECT customer_id FROM tickets")}
    assert len(ids) == 1


def test_new_ticket_gets_a_confirmation_with_its_number(intake: Intake) -> None:
    result = intake.take(mail())
    row = intake.store.conn.execute(
        "SELECT kind, to_addr, subject, body, status FROM outbox WHERE ticket_id = ?",
        (result.ticket_id,)).fetchone()
    assert row[0] == "confirmation" and row[1] == "carla@client.example"
    assert row[2] == "[#1] Printer is broken"
    assert "#1" in row[3] and "Hello Carla" in row[3] and row[4] == "queued"


def test_confirmation_uses_a_template_named_confirmation(intake: Intake) -> None:
    intake.store.insert_template("Confirmation", "We got it: {{ ticket.subject }}",
                                 "Dear {{ customer.first_name or 'customer' }}, "
                                 "ticket {{ ticket.number }} is open.")
    result = intake.take(mail())
    subject, body = intake.store.conn.execute(
        "SELECT subject, body FROM outbox WHERE ticket_id = ?", (result.ticket_id,)).fetchone()
    assert subject == "[#1] We got it: Printer is broken"
    assert body == "Dear Carla, ticket 1 is open."


def test_first_stage_template_replaces_the_default_confirmation(store: SqliteStore,
                                                                clock: Clock) -> None:
    admin = store.agent_by_email("admin@help.example")
    from deskline.models import MailTemplateCreate
    from deskline.service import Service

    svc = Service(store, admin, clock=clock)
    template = svc.create_template(MailTemplateCreate(
        name="welcome", subject="Welcome", body="Hi {{ customer.first_name }}"))
    stage = svc.create_stage(StageCreate(name="Inbox", sequence=1, template_id=template.id))
    svc.create_team(TeamCreate(name="Templated", email_alias="t@help.example",
                               stage_ids=[stage.id]))
    result = Intake(store, clock=clock).take(mail(to="t@help.example"))
    kinds = [r[0] for r in store.conn.execute("SELECT kind FROM outbox WHERE ticket_id = ?",
                                              (result.ticket_id,))]
    assert kinds == ["stage_template"]


def test_auto_replies_and_bulk_mail_get_no_confirmation(intake: Intake) -> None:
    result = intake.take(mail(headers={"Auto-Submitted": "auto-replied"}))
    assert result.status == "ticket"
    assert count(intake.store, "outbox") == 0


def test_a_reply_to_our_mail_threads_into_its_ticket(intake: Intake, outbox: Outbox,
                                                     sink) -> None:
    first = intake.take(mail())
    outbox.deliver()
    confirmation = sink.received[0].message
    answer = mail(subject="Re: " + confirmation["Subject"], message_id="<m2@client.example>",
                  body="It still fails.\n\nOn Monday Support wrote:\n> We received it\n",
                  headers={"In-Reply-To": confirmation["Message-ID"],
                           "References": confirmation["References"] + " "
                           + confirmation["Message-ID"]})
    result = intake.take(answer)
    assert result.status == "threaded" and result.ticket_id == first.ticket_id
    body, kind, author = intake.store.conn.execute(
        "SELECT body, kind, author_customer_id FROM messages WHERE id = (SELECT max(id)"
        " FROM messages)").fetchone()
    assert kind == "reply" and body == "It still fails."
    assert author == intake.store.customer_by_email("carla@client.example").id
    assert count(intake.store, "tickets") == 1
    assert count(intake.store, "outbox", "kind = 'confirmation'") == 1  # no new confirmation


def test_references_to_a_customer_mail_thread_too(intake: Intake) -> None:
    first = intake.take(mail())
    reply = intake.take(mail(subject="more", message_id="<m3@x>",
                             headers={"References": "<unknown@x> <m1@client.example>"}))
    assert reply.status == "threaded" and reply.ticket_id == first.ticket_id


def test_ticket_number_in_subject_threads_only_for_its_customer(intake: Intake) -> None:
    first = intake.take(mail())
    same = intake.take(mail(subject="Re: [#1] anything", message_id="<s1@x>"))
    stranger = intake.take(mail(subject="Re: [#1] anything", message_id="<s2@x>",
                                sender="mallory@evil.example"))
    unknown = intake.take(mail(subject="[#999] nothing", message_id="<s3@x>"))
    assert same.status == "threaded" and same.ticket_id == first.ticket_id
    assert stranger.status == "ticket" and stranger.ticket_id != first.ticket_id
    assert unknown.status == "ticket"


def test_colleague_of_the_same_organization_threads_by_number(intake: Intake) -> None:
    store = intake.store
    first = intake.take(mail())
    with store.transaction():
        org = store.insert_organization("Client Inc", "client.example")
        store.conn.execute("UPDATE customers SET organization_id = ?", (org,))
        store.insert_customer("dave@client.example", "Dave", org, None, "2026-01-01", [])
    result = intake.take(mail(subject="[#1] me too", sender="dave@client.example",
                              message_id="<d@x>"))
    assert result.status == "threaded" and result.ticket_id == first.ticket_id


def test_a_reply_to_a_merged_ticket_lands_in_the_target(intake: Intake, clock: Clock) -> None:
    a = intake.take(mail(message_id="<a1@x>"))
    b = intake.take(mail(message_id="<b1@x>", subject="second"))
    svc = agent_service(intake.store, clock)
    ta, tb = svc.get_ticket(a.ticket_id), svc.get_ticket(b.ticket_id)
    svc.merge(MergeRequest(target_id=ta.id, source_ids=[tb.id],
                           versions={ta.id: ta.version, tb.id: tb.version}))
    result = intake.take(mail(message_id="<b2@x>", headers={"In-Reply-To": "<b1@x>"}))
    assert result.status == "threaded" and result.ticket_id == ta.id


def test_a_malformed_mail_is_kept_and_does_not_stop_the_others(intake: Intake) -> None:
    results = [intake.take(raw) for raw in (mail(message_id="<ok1@x>"), b"\x00\xff garbage",
                                            b"From: nobody\n\nno address",
                                            mail(message_id="<ok2@x>"))]
    assert [r.status for r in results] == ["ticket", "failed", "failed", "ticket"]
    kept = intake.store.conn.execute(
        "SELECT raw, reason FROM mail_inbound WHERE status = 'failed' ORDER BY id").fetchall()
    assert kept[0][0] == b"\x00\xff garbage" and kept[1][0] == b"From: nobody\n\nno address"
    assert all(reason for _, reason in kept)


def test_one_transaction_per_mail_a_failure_leaves_nothing_behind(store: SqliteStore,
                                                                  clock: Clock) -> None:
    with store.transaction():
        store.save_team(None, {"name": "Empty", "email_alias": "empty@help.example",
                               "visibility": "company", "assignment": "manual"})
    intake = Intake(store, clock=clock)
    before = {t: count(store, t) for t in ("tickets", "customers", "outbox", "mail_ids")}
    result = intake.take(mail(to="empty@help.example", sender="new@person.example"))
    assert result.status == "failed" and "no stages" in result.reason
    assert {t: count(store, t) for t in before} == before  # not even the customer
    assert count(store, "mail_inbound", "status = 'failed' AND raw IS NOT NULL") == 1


def test_mail_from_our_own_alias_is_a_loop_and_rejected(intake: Intake) -> None:
    result = intake.take(mail(sender=f"Support <{SUPPORT}>"))
    assert result.status == "rejected" and "loop" in result.reason
    assert count(intake.store, "tickets") == 0


def test_a_bounce_of_our_mail_becomes_an_internal_note(intake: Intake, outbox: Outbox,
                                                       sink) -> None:
    first = intake.take(mail())
    outbox.deliver()
    sent_id = sink.received[0].message["Message-ID"]
    bounce = (
        "From: MAILER-DAEMON@mx.client.example\nTo: support@help.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn1@mx>\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nSorry.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        "Final-Recipient: rfc822; carla@client.example\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 User unknown\n"
        f"--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: {sent_id}\n--b--\n").encode()
    result = intake.take(bounce)
    assert result.status == "bounce" and result.ticket_id == first.ticket_id
    kind, body = intake.store.conn.execute(
        "SELECT kind, body FROM messages WHERE id = (SELECT max(id) FROM messages)").fetchone()
    assert kind == "comment"
    assert "carla@client.example" in body and "5.1.1" in body and "User unknown" in body
    assert count(intake.store, "tickets") == 1
    assert count(intake.store, "outbox") == 1  # nothing mailed about a bounce


def test_recipients_are_recorded_per_mail(intake: Intake) -> None:
    result = intake.take(mail(headers={"Cc": "boss@client.example"}), envelope_to=[SUPPORT],
                         source="unit")
    source, recipients = intake.store.conn.execute(
        "SELECT source, recipients FROM mail_inbound WHERE id = ?",
        (result.inbound_id,)).fetchone()
    assert source == "unit"
    assert json.loads(recipients) == [SUPPORT, "boss@client.example"]


def test_strip_quoted_keeps_the_new_text() -> None:
    assert strip_quoted("Thanks!\n\nOn Mon, 16 Nov 2026 Support wrote:\n> old") == "Thanks!"
    assert strip_quoted("Yes.\n\n> quoted\n> more\n") == "Yes."
    assert strip_quoted("> only quoted\n") == "> only quoted"
    assert strip_quoted("Merci\n\nLe lun. 16 nov. 2026, Support a écrit :\n> x") == "Merci"
    assert strip_quoted("Hi\n-----Original Message-----\nFrom: x") == "Hi"
    gmail = "Fixed!\n\nOn Mon, Nov 16, 2026 at 9:12 AM Support <support@help.example>\nwrote:\n> x"
    assert strip_quoted(gmail) == "Fixed!"
    outlook = ("Works now.\n\nFrom: Support <support@help.example>\nSent: Monday, 16 November"
               "\nTo: Carla\nSubject: Re: [#1] Printer\n\nPlease check the toner.")
    assert strip_quoted(outlook) == "Works now."
    assert strip_quoted("From: my colleague I heard the printer is fine.") == \
        "From: my colleague I heard the printer is fine."


def test_take_all_parses_in_workers_and_keeps_the_order(intake: Intake) -> None:
    items = []
    for n in range(300):
        if n % 50 == 7:
            items.append((f"item{n}", b"not a mail"))
        elif n % 50 == 8:
            items.append((f"item{n}", OSError("unreadable")))
        else:
            items.append((f"item{n}", mail(message_id=f"<w{n % 280}@x>", subject=f"s{n}",
                                           sender=f"c{n % 9}@client.example")))
    with intake.bulk():
        results = list(intake.take_all(items, workers=1))
    assert [r.source for r in results] == [label for label, _ in items]
    statuses = [r.status for r in results]
    assert statuses.count("failed") == 12
    # ids 280..299 repeat 0..19, but 7 and 8 were not mails the first time
    assert statuses.count("duplicate") == 18
    assert statuses.count("ticket") == 270
    assert intake.store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert results[8].reason == "cannot read it: unreadable"
    assert results[7].reason == "no headers: this does not look like a mail"


def test_take_all_parses_here_when_the_workers_break(intake: Intake, monkeypatch) -> None:
    import concurrent.futures
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class Broken:
        def __init__(self, *args, **kwargs) -> None:
            self.calls = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

        def submit(self, *args):
            self.calls += 1
            if self.calls > 2:
                raise BrokenProcessPool("gone")
            future: Future = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Broken)
    items = [(f"m{n}", mail(message_id=f"<br{n}@x>")) for n in range(300)]
    results = list(intake.take_all(items, workers=2))
    assert [r.status for r in results] == ["ticket"] * 300


def test_confirmations_are_limited_per_address_and_hour(intake: Intake, clock: Clock) -> None:
    for n in range(8):  # a human-looking autoresponder answering every confirmation
        assert intake.take(mail(message_id=f"<loop{n}@x>", subject=f"Re: {n}")).status == \
            "ticket"
    assert count(intake.store, "outbox", "kind = 'confirmation'") == 5
    clock.advance(minutes=61)
    intake.take(mail(message_id="<later@x>"))
    assert count(intake.store, "outbox", "kind = 'confirmation'") == 6


def test_null_envelope_sender_or_no_confirmations_option_mails_nothing(
        store: SqliteStore, clock: Clock) -> None:
    assert Intake(store, clock=clock).take(mail(), envelope_from="").status == "ticket"
    quiet = Intake(store, clock=clock, confirm=False)
    assert quiet.take(mail(message_id="<q@x>", sender="q@client.example")).status == "ticket"
    assert count(store, "outbox") == 0


def test_an_answer_to_the_rating_request_rates_the_ticket(intake: Intake, outbox: Outbox,
                                                          sink, clock: Clock) -> None:
    from deskline.models import TeamUpdate
    from deskline.service import Service

    store = intake.store
    admin = Service(store, store.agent_by_email("admin@help.example"), clock=clock)
    support = next(t for t in admin.list_teams() if t.name == "Support")
    admin.update_team(support.id, TeamUpdate(ratings=True))
    first = intake.take(mail())
    svc = agent_service(store, clock)
    ticket = svc.get_ticket(first.ticket_id)
    solved = next(s for s in svc.list_stages(support.id) if s.closing)
    svc.move_ticket(ticket.id, ticket.version, solved.id)
    outbox.deliver()
    rating_mail = next(r.message for r in sink.received
                       if r.message["Message-ID"] in {
                           row[0] for row in store.conn.execute(
                               "SELECT i.message_id FROM mail_ids i JOIN outbox o"
                               " ON o.id = i.outbox_id WHERE o.kind = 'rating'")})
    answer = mail(subject="Re: " + rating_mail["Subject"], message_id="<rate@x>",
                  body="Satisfied, thank you for the quick help!",
                  headers={"In-Reply-To": rating_mail["Message-ID"]})
    assert intake.take(answer).status == "threaded"
    rated = svc.get_ticket(ticket.id)
    assert rated.rating == 5
    assert rated.closed_at is not None  # a rating is no reason to reopen
    # an ordinary reply saying "ok" to another mail rates nothing (and reopens the ticket)
    other = mail(message_id="<ok@x>", body="ok", headers={"In-Reply-To": "<m1@client.example>"})
    assert intake.take(other).status == "threaded"
    assert svc.get_ticket(ticket.id).rating == 5


def test_a_customer_mail_reopens_the_closed_ticket_but_an_autoreply_does_not(
        intake: Intake, clock: Clock) -> None:
    first = intake.take(mail())
    svc = agent_service(intake.store, clock)
    ticket = svc.get_ticket(first.ticket_id)
    stages = svc.list_stages(ticket.team_id)
    solved = next(s for s in stages if s.closing)
    ticket = svc.move_ticket(ticket.id, ticket.version, solved.id)
    away = mail(message_id="<away@x>", body="I am out of the office until Monday.",
                headers={"In-Reply-To": "<m1@client.example>", "Auto-Submitted": "auto-replied"})
    assert intake.take(away).status == "threaded"
    assert svc.get_ticket(ticket.id).closed_at is not None
    again = mail(message_id="<again@x>", body="It is broken again.",
                 headers={"In-Reply-To": "<m1@client.example>"})
    assert intake.take(again).status == "threaded"
    reopened = svc.get_ticket(ticket.id)
    first_open = next(s for s in stages if not s.closing)
    assert reopened.closed_at is None and reopened.stage_id == first_open.id
    thread = svc.ticket_messages(ticket.id, limit=50).items
    assert thread[-1].kind.value == "event" and thread[-1].body.startswith("Reopened")
    assert thread[-1].author_customer_id == intake.store.customer_by_email(
        "carla@client.example").id
    assert [(e.old, e.new) for e in thread[-1].events] == [(solved.name, first_open.name)]
    assert thread[-2].body == "It is broken again."


def test_directory_changes_by_another_connection_are_seen(intake: Intake, db_path) -> None:
    first = intake.take(mail(message_id="<d1@x>"))
    assert ticket_row(intake.store, first.ticket_id)[6] is not None  # balanced assignment
    other = SqliteStore.open(db_path)
    with other.transaction():
        other.conn.execute("UPDATE teams SET assignment = 'manual' WHERE name = 'Support'")
    other.close()
    second = intake.take(mail(message_id="<d2@x>", sender="x@client.example"))
    assert ticket_row(intake.store, second.ticket_id)[6] is None


def test_a_new_customer_joins_the_organization_of_their_domain(intake: Intake) -> None:
    store = intake.store
    with store.transaction():
        org = store.insert_organization("Client Inc", "Client.Example")
    result = intake.take(mail(sender="Newbie <new@client.example>"))
    customer = store.customer_by_email("new@client.example")
    assert customer.organization_id == org
    assert store.conn.execute("SELECT organization_id FROM tickets WHERE id = ?",
                              (result.ticket_id,)).fetchone()[0] == org


def test_take_all_with_other_threads_running_uses_a_forkserver(intake: Intake) -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # a process with threads must not fork
    other.start()
    parsed_by_workers = []
    one = intake._one

    def spy(label, raw, parsed):
        parsed_by_workers.append(parsed is not None)
        return one(label, raw, parsed)

    intake._one = spy
    try:
        items = [(f"m{n}", mail(message_id=f"<fs{n}@x>")) for n in range(260)]
        results = list(intake.take_all(items, workers=1))
    finally:
        stop.set()
        other.join()
    assert [r.status for r in results] == ["ticket"] * 260
    assert all(parsed_by_workers)
