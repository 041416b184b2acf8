"""Contract: the notification inbox — who hears of a mention, an assignment and a followed
team's new ticket, pages, marking read, settings, and the live event to its one agent."""

from __future__ import annotations

import asyncio

import pytest

from deskline.errors import NotFound, PermissionDenied
from deskline.models import NotificationKind, NotificationSettings, TicketCreate, TicketUpdate
from tests.conftest import ALICE, DMITRI, JONAS, PORTAL
from tests.contract.helpers import team_named


async def test_inbox_round_trip(open_backend):
    alice, dmitri, jonas = [await open_backend(e) for e in (ALICE, DMITRI, JONAS)]
    care = await team_named(alice, "Customer Care")
    before = (await dmitri.unread_notifications()).unread
    me = await dmitri.me()
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Fax [b]jam",
                                                    assignee_id=me.id))
    comment = await alice.comment(ticket.id, "@dmitri.tanaka can you take this?")
    page = await dmitri.notifications(unread=True, limit=2)
    assert [n.kind for n in page.items] == [NotificationKind.mention,
                                           NotificationKind.assigned]
    mention, assigned = page.items
    assert mention.message_id == comment.id and mention.ticket_number == ticket.number
    assert mention.text == f"Alice Martin mentioned you on #{ticket.number} Fax [b]jam"
    assert assigned.text.startswith("Alice Martin assigned new ticket #")
    assert all(n.ticket_id != ticket.id for n in (await alice.notifications(limit=200)).items)
    # Keyset pages: one at a time, each once.
    first = await dmitri.notifications(limit=1)
    second = await dmitri.notifications(limit=1, cursor=first.next_cursor)
    assert first.items[0].id > second.items[0].id
    count = (await dmitri.unread_notifications()).unread
    assert count >= before + 2
    assert (await dmitri.mark_notifications_read([mention.id])).unread == count - 1
    assert (await dmitri.mark_all_notifications_read()).unread == 0
    assert (await dmitri.notifications(order="unread", limit=1)).items[0].read_at is not None
    # Settings are each agent's own.
    saved = await dmitri.update_notification_settings(NotificationSettings(
        mail_kinds=[NotificationKind.mention, NotificationKind.sla_failed], bell=False))
    assert saved == await dmitri.notification_settings()
    assert (await alice.notification_settings()).bell is True
    # Following a team: its new tickets; a private team one cannot see is not there.
    team = await jonas.follow_team(care.id)
    assert (await jonas.me()).id in team.follower_ids
    fresh = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Toner"))
    [news] = [n for n in (await jonas.notifications(unread=True)).items
              if n.ticket_id == fresh.id]
    assert news.kind is NotificationKind.team_ticket and "Customer Care" in news.text
    with pytest.raises(NotFound):
        await jonas.follow_team((await team_named(alice, "Billing")).id)
    portal = await open_backend(PORTAL)
    with pytest.raises(PermissionDenied):
        await portal.notifications()


async def _until(events, wanted, seen):
    async for event in events:
        seen.append(event)
        if wanted(event):
            return


async def test_notification_event_goes_to_its_agent_only(open_backend):
    alice, dmitri = await open_backend(ALICE), await open_backend(DMITRI)
    care = await team_named(alice, "Customer Care")
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Live"))
    heard: list = []
    alice_heard: list = []
    listen = asyncio.ensure_future(_until(dmitri.events(),
                                          lambda e: e.type == "notification", heard))
    watch = asyncio.ensure_future(_until(
        alice.events(), lambda e: e.type == "ticket.updated" and e.id == ticket.id,
        alice_heard))
    await asyncio.sleep(0.3)  # both streams are open
    await alice.comment(ticket.id, "@dmitri.tanaka look")
    await asyncio.wait_for(listen, 10)
    assert heard[-1].id == ticket.id and heard[-1].version is not None
    await alice.update_ticket(ticket.id, ticket.version, TicketUpdate(priority=2))
    await asyncio.wait_for(watch, 10)
    assert "notification" not in {e.type for e in alice_heard}


async def test_a_bulk_action_notifies_as_single_changes_do(open_backend):
    """Bulk goes through the single-ticket use cases: followers of the team and the new
    assignee hear of each ticket it changed."""
    from deskline.models import BulkAction, BulkItem, BulkRequest

    alice, dmitri, jonas = [await open_backend(e) for e in (ALICE, DMITRI, JONAS)]
    care = await team_named(alice, "Customer Care")
    await jonas.follow_team(care.id)
    await jonas.mark_all_notifications_read()
    await dmitri.mark_all_notifications_read()
    mine = (await alice.me()).id  # not left to the team's automatic assignment
    made = [await alice.create_ticket(TicketCreate(team_id=care.id, subject=f"Bulk {i}",
                                                   assignee_id=mine)) for i in range(2)]
    await jonas.mark_all_notifications_read()  # the creations; the bulk change is next
    me = await dmitri.me()
    done = await alice.bulk_apply(BulkRequest(
        action=BulkAction.assign, agent_id=me.id,
        tickets=[BulkItem(ticket_id=t.id, version=t.version) for t in made]))
    assert sorted(done.changed) == sorted(t.id for t in made), done
    ids = {t.id for t in made}
    heard = {n.ticket_id for n in (await jonas.notifications(unread=True)).items}
    assert ids <= heard
    assigned = [n for n in (await dmitri.notifications(unread=True)).items
                if n.ticket_id in ids]
    assert {n.kind for n in assigned} == {NotificationKind.assigned} and len(assigned) == 2
