"""A helpdesk from nothing, on the command line: `deskline init`, an alias, two agents (one
on time off), an SLA policy; then a customer's mail over real SMTP becomes a ticket on the
team's first stage, assigned to the agent who is in, with the policy's deadline; the
agent's reply reaches the customer; moving it to Solved mails the stage's template.

The intake and the outbox run on a fixed clock (a Monday noon, UTC), so the time off and the
SLA deadline are the same on every run.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from deskline.cli import main
from deskline.mail.outbox import Outbox
from deskline.mail.smtpd import Receiver
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import FIXED_NOW, Clock
from tests.mail.conftest import Sink, free_port

ALIAS = "help@acme.example"
ADMIN = "boss@acme.example"
ANN = "ann@acme.example"  # on time off this week; ties go to her (the lower id)
BOB = "bob@acme.example"  # in
CUSTOMER = "carla@client.example"



def deskline(db: Path, capsys, *args: str) -> str:
    assert main(["--db", str(db), *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_a_helpdesk_from_nothing(tmp_path: Path, capsys, sink: Sink) -> None:
    assert FIXED_NOW.weekday() == 0 and FIXED_NOW.hour == 12  # a Monday noon
    db = tmp_path / "acme.db"

    # 1. The admin makes the helpdesk and sets it up, all from the command line.
    assert main(["init", "--db", str(db), "--admin", ADMIN, "--name", "Bo Boss",
                 "--timezone", "UTC"]) == 0
    assert "Team Support" in capsys.readouterr().out
    deskline(db, capsys, "agent", "add", ANN, "--name", "Ann Agent")
    deskline(db, capsys, "agent", "add", BOB, "--name", "Bob Agent")
    out = deskline(db, capsys, "team", "edit", "Support", "--alias", ALIAS, "--assignment",
                   "balanced_open", "--members", f"{ANN},{BOB}")
    assert "alias" in out and "assignment" in out and "members" in out
    deskline(db, capsys, "agent", "timeoff", ANN, "add", "--from", "2026-11-16", "--until",
             "2026-11-20")
    deskline(db, capsys, "sla", "add", "First answer", "--team", "Support", "--target",
             "In Progress", "--hours", "4", "--exclude", "Waiting on Customer")
    audit = deskline(db, capsys, "audit", "--json", "--limit", "0")
    assert audit.count("\n") >= 8

    # 2. A customer writes to the alias over SMTP.
    clock = Clock(FIXED_NOW)
    results = []
    with Receiver(db, "127.0.0.1", free_port(), clock=clock,
                  on_result=results.append) as receiver:
        first = EmailMessage()
        first["From"] = f"Carla Customer <{CUSTOMER}>"
        first["To"] = ALIAS
        first["Subject"] = "The printer prints blank pages"
        first["Message-ID"] = "<first@client.example>"
        first.set_content("Since this morning every page comes out blank.")
        with smtplib.SMTP(*receiver.address, timeout=10) as smtp:
            smtp.send_message(first)
    assert [r.status for r in results] == ["ticket"]

    store = SqliteStore.open(db)
    try:
        bob = Service(store, store.agent_by_email(BOB), clock=clock)
        team = next(t for t in bob.list_teams() if t.name == "Support")
        stages = {s.name: s for s in bob.list_stages(team.id)}

        # 3. On the team's first stage, assigned to Bob (Ann, first in line, is off), with
        # the deadline:
        # four working hours from Monday noon on a 9-17 UTC calendar.
        ticket = bob.get_ticket(results[0].ticket_id)
        assert ticket.team_id == team.id and ticket.stage_id == team.stage_ids[0]
        assert ticket.stage_name == "New"
        assert ticket.assignee_name == "Bob Agent"
        assert ticket.customer_email == CUSTOMER
        assert [s.name for s in ticket.slas] == ["First answer"]
        assert ticket.sla_deadline == datetime(2026, 11, 16, 16, 0, tzinfo=UTC)
        assert ticket.sla_status.value == "ongoing"

        # 4. Bob answers; the outbox delivers the confirmation and the reply.
        clock.advance(minutes=30)
        bob.reply(ticket.id, "Please check the toner cartridge.")
        box = Outbox(store, sink.config(), clock=clock)
        try:
            assert box.deliver().sent == 2
            inbox = [r.message for r in sink.received if r.rcpt_tos == [CUSTOMER]]
            confirmation, reply = inbox
            assert f"#{ticket.number}" in confirmation["Subject"]
            assert ALIAS in reply["From"]
            assert reply["Subject"] == f"Re: [#{ticket.number}] The printer prints blank pages"
            assert "toner cartridge" in reply.get_body(("plain",)).get_content()

            # 5. Solved: the stage's "Solved" template goes to the customer.
            clock.advance(hours=1)
            current = bob.get_ticket(ticket.id)
            moved = bob.move_ticket(ticket.id, current.version, stages["Solved"].id)
            assert moved.closed_at is not None
            assert box.deliver().sent == 1
        finally:
            box.close()
        solved = sink.received[-1]
        assert solved.rcpt_tos == [CUSTOMER]
        assert solved.message["Subject"] == \
            f"[#{ticket.number}] Solved: The printer prints blank pages"
        body = solved.message.get_body(("plain",)).get_content()
        assert body.startswith("Hello Carla,") and f"ticket #{ticket.number} solved" in body
        # The SLA's target (In Progress) lies before Solved: reached, in time.
        assert bob.get_ticket(ticket.id).slas[0].status.value == "reached"
    finally:
        store.close()
