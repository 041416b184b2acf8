"""Notifications from mail: a new mail's ticket notifies its automatic assignee, a
threaded reply the assignee (at the reply), and a chosen kind is mailed to the agent's own
address from the team, without the thread's text."""

from __future__ import annotations

from deskline.mail.intake import Intake
from deskline.mail.outbox import Outbox
from deskline.models import NotificationKind, NotificationSettings

from .conftest import agent_service, mail


def test_mail_notifies_the_assignee_and_mails_what_they_chose(intake: Intake, outbox: Outbox,
                                                             sink, clock) -> None:
    agnes = agent_service(intake.store, clock)
    agnes.update_notification_settings(NotificationSettings(
        mail_kinds=[NotificationKind.customer_wrote]))
    first = intake.take(mail())
    [assigned] = agnes.notifications().items
    assert assigned.kind is NotificationKind.assigned
    assert assigned.text == "New ticket #1 Printer is broken was assigned to you automatically"
    reply = intake.take(mail(subject="more", message_id="<m3@x>", body="Secret detail 42\n",
                             headers={"References": "<m1@client.example>"}))
    assert reply.status == "threaded" and reply.ticket_id == first.ticket_id
    wrote = agnes.notifications(unread=True).items[0]
    assert wrote.kind is NotificationKind.customer_wrote
    assert wrote.text == "Carla Customer wrote on #1 Printer is broken"
    assert wrote.message_id == intake.store.conn.execute(
        "SELECT max(id) FROM messages WHERE kind = 'reply'").fetchone()[0]
    outbox.deliver()
    [sent] = [m.message for m in sink.received if m.message["To"] == "agnes@help.example"]
    assert sent["Subject"] == "[#1] Carla Customer wrote on #1 Printer is broken"
    assert "support@help.example" in sent["From"]  # from the ticket's team
    assert "Secret detail" not in sent.get_content() and "#1" in sent.get_content()
