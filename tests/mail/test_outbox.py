"""Outbox delivery over real SMTP on loopback: headers, retries, crashes, never twice."""

from __future__ import annotations

import pytest

from deskline.mail import compose
from deskline.mail.intake import Intake
from deskline.mail.outbox import Outbox, SmtpConfig
from deskline.store.sqlite import SqliteStore

from .conftest import SUPPORT, Clock, Sink, agent_service, free_port, mail


class Crash(BaseException):
    """Stands for the process dying: nothing catches it."""


def rows(store: SqliteStore) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, kind, status, attempts, mail_message_id, last_error FROM outbox ORDER BY id"
    ).fetchall()


def open_ticket(store: SqliteStore, clock: Clock) -> int:
    return Intake(store, clock=clock).take(mail()).ticket_id


def test_reply_is_delivered_threaded_with_the_ticket_number(store, clock, outbox, sink) -> None:
    ticket_id = open_ticket(store, clock)
    svc = agent_service(store, clock)
    svc.reply(ticket_id, "Please restart the printer.")
    report = outbox.deliver()
    assert report.sent == 2 and report.failed == 0
    confirmation, reply = (r.message for r in sink.received)
    assert sink.received[1].rcpt_tos == ["carla@client.example"]
    assert sink.received[1].mail_from == SUPPORT
    assert reply["Subject"] == "Re: [#1] Printer is broken"
    assert reply["From"] == f"Support <{SUPPORT}>"
    assert reply["To"] == "Carla Customer <carla@client.example>"
    assert reply["In-Reply-To"] == "<m1@client.example>"  # the customer's mail
    assert reply["References"].split() == ["<m1@client.example>", confirmation["Message-ID"]]
    assert reply["X-Deskline-Ticket"] == "1"
    assert reply["Auto-Submitted"] is None and confirmation["Auto-Submitted"] == "auto-generated"
    assert reply.get_body(("plain",)).get_content().strip() == "Please restart the printer."
    # every Message-ID we sent is remembered on its row and for threading
    for row in rows(store):
        assert row[2] == "sent" and row[4]
    sent = {r[0] for r in store.conn.execute(
        "SELECT message_id FROM mail_ids WHERE direction = 'out' AND ticket_id = ?",
        (ticket_id,))}
    assert sent == {confirmation["Message-ID"], reply["Message-ID"]}


def test_files_sent_with_a_reply_go_with_its_mail(store, clock, outbox, sink) -> None:
    from deskline.models import FileUpload

    ticket_id = open_ticket(store, clock)
    svc = agent_service(store, clock)
    pdf = b"%PDF-1.4 \x00\xff binary"
    svc.reply(ticket_id, "The manual is attached.", [
        FileUpload(filename="Handbuch für Drucker.pdf", content_type="application/pdf",
                   content=pdf),
        FileUpload(filename="steps.txt", content_type="text/plain", content=b"1. restart\n")])
    assert outbox.deliver().failed == 0
    reply = sink.received[-1].message
    assert reply.get_body(("plain",)).get_content().strip() == "The manual is attached."
    files = [(part.get_filename(), part.get_content_type(), part.get_content())
             for part in reply.iter_attachments()]
    assert files == [("Handbuch für Drucker.pdf", "application/pdf", pdf),
                     ("steps.txt", "text/plain", "1. restart\n")]


def test_internal_comments_are_never_mailed(store, clock, outbox, sink) -> None:
    ticket_id = open_ticket(store, clock)
    svc = agent_service(store, clock)
    svc.comment(ticket_id, "Internal: this customer is difficult, @Ada")
    assert [r[1] for r in rows(store)] == ["confirmation"]
    # even a row that names a comment (a bug elsewhere) is refused by the sender
    comment_id = store.conn.execute("SELECT max(id) FROM messages WHERE kind = 'comment'"
                                    ).fetchone()[0]
    with store.transaction():
        store.queue_mail(ticket_id=ticket_id, message_id=comment_id, kind="reply",
                         to_addr="carla@client.example", subject="x", body="secret",
                         created_at="2026-11-16T00:00:00.000000+00:00")
    report = outbox.deliver()
    assert report.sent == 1 and report.failed == 1
    assert all(b"secret" not in r.data and b"difficult" not in r.data for r in sink.received)
    assert rows(store)[-1][2] == "failed"


@pytest.mark.parametrize("evil", [
    "Hi\r\nBcc: victim@evil.example",
    "Hi\nBcc: victim@evil.example",
    "Hi\rBcc: victim@evil.example",
    "=?utf-8?q?Hi=0D=0ABcc:_victim@evil.example?=",
    "Hi\x00\x0bBcc: victim@evil.example\u2028Bcc: v2@evil.example",
    "Hi=?utf-8?q?=0D=0ABcc:_victim@evil.example?=",
    "=?utf-8*en?q?a=0D=0ABcc:_victim@evil.example?=",
    "=?utf-8?q?=3D=3Futf-8=3Fq=3F=3D0D=3D0ABcc:_victim@evil.example=3F=3D?=",
])
def test_cr_lf_in_subject_or_names_can_never_add_headers(store, clock, outbox, sink,
                                                         evil) -> None:
    with store.transaction():
        store.conn.execute("UPDATE teams SET name = ? WHERE email_alias = ?",
                           ("Support\r\nBcc: team@evil.example", SUPPORT))
        store.insert_customer("carla@client.example", "Carla\r\nBcc: name@evil.example", None,
                              None, "2026-11-16T00:00:00.000000+00:00", [])
        tid = store.insert_ticket({
            "number": 7, "subject": evil, "team_id": 1, "stage_id": 1,
            "customer_id": 1, "created_at": "x", "updated_at": "x"})
        store.queue_mail(ticket_id=tid, message_id=None, kind="reply",
                         to_addr="carla@client.example", subject=f"Re: [#7] {evil}",
                         body="body", created_at="2026-11-16T00:00:00.000000+00:00")
    assert outbox.deliver().sent == 1
    received = sink.received[0]
    assert received.rcpt_tos == ["carla@client.example"]
    msg = received.message
    assert msg["Bcc"] is None
    head = received.data.split(b"\r\n\r\n", 1)[0].decode()
    names = [line.split(":", 1)[0].lower() for line in head.split("\r\n")
             if line and not line[0].isspace()]
    assert "bcc" not in names and names.count("to") == 1
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]


def test_an_address_that_is_not_one_address_is_refused() -> None:
    for bad in ("a@b.example, c@d.example", "a@b.example\r\nBcc: x@y.example", "nobody",
                "a b@c.example"):
        with pytest.raises(compose.ComposeError):
            compose.address(bad)


def test_crash_after_the_server_accepted_never_sends_twice(store, clock, sink) -> None:
    open_ticket(store, clock)
    first = Outbox(store, sink.config(), clock=clock)

    def crash(_oid: int) -> None:
        raise Crash

    first.after_accept = crash
    with pytest.raises(Crash):
        first.deliver()
    first.close()
    assert len(sink.received) == 1
    oid, _kind, status, attempts, message_id, _ = rows(store)[0]
    assert status == "sending" and attempts == 1 and message_id  # fixed before sending

    # A new sender right away leaves it alone: it may belong to a live sender.
    second = Outbox(store, sink.config(), clock=clock)
    assert second.recover() == []
    assert second.deliver().sent == 0
    # After the lease it is marked failed, interrupted, and still not sent again.
    clock.advance(minutes=11)
    assert second.recover() == [oid]
    assert second.deliver().sent == 0
    assert len(sink.received) == 1
    status, error = store.conn.execute("SELECT status, last_error FROM outbox WHERE id = ?",
                                       (oid,)).fetchone()
    assert status == "failed" and "interrupted" in error and f"--requeue {oid}" in error
    # An operator who checked requeues it: same Message-ID, so clients can tell.
    assert second.requeue([oid]) == [oid]
    assert second.deliver().sent == 1
    second.close()
    assert [r.message["Message-ID"] for r in sink.received] == [message_id, message_id]


def test_crash_after_the_claim_before_data_is_also_never_retried_blindly(store, clock,
                                                                          sink) -> None:
    open_ticket(store, clock)
    box = Outbox(store, sink.config(), clock=clock)
    box.after_claim = lambda _oid: (_ for _ in ()).throw(Crash)
    with pytest.raises(Crash):
        box.deliver()
    box.close()
    clock.advance(hours=1)
    again = Outbox(store, sink.config(), clock=clock)
    assert len(again.recover()) == 1
    assert again.deliver().sent == 0 and sink.received == []
    again.close()


def test_crash_before_the_claim_sends_once_later(store, clock, sink, monkeypatch) -> None:
    open_ticket(store, clock)
    box = Outbox(store, sink.config(), clock=clock)
    monkeypatch.setattr(box, "_claim", lambda *a: (_ for _ in ()).throw(Crash))
    with pytest.raises(Crash):
        box.deliver()
    box.close()
    assert rows(store)[0][2] == "queued" and sink.received == []
    again = Outbox(store, sink.config(), clock=clock)
    assert again.recover() == [] and again.deliver().sent == 1
    assert again.deliver().sent == 0
    again.close()
    assert len(sink.received) == 1


def test_temporary_refusal_is_retried_with_backoff(store, clock, outbox, sink) -> None:
    open_ticket(store, clock)
    sink.answers = ["451 4.3.0 try later", "452 4.3.1 full"]
    report = outbox.deliver()
    assert report.deferred == 1 and report.sent == 0
    oid, _, status, attempts, mid, error = rows(store)[0]
    assert (status, attempts) == ("queued", 1) and "451" in error
    assert outbox.deliver().sent == 0  # not due yet
    clock.advance(seconds=61)
    assert outbox.deliver().deferred == 1
    assert rows(store)[0][3] == 2
    clock.advance(seconds=119)
    assert outbox.deliver().sent == 0  # the second wait is two minutes
    clock.advance(seconds=2)
    assert outbox.deliver().sent == 1
    assert len(sink.received) == 1
    assert sink.received[0].message["Message-ID"] == mid  # fixed on the first attempt


def test_backoff_doubles_and_is_capped(store, sink) -> None:
    box = Outbox(store, sink.config())
    assert [box.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert box.backoff(30).total_seconds() == 6 * 3600


def test_permanent_refusal_fails_at_once(store, clock, outbox, sink) -> None:
    open_ticket(store, clock)
    sink.answers = ["550 5.1.1 no such user"]
    report = outbox.deliver()
    assert report.failed == 1
    assert rows(store)[0][2] == "failed" and "550" in rows(store)[0][5]


def test_gives_up_after_max_attempts(store, clock, sink) -> None:
    open_ticket(store, clock)
    box = Outbox(store, sink.config(), clock=clock, max_attempts=3)
    sink.answers = ["451 later"] * 3
    for _ in range(3):
        box.deliver()
        clock.advance(hours=1)
    box.close()
    _, _, status, attempts, _, error = rows(store)[0]
    assert (status, attempts) == ("failed", 3) and "gave up after 3 attempts" in error


def test_server_down_defers_and_stops_the_run(store, clock) -> None:
    open_ticket(store, clock)
    open_ticket_two = Intake(store, clock=clock).take(mail(message_id="<two@x>"))
    assert open_ticket_two.status == "ticket"
    box = Outbox(store, SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2), clock=clock)
    report = box.deliver()
    assert report.sent == 0 and report.deferred == 1  # the run stops at the first
    assert rows(store)[0][2] == "queued" and "cannot reach" in rows(store)[0][5]


def test_idle_connection_closed_by_the_server_is_reopened(store, clock, outbox, sink) -> None:
    open_ticket(store, clock)
    assert outbox.deliver().sent == 1
    outbox._smtp.sock.close()  # as if the server dropped us while idle
    Intake(store, clock=clock).take(mail(message_id="<again@x>"))
    assert outbox.deliver().sent == 1
    assert len(sink.received) == 2


def test_two_senders_never_send_the_same_row(store, clock, sink) -> None:
    for n in range(20):
        Intake(store, clock=clock).take(mail(message_id=f"<n{n}@x>",
                                             sender=f"c{n}@client.example"))
    import threading

    stores = [SqliteStore.open(store.conn.execute("PRAGMA database_list").fetchone()[2])
              for _ in range(2)]
    boxes = [Outbox(s, sink.config(), clock=clock) for s in stores]
    threads = [threading.Thread(target=b.deliver) for b in boxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for b, s in zip(boxes, stores, strict=True):
        b.close()
        s.close()
    ids = [r.message["Message-ID"] for r in sink.received]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_sink_sanity(sink: Sink) -> None:
    assert sink.received == []


def test_several_connections_send_each_mail_once(store, clock, sink) -> None:
    intake = Intake(store, clock=clock)
    for n in range(30):
        intake.take(mail(message_id=f"<p{n}@x>", sender=f"c{n}@client.example"))
    box = Outbox(store, sink.config(), clock=clock)
    report = box.deliver(connections=3)
    box.close()
    assert report.sent == 30
    ids = [r.message["Message-ID"] for r in sink.received]
    assert len(set(ids)) == 30
    assert {r[2] for r in rows(store)} == {"sent"}


def test_an_address_the_server_cannot_take_fails_without_retries(store, clock, outbox,
                                                                 sink) -> None:
    with store.transaction():
        store.queue_mail(ticket_id=None, message_id=None, kind="invitation",
                         to_addr="zoë@client.example", subject="Welcome", body="hi",
                         created_at="2026-11-16T00:00:00.000000+00:00")
        store.queue_mail(ticket_id=None, message_id=None, kind="invitation",
                         to_addr="ok@client.example", subject="Welcome", body="hi",
                         created_at="2026-11-16T00:00:00.000000+00:00")
    report = outbox.deliver()
    assert report.failed == 1 and report.sent == 1
    assert [r[2] for r in rows(store)] == ["failed", "sent"]
    # without a ticket the mail comes from the from_address setting (or a default)
    assert sink.received[0].mail_from == "deskline@localhost.localdomain"


def test_an_invitation_comes_from_a_team_so_the_answer_reaches_it(store, clock, outbox,
                                                                  sink) -> None:
    from deskline.models import CustomerCreate

    with store.transaction():
        store.set_mail_setting("from_address", "noreply@help.example")
    svc = agent_service(store, clock)
    result = svc.invite_customer(CustomerCreate(email="new@client.example", name="Nia New"))
    assert result.invitation_queued
    assert outbox.deliver().sent == 1
    (invitation,) = (r.message for r in sink.received)
    assert invitation["From"].addresses[0].addr_spec.endswith("@help.example")
    assert invitation["From"].addresses[0].addr_spec != "noreply@help.example"
    answer = Intake(store, clock=clock).take(mail(
        sender="new@client.example", to=invitation["From"].addresses[0].addr_spec,
        subject="Re: " + invitation["Subject"], message_id="<answer@client.example>"))
    assert answer.status == "ticket"
