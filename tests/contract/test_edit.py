"""Contract: `edit_ticket`, every header field in one transaction, and paging a thread
from a message id."""

from __future__ import annotations

import pytest

from deskline.errors import ConflictError, ValidationFailed
from deskline.models import MessageKind, TicketCreate, TicketEdit
from tests.conftest import ALICE, PORTAL
from tests.contract.helpers import team_named


async def _new_ticket(backend):
    care = await team_named(backend)
    return care, await backend.create_ticket(TicketCreate(team_id=care.id,
                                                          subject="Scanner beeps twice"))


async def test_edit_ticket_changes_every_header_field_at_once(open_backend):
    alice = await open_backend(ALICE)
    care, ticket = await _new_ticket(alice)
    me = await alice.me()
    stage = next(s for s in await alice.list_stages(care.id) if s.id != ticket.stage_id
                 and not s.closing)
    org = (await alice.list_organizations())[0]
    edited = await alice.edit_ticket(ticket.id, ticket.version, TicketEdit(
        subject="Scanner beeps three times", description="Since Monday", priority=3,
        tags=["hardware"], stage_id=stage.id, assignee_id=me.id,
        customer_email="New.Caller@Example.org", organization_id=org.id))
    assert edited.subject == "Scanner beeps three times" and edited.priority == 3
    assert edited.description == "Since Monday" and edited.tags == ["hardware"]
    assert edited.stage_id == stage.id and edited.assignee_id == me.id
    assert edited.customer_email == "New.Caller@Example.org"
    assert edited.organization_id == org.id
    assert edited.version > ticket.version
    # The customer named by email was created once; naming them again finds them.
    found = (await alice.list_customers(text="new.caller@example.org")).items
    assert [c.id for c in found] == [edited.customer_id]
    again = await alice.edit_ticket(edited.id, edited.version,
                                    TicketEdit(customer_email="new.caller@example.org"))
    assert again.customer_id == edited.customer_id and again.version == edited.version
    events = [m for m in (await alice.ticket_messages(ticket.id, limit=200)).items
              if m.kind is MessageKind.event]
    changed = {e.field for m in events for e in m.events}
    assert {"subject", "priority", "tags", "customer", "stage", "assignee"} <= changed


@pytest.mark.parametrize("refused", ["stage", "assignee", "email"])
async def test_a_refused_part_leaves_nothing_written(open_backend, refused):
    alice = await open_backend(ALICE)
    _care_team, ticket = await _new_ticket(alice)
    portal = await open_backend(PORTAL)
    parts = {"stage": {"stage_id": 10 ** 6},
             "assignee": {"assignee_id": (await portal.me()).id},
             "email": {"customer_email": "not an address"}}[refused]
    customers_before = len((await alice.list_customers(limit=200)).items)
    with pytest.raises(ValidationFailed) as err:
        await alice.edit_ticket(ticket.id, ticket.version, TicketEdit(
            subject="Half-written?", priority=3, customer_email="half.written@example.org",
            **parts) if refused != "email" else TicketEdit(subject="Half-written?",
                                                            priority=3, **parts))
    assert err.value.field == {"stage": "stage_id", "assignee": "assignee_id",
                               "email": "customer_email"}[refused]
    after = await alice.get_ticket(ticket.id)
    assert (after.subject, after.priority, after.version, after.customer_id) == \
        (ticket.subject, ticket.priority, ticket.version, ticket.customer_id)
    assert not (await alice.list_customers(text="half.written@example.org")).items
    assert len((await alice.list_customers(limit=200)).items) == customers_before


async def test_edit_ticket_refuses_a_stale_version(open_backend):
    alice = await open_backend(ALICE)
    _care_team, ticket = await _new_ticket(alice)
    await alice.edit_ticket(ticket.id, ticket.version, TicketEdit(priority=2))
    with pytest.raises(ConflictError):
        await alice.edit_ticket(ticket.id, ticket.version, TicketEdit(subject="Stale"))
    assert (await alice.get_ticket(ticket.id)).subject == ticket.subject


async def test_thread_pages_from_a_message_id(open_backend):
    alice = await open_backend(ALICE)
    _care_team, ticket = await _new_ticket(alice)
    first = await alice.comment(ticket.id, "First note")
    second = await alice.comment(ticket.id, "Second note")
    page = await alice.ticket_messages(ticket.id, after_message_id=first.id)
    assert [m.id for m in page.items] == [second.id]
    page = await alice.ticket_messages(ticket.id, limit=1, after_message_id=0)
    assert page.next_cursor is not None and len(page.items) == 1
