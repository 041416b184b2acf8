"""Done when: a mail to a team's alias over SMTP becomes a ticket on the board, the agent's
reply reaches the customer's mailbox, and the customer's answer lands in the same ticket."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from deskline.mail.outbox import Outbox
from deskline.mail.smtpd import Receiver
from deskline.store.sqlite import SqliteStore

from .conftest import SUPPORT, Clock, Sink, agent_service, free_port


def send(port: int, msg: EmailMessage, rcpt: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg, to_addrs=rcpt)


def test_mail_to_alias_reply_and_answer_over_smtp(db_path, clock: Clock, sink: Sink) -> None:
    results = []
    receiver = Receiver(db_path, "127.0.0.1", free_port(), clock=clock,
                        on_result=results.append)
    store = SqliteStore.open(db_path)
    try:
        with receiver:
            # 1. The customer writes to the Support alias.
            first = EmailMessage()
            first["From"] = "Carla Customer <carla@client.example>"
            first["To"] = SUPPORT
            first["Subject"] = "The printer prints blank pages"
            first["Message-ID"] = "<first@client.example>"
            first.set_content("Since this morning every page comes out blank.")
            send(receiver.address[1], first)
            assert [r.status for r in results] == ["ticket"]

            # It is a ticket on the Support board, first column, with the customer.
            svc = agent_service(store, clock)
            team = next(t for t in svc.list_teams() if t.name == "Support")
            column = svc.board_page(team.id, team.stage_ids[0])
            assert [c.subject for c in column.items] == ["The printer prints blank pages"]
            ticket = svc.get_ticket(column.items[0].id)
            assert ticket.customer_email == "carla@client.example"
            assert ticket.channel.value == "email"

            # 2. The agent answers from the console; the outbox delivers to her mailbox.
            svc.reply(ticket.id, "Please check the toner cartridge.")
            svc.comment(ticket.id, "Internal: toner was replaced last week")
            box = Outbox(store, sink.config(), clock=clock)
            assert box.deliver().sent == 2  # the confirmation and the reply, not the note
            box.close()
            inbox = [r.message for r in sink.received if r.rcpt_tos == ["carla@client.example"]]
            assert len(inbox) == 2
            confirmation, reply = inbox
            assert f"#{ticket.number}" in confirmation["Subject"]
            assert reply["Subject"] == f"Re: [#{ticket.number}] The printer prints blank pages"
            assert "toner cartridge" in reply.get_body(("plain",)).get_content()
            assert all("replaced last week" not in m.as_string() for m in inbox)

            # 3. Her mail client answers the reply: same ticket.
            answer = EmailMessage()
            answer["From"] = "Carla Customer <carla@client.example>"
            answer["To"] = reply["From"]
            answer["Subject"] = "Re: " + reply["Subject"]
            answer["Message-ID"] = "<answer@client.example>"
            answer["In-Reply-To"] = reply["Message-ID"]
            answer["References"] = reply["References"] + " " + reply["Message-ID"]
            quoted = reply.get_body(("plain",)).get_content()
            answer.set_content("The toner was fine, it works now. Thanks!\n\n"
                               f"On Monday Support wrote:\n> {quoted}")
            send(receiver.address[1], answer)
            # 4. The same mail again (a resending server): still one reply.
            send(receiver.address[1], answer)
        assert [r.status for r in results] == ["ticket", "threaded", "duplicate"]
        assert results[1].ticket_id == ticket.id
        thread = svc.ticket_messages(ticket.id).items
        replies = [(m.kind.value, m.author_name, m.body) for m in thread if m.kind.value != "event"]
        assert replies == [
            ("reply", "Agnes Agent", "Please check the toner cartridge."),
            ("comment", "Agnes Agent", "Internal: toner was replaced last week"),
            ("reply", "Carla Customer", "The toner was fine, it works now. Thanks!"),
        ]
        assert store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1
    finally:
        store.close()


def test_receiver_routes_by_envelope_and_keeps_what_it_cannot_place(db_path, clock) -> None:
    results = []
    with Receiver(db_path, "127.0.0.1", free_port(), clock=clock,
                  on_result=results.append) as receiver:
        msg = EmailMessage()
        msg["From"] = "someone@client.example"
        msg["To"] = "undisclosed-recipients:;"
        msg["Subject"] = "Bcc to billing"
        msg.set_content("hello")
        send(receiver.address[1], msg, rcpt=["billing@help.example"])
        send(receiver.address[1], msg, rcpt=["billing@help.example"])  # same bytes: no id
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(receiver.address[1], msg, rcpt=["nobody@help.example"])
        (code, text), = refused.value.recipients.values()
        assert code == 550 and b"no team" in text  # the sender learns at once
        with smtplib.SMTP("127.0.0.1", receiver.address[1], timeout=10) as smtp:
            smtp.sendmail("x@client.example", [SUPPORT], b"this is not a mail at all")
    assert [r.status for r in results] == ["ticket", "duplicate", "failed"]
    store = SqliteStore.open(db_path)
    try:
        team = store.conn.execute("SELECT tm.name FROM tickets t JOIN teams tm"
                                  " ON tm.id = t.team_id").fetchall()
        assert team == [("Billing",)]
        raw, source = store.conn.execute("SELECT raw, source FROM mail_inbound"
                                         " WHERE status = 'failed'").fetchone()
        assert raw.rstrip(b"\r\n") == b"this is not a mail at all"
        assert source.startswith("smtp:127.0.0.1")
    finally:
        store.close()


def test_receiver_answers_451_when_it_cannot_store(tmp_path, clock) -> None:
    import pytest

    unusable = tmp_path / "a-directory.db"
    unusable.mkdir()  # not a database file: the mail cannot be stored
    with Receiver(unusable, "127.0.0.1", free_port(), clock=clock) as receiver:
        msg = EmailMessage()
        msg["From"] = "carla@client.example"
        msg["To"] = SUPPORT
        msg["Subject"] = "hello"
        msg.set_content("hi")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(receiver.address[1], msg)
    (code, _text), = refused.value.recipients.values()
    assert code == 451  # the sending server keeps it and retries
