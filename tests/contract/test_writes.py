"""Contract: ticket writes, their chatter events, versions, merge and split."""

from __future__ import annotations

import pytest

from deskline.errors import ConflictError, PermissionDenied, ValidationFailed
from deskline.models import (
    BoardFilter,
    CustomerCreate,
    MergeRequest,
    MessageKind,
    SplitRequest,
    TicketCreate,
    TicketUpdate,
)
from tests.conftest import ADMIN, ALICE, PORTAL
from tests.contract.helpers import team_named


async def _stage(backend, team, name):
    return next(s for s in await backend.list_stages(team.id) if s.name == name)


async def _events(backend, ticket_id):
    page = await backend.ticket_messages(ticket_id, limit=200)
    return [m for m in page.items if m.kind is MessageKind.event]


async def test_create_ticket_lands_in_first_column(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    customer = (await alice.list_customers(limit=1)).items[0]
    ticket = await alice.create_ticket(TicketCreate(
        team_id=care.id, subject="Scanner beeps twice", customer_id=customer.id, priority=2,
        tags=["hardware", "new-tag"]))
    assert ticket.stage_name == "New" and ticket.version == 1
    assert ticket.customer_id == customer.id and ticket.priority == 2
    assert ticket.tags == ["hardware", "new-tag"]
    # Customer Care assigns automatically (balanced by open tickets).
    assert ticket.assignee_id is not None
    page = await alice.board_page(care.id, care.stage_ids[0], BoardFilter(priority=2), limit=200)
    assert ticket.id in {c.id for c in page.items}
    assert "new-tag" in await alice.list_tags()
    events = await _events(alice, ticket.id)
    assert events[0].body == f"Ticket created in New, assigned to {ticket.assignee_name}"


async def test_create_ticket_refuses_bad_input(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    with pytest.raises(ValidationFailed) as err:
        await alice.create_ticket(TicketCreate(team_id=care.id, subject="x", stage_id=10 ** 6))
    assert err.value.field == "stage_id"
    with pytest.raises(ValidationFailed) as err:
        await alice.create_ticket(TicketCreate(team_id=care.id, subject="x",
                                               customer_id=10 ** 6))
    assert err.value.field == "customer_id"
    with pytest.raises(ValidationFailed) as err:
        await alice.create_ticket(TicketCreate(team_id=10 ** 6, subject="x"))
    assert err.value.field == "team_id"


async def test_move_tracks_closing_and_refuses_stale_versions(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Move me"))
    progress = await _stage(alice, care, "In Progress")
    solved = await _stage(alice, care, "Solved")
    moved = await alice.move_ticket(ticket.id, ticket.version, progress.id)
    assert moved.stage_name == "In Progress" and moved.version == ticket.version + 1
    assert moved.closed_at is None
    with pytest.raises(ConflictError) as err:
        await alice.move_ticket(ticket.id, ticket.version, solved.id)
    assert "changed by someone else" in str(err.value)
    closed = await alice.move_ticket(ticket.id, moved.version, solved.id)
    assert closed.closed_at is not None
    reopened = await alice.move_ticket(ticket.id, closed.version, progress.id)
    assert reopened.closed_at is None
    stages = [(e.events[0].old, e.events[0].new) for e in await _events(alice, ticket.id)
              if e.events and e.events[0].field == "stage" and e.events[0].old]
    assert stages == [("New", "In Progress"), ("In Progress", "Solved"),
                      ("Solved", "In Progress")]
    billing_only = next(s for s in await alice.list_stages() if s.name == "Waiting on Customer")
    billing = next(t for t in await alice.list_teams() if t.name == "Billing")
    billing_ticket = await alice.create_ticket(TicketCreate(team_id=billing.id, subject="b"))
    with pytest.raises(ValidationFailed) as err:  # Billing does not use this stage
        await alice.move_ticket(billing_ticket.id, billing_ticket.version, billing_only.id)
    assert err.value.field == "stage_id"


async def test_assign_edit_follow_archive_delete(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    agents = {a.email: a for a in await alice.list_agents()}
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Edit me"))
    mine = await alice.assign_to_me(ticket.id, ticket.version)
    assert mine.assignee_name == "Alice Martin" and agents[ALICE].id in mine.follower_ids
    bruno = agents["bruno.okafor@deskline.example"]
    theirs = await alice.assign_ticket(ticket.id, mine.version, bruno.id)
    assert theirs.assignee_id == bruno.id
    with pytest.raises(ValidationFailed):
        await alice.assign_ticket(ticket.id, theirs.version, 10 ** 6)
    nobody = await alice.assign_ticket(ticket.id, theirs.version, None)
    assert nobody.assignee_id is None
    edited = await alice.update_ticket(ticket.id, nobody.version, TicketUpdate(
        subject="Edited subject", priority=3, tags=["vip"]))
    assert (edited.subject, edited.priority, edited.tags) == ("Edited subject", 3, ["vip"])
    fields = [e.field for m in await _events(alice, ticket.id) for e in m.events]
    assert {"assignee", "subject", "priority", "tags"} <= set(fields)
    with pytest.raises(ConflictError):
        await alice.update_ticket(ticket.id, nobody.version, TicketUpdate(priority=0))
    unfollowed = await alice.follow_ticket(ticket.id, False)
    assert agents[ALICE].id not in unfollowed.follower_ids
    followed = await alice.follow_ticket(ticket.id, True)
    assert agents[ALICE].id in followed.follower_ids
    archived = await alice.archive_ticket(ticket.id, followed.version)
    assert archived.archived
    board = await alice.board_page(care.id, care.stage_ids[0], limit=200)
    assert ticket.id not in {c.id for c in board.items}
    restored = await alice.archive_ticket(ticket.id, archived.version, False)
    assert not restored.archived
    admin = await open_backend(ADMIN)
    await admin.delete_ticket(ticket.id, restored.version)
    from deskline.errors import NotFound

    with pytest.raises(NotFound):
        await alice.get_ticket(ticket.id)


async def test_only_an_admin_deletes_a_ticket(open_backend):
    alice = await open_backend(ALICE)
    portal = await open_backend(PORTAL)
    onboarding = next(t for t in await portal.list_teams() if t.name == "Onboarding")
    theirs = await portal.create_ticket(TicketCreate(team_id=onboarding.id, subject="Mine"))
    ours = await alice.create_ticket(TicketCreate(team_id=(await team_named(alice)).id,
                                                  subject="Keep me"))
    for backend, ticket in ((alice, ours), (alice, theirs), (portal, theirs)):
        with pytest.raises(PermissionDenied) as refused:
            await backend.delete_ticket(ticket.id, ticket.version)
        assert "only an admin can delete tickets" in str(refused.value)
    assert (await alice.get_ticket(ours.id)).version == ours.version
    assert (await portal.get_ticket(theirs.id)).id == theirs.id


async def test_reply_comment_and_mentions(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Talk"))
    reply = await alice.reply(ticket.id, "  We are on it.  ")
    assert reply.kind is MessageKind.reply and reply.body == "We are on it."
    assert reply.author_name == "Alice Martin"
    comment = await alice.comment(ticket.id, "@bruno.okafor can you check? cc bob@example.com")
    agents = {a.email: a.id for a in await alice.list_agents()}
    assert comment.kind is MessageKind.comment
    assert comment.mention_ids == [agents["bruno.okafor@deskline.example"]]
    fresh = await alice.get_ticket(ticket.id)
    assert agents["bruno.okafor@deskline.example"] in fresh.follower_ids
    assert fresh.version == ticket.version  # appending overwrites nothing
    for empty in (alice.reply(ticket.id, "   "), alice.comment(ticket.id, "")):
        with pytest.raises(ValidationFailed) as err:
            await empty
        assert err.value.field == "body"
    portal = await open_backend(PORTAL)
    with pytest.raises(Exception) as err:
        await portal.comment(ticket.id, "x")
    assert err.type.__name__ in ("NotFound", "PermissionDenied")


async def test_merge_keeps_everything_and_refuses_bad_merges(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    customer = (await alice.list_customers(limit=1)).items[0]
    a = await alice.create_ticket(TicketCreate(team_id=care.id, subject="VPN drops every hour",
                                               customer_id=customer.id, tags=["network"]))
    b = await alice.create_ticket(TicketCreate(team_id=care.id, subject="VPN drops hourly",
                                               customer_id=customer.id, priority=3,
                                               tags=["vip"]))
    await alice.reply(a.id, "first thread")
    await alice.reply(b.id, "second thread")
    preview = await alice.merge_preview([a.id, b.id])
    assert len(preview.pairs) == 1 and 0.5 < preview.pairs[0].score <= 1
    differs = {f.field for f in preview.fields if f.differs}
    assert {"subject", "priority"} <= differs and "customer_id" not in differs
    a = await alice.get_ticket(a.id)
    b = await alice.get_ticket(b.id)
    with pytest.raises(ValidationFailed):
        await alice.merge(MergeRequest(target_id=a.id, source_ids=[a.id],
                                       versions={a.id: a.version}))
    merged = await alice.merge(MergeRequest(
        target_id=a.id, source_ids=[b.id], choices={"priority": b.id},
        versions={a.id: a.version, b.id: b.version}))
    assert merged.priority == 3 and merged.subject == "VPN drops every hour"
    assert set(merged.tags) == {"network", "vip"}
    bodies = [m.body for m in (await alice.ticket_messages(a.id, limit=200)).items]
    assert "first thread" in bodies and "second thread" in bodies
    kept = next(m for m in (await alice.ticket_messages(a.id, limit=200)).items
                if m.body.startswith(f"Merged #{b.number}"))
    assert kept.body.startswith(f"Merged #{b.number} into this ticket; kept the subject of "
                                f"#{a.number}, ")
    assert kept.body.endswith(f" and the priority of #{b.number}")
    assert {"field": f"subject of #{b.number}", "old": "VPN drops hourly", "new": None} in \
        [e.model_dump() for e in kept.events]
    gone = [m.body for m in await _events(alice, b.id)]
    assert f"Merged into #{a.number}; its messages are there now" in gone
    source = await alice.get_ticket(b.id)
    assert source.merged_into == a.id and source.archived
    c = await alice.create_ticket(TicketCreate(team_id=care.id, subject="third"))
    with pytest.raises(ConflictError):  # into a ticket that was merged away
        await alice.merge(MergeRequest(target_id=b.id, source_ids=[c.id],
                                       versions={b.id: source.version, c.id: c.version}))
    with pytest.raises(ConflictError):  # stale version of the target
        await alice.merge(MergeRequest(target_id=a.id, source_ids=[c.id],
                                       versions={a.id: a.version, c.id: c.version}))


async def test_no_reply_or_comment_on_a_merged_ticket(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    a = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Printer offline"))
    b = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Printer is offline"))
    await alice.merge(MergeRequest(target_id=a.id, source_ids=[b.id],
                                   versions={a.id: a.version, b.id: b.version}))
    before = (await alice.get_ticket(b.id)).message_count
    for write in (lambda: alice.reply(b.id, "are you still there?"),
                  lambda: alice.comment(b.id, "note to self")):
        with pytest.raises(ValidationFailed) as err:
            await write()
        assert err.value.field == "ticket_id"
        assert f"merged into #{a.number}" in err.value.message
    assert (await alice.get_ticket(b.id)).message_count == before
    await alice.reply(a.id, "the target still takes replies")


async def test_split_moves_messages_and_links_both_ways(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Two problems"))
    first = await alice.reply(ticket.id, "about the printer")
    second = await alice.reply(ticket.id, "about the invoice")
    third = await alice.comment(ticket.id, "about the network")
    ticket = await alice.get_ticket(ticket.id)
    with pytest.raises(ValidationFailed) as err:
        await alice.split(ticket.id, SplitRequest(message_ids=[first.id, second.id, third.id],
                                                  version=ticket.version))
    assert err.value.field == "message_ids"
    with pytest.raises(ValidationFailed):
        await alice.split(ticket.id, SplitRequest(message_ids=[10 ** 7], version=ticket.version))
    new = await alice.split(ticket.id, SplitRequest(message_ids=[second.id],
                                                    subject="Invoice problem",
                                                    version=ticket.version))
    assert new.subject == "Invoice problem" and new.split_from == ticket.id
    new_bodies = [m.body for m in (await alice.ticket_messages(new.id)).items]
    assert "about the invoice" in new_bodies
    old_bodies = [m.body for m in (await alice.ticket_messages(ticket.id)).items]
    assert "about the invoice" not in old_bodies and "about the printer" in old_bodies
    assert f"Split into #{new.number}: 1 message" in old_bodies
    assert f"Split from #{ticket.number}: 1 message" in \
        [m.body for m in await _events(alice, new.id)]
    with pytest.raises(ConflictError):
        await alice.split(ticket.id, SplitRequest(message_ids=[third.id],
                                                  version=ticket.version))


async def test_customers(open_backend):
    alice = await open_backend(ALICE)
    made = await alice.create_customer(CustomerCreate(email="New.Person@Example.com",
                                                      name="New Person"))
    assert (await alice.get_customer(made.id)).email == "New.Person@Example.com"
    with pytest.raises(ConflictError) as err:
        await alice.create_customer(CustomerCreate(email="new.person@example.COM"))
    assert err.value.field == "email"
    page1 = await alice.list_customers(limit=5)
    page2 = await alice.list_customers(cursor=page1.next_cursor, limit=5)
    assert not {c.id for c in page1.items} & {c.id for c in page2.items}
    found = await alice.list_customers(text="new.person")
    assert [c.id for c in found.items] == [made.id]
    assert await alice.list_organizations()
    portal = await open_backend(PORTAL)
    with pytest.raises(PermissionDenied):
        await portal.create_customer(CustomerCreate(email="x@example.com"))
    admin = await open_backend(ADMIN)
    assert (await admin.me()).role.value == "admin"
