"""Mail intake queues webhook events in the mail's own transaction: a new ticket, and a
customer's reply threaded into it (its text as JSON data)."""

from __future__ import annotations

import json

from deskline.mail.intake import Intake
from deskline.models import WebhookEndpointCreate, WebhookEvent
from deskline.service import Service, resolve_agent

from .conftest import mail


def test_a_mail_and_its_threaded_reply_queue_their_events(intake: Intake) -> None:
    admin = Service(intake.store, resolve_agent(intake.store, None))
    hook = admin.create_webhook(WebhookEndpointCreate(
        url="https://hooks.example.com/x",
        events=[WebhookEvent.ticket_created, WebhookEvent.reply_created]))
    first = intake.take(mail())
    reply = intake.take(mail(subject="Re: Printer is broken", message_id="<m2@client.example>",
                             body="Still blank [b]pages[/b]\n",
                             headers={"In-Reply-To": "<m1@client.example>"}))
    assert reply.status == "threaded" and reply.ticket_id == first.ticket_id
    rows = intake.store.conn.execute(
        "SELECT event, body FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id",
        (hook.id,)).fetchall()
    assert [r[0] for r in rows] == ["ticket.created", "reply.created"]
    message = json.loads(rows[1][1])["message"]
    assert message["body"].startswith("Still blank [b]pages[/b]")
