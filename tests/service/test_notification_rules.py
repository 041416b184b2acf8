"""Service: who hears of what in the notification inbox, SLA warnings once per deadline,
mail by choice, paging — on a small helpdesk and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskline.errors import NotFound, PermissionDenied
from deskline.models import (
    Calendar,
    CustomerCreate,
    MergeRequest,
    NotificationKind,
    NotificationSettings,
    SlaPolicyCreate,
    StageCreate,
    TeamCreate,
    TicketCreate,
    TicketUpdate,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import Clock

MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path):
    store = SqliteStore.open(tmp_path / "n.db")
    with store.transaction():
        for email, name, role in (("root@example.com", "Root", "admin"),
                                  ("ann@example.com", "Ann Lee", "agent"),
                                  ("bob@example.com", "Bob [b]Stone", "agent"),
                                  ("cid@example.com", "Cid", "agent")):
            store.insert_agent(email, name, role, None)
    clock = Clock(MONDAY_9)
    root = Service(store, store.agent_by_email("root@example.com"), clock=clock)
    stages = {n: root.create_stage(StageCreate(name=n, closing=n == "Solved"))
              for n in ("New", "Doing", "Solved")}
    ids = {a.email.split("@")[0]: a.id for a in store.agents()}
    care = root.create_team(TeamCreate(
        name="Care", visibility="public", stage_ids=[s.id for s in stages.values()],
        member_ids=[ids["ann"], ids["bob"]],
        calendar=Calendar(timezone="UTC", start_hour=9, end_hour=17)))
    secret = root.create_team(TeamCreate(name="Secret", visibility="private",
                                         stage_ids=[s.id for s in stages.values()],
                                         member_ids=[ids["bob"]]))
    root.create_sla_policy(SlaPolicyCreate(team_id=care.id, name="Urgent", priorities=[3],
                                           target_stage_id=stages["Doing"].id, hours=2))

    def as_(who: str) -> Service:
        email = who if "@" in who else f"{who}@example.com"
        return Service(store, store.agent_by_email(email), clock=clock)

    yield {"store": store, "clock": clock, "as": as_, "ids": ids, "care": care,
           "secret": secret, "stages": stages}
    store.close()


def _inbox(svc: Service) -> list:
    return svc.notifications(limit=200).items


def test_who_hears_of_what(desk):
    root, ann, bob, cid = (desk["as"](w) for w in ("root", "ann", "bob", "cid"))
    care, ids, stages = desk["care"], desk["ids"], desk["stages"]
    ticket = root.create_ticket(TicketCreate(team_id=care.id, subject="Printer [red]down",
                                             assignee_id=ids["ann"]))
    [got] = _inbox(ann)
    assert got.kind is NotificationKind.assigned and got.unread
    assert got.text == f"Root assigned new ticket #{ticket.number} Printer [red]down to you"
    assert _inbox(root) == []  # never the actor's own action
    assert bob.mark_notifications_read([got.id]).unread == 0  # not his: nothing happens
    assert ann.unread_notifications().unread == 1

    comment = ann.comment(ticket.id, "@bob can you look?")
    [mention] = _inbox(bob)
    assert mention.kind is NotificationKind.mention and mention.message_id == comment.id
    assert mention.text.startswith("Ann Lee mentioned you on #")
    assert len(_inbox(ann)) == 1

    ticket = bob.assign_to_me(ticket.id, ticket.version)
    assert len(_inbox(bob)) == 1  # his own action
    # Following a team: its new and changed tickets, again only once the last was read.
    cid.follow_team(care.id)
    ticket = ann.move_ticket(ticket.id, ticket.version, stages["Doing"].id)
    ticket = ann.update_ticket(ticket.id, ticket.version, TicketUpdate(priority=2))
    [changed] = _inbox(cid)
    assert changed.kind is NotificationKind.team_ticket and "in Care" in changed.text
    assert cid.mark_all_notifications_read().unread == 0
    ticket = ann.update_ticket(ticket.id, ticket.version, TicketUpdate(priority=1))
    assert cid.unread_notifications().unread == 1
    # A ticket that moves where cid may not look leaves his inbox.
    with pytest.raises(NotFound):
        cid.follow_team(desk["secret"].id)
    root.update_ticket(ticket.id, ticket.version, TicketUpdate(team_id=desk["secret"].id))
    assert cid.unread_notifications().unread == 0 and _inbox(cid) == []
    # Merging, splitting and closing are changes too.
    one, two = (root.create_ticket(TicketCreate(team_id=care.id, subject=s))
                for s in ("One", "Two"))
    cid.mark_all_notifications_read()
    root.merge(MergeRequest(target_id=one.id, source_ids=[two.id],
                            versions={one.id: one.version, two.id: two.version}))
    [merged] = _inbox(cid)[:1]
    assert merged.kind is NotificationKind.team_ticket and f"#{one.number}" in merged.text
    cid.follow_team(care.id, following=False)
    root.create_ticket(TicketCreate(team_id=care.id, subject="Quiet"))
    assert len(_inbox(cid)) == 3  # the two new tickets and the merge: nothing more


def test_customer_writes_and_mail_by_choice(desk):
    store, root, ann = desk["store"], desk["as"]("root"), desk["as"]("ann")
    customer = root.create_customer(CustomerCreate(email="kay@client.example", name="Kay"))
    with store.transaction():
        store.insert_agent("kay@client.example", "Kay", "portal", customer.id)
    kay = desk["as"]("kay@client.example")  # the portal account
    ann.update_notification_settings(NotificationSettings(
        mail_kinds=[NotificationKind.customer_wrote], bell=False))
    assert ann.notification_settings().bell is False
    ticket = root.create_ticket(TicketCreate(team_id=desk["care"].id, subject="Invoice",
                                             customer_id=customer.id,
                                             assignee_id=desk["ids"]["ann"]))
    root.comment(ticket.id, "@ann internal: they owe us")
    kay.reply(ticket.id, "Any news?")
    kinds = [n.kind for n in _inbox(ann)]
    assert kinds == [NotificationKind.customer_wrote, NotificationKind.mention,
                     NotificationKind.assigned]
    mails = store.conn.execute("SELECT to_addr, subject, body FROM outbox"
                               " WHERE kind = 'notification'").fetchall()
    assert len(mails) == 1  # only the kind ann chose
    to, subject, body = mails[0]
    assert to == "ann@example.com" and subject.startswith(f"[#{ticket.number}] Kay wrote")
    assert "owe us" not in body and f"#{ticket.number}" in body
    with pytest.raises(PermissionDenied):
        kay.notifications()


def test_sla_warnings_once_per_deadline(desk):
    clock, root, ann = desk["clock"], desk["as"]("root"), desk["as"]("ann")
    root.create_ticket(TicketCreate(team_id=desk["care"].id, subject="Down", priority=3,
                                    assignee_id=desk["ids"]["ann"]))
    ann.mark_all_notifications_read()
    clock.now = MONDAY_9 + timedelta(minutes=50)  # due at 11:00, more than an hour away
    root.refresh_sla()
    assert ann.unread_notifications().unread == 0
    clock.now = MONDAY_9 + timedelta(hours=1, minutes=5)
    for _ in range(3):  # every maintenance pass, one warning
        root.refresh_sla()
    assert [n.kind for n in _inbox(ann) if n.unread] == [NotificationKind.sla_due]
    clock.now = MONDAY_9 + timedelta(hours=2, minutes=1)
    root.refresh_sla()
    ann.dashboard()  # the dashboard runs the pass too
    assert [n.kind for n in _inbox(ann) if n.unread] == [NotificationKind.sla_failed,
                                                         NotificationKind.sla_due]


def test_sla_warning_pass_runs_again_after_a_minute_or_a_ticket_change(desk):
    """The due-soon pass is not run at every dashboard: again when a minute passed or a
    ticket changed, so a clock that comes within the hour by time alone is heard of at
    most a minute late, and one a change brings at the next look."""
    clock, root, ann = desk["clock"], desk["as"]("root"), desk["as"]("ann")
    root.create_ticket(TicketCreate(team_id=desk["care"].id, subject="Down", priority=3,
                                    assignee_id=desk["ids"]["ann"]))
    other = root.create_ticket(TicketCreate(team_id=desk["care"].id, subject="Also down",
                                            priority=3))  # unassigned: nobody to warn

    def warnings() -> int:
        return sum(n.kind is NotificationKind.sla_due for n in _inbox(ann) if n.unread)

    clock.now = MONDAY_9 + timedelta(minutes=59, seconds=30)  # both due 11:00: not yet
    root.dashboard()
    clock.advance(seconds=40)  # within the hour now, but the last pass is 40 s old
    root.dashboard()
    assert warnings() == 0
    clock.advance(seconds=25)
    root.dashboard()
    assert warnings() == 1
    ann.mark_all_notifications_read()

    clock.advance(seconds=5)
    root.assign_ticket(other.id, other.version, desk["ids"]["ann"])
    root.dashboard()  # a ticket changed: the pass runs though a minute has not passed
    assert warnings() == 1


def test_unread_first_in_keyset_pages(desk):
    root, ann = desk["as"]("root"), desk["as"]("ann")
    tickets = [root.create_ticket(TicketCreate(team_id=desk["care"].id, subject=f"T{i}",
                                               assignee_id=desk["ids"]["ann"]))
               for i in range(5)]
    everything = _inbox(ann)
    ann.mark_notifications_read([everything[0].id, everything[2].id])
    seen, cursor = [], None
    while True:
        page = ann.notifications(order="unread", cursor=cursor, limit=2)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [n.unread for n in seen] == [True, True, True, False, False]
    assert sorted(n.id for n in seen) == sorted(n.id for n in everything)
    assert [n.ticket_id for n in ann.notifications(unread=True).items] == \
        [t.id for t in tickets[::-1] if t.id not in (tickets[4].id, tickets[2].id)]
