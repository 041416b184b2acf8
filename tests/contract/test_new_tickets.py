"""Contract: tickets opened by an agent (a phone call), and numbers never given twice."""

from __future__ import annotations

import pytest

from deskline.errors import ValidationFailed
from deskline.models import Channel, CustomerCreate, OrganizationCreate, TicketCreate
from tests.conftest import ADMIN, ALICE
from tests.contract.helpers import team_named


async def test_a_phone_ticket_is_created_with_its_channel(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    customer = await alice.create_customer(CustomerCreate(
        email="caller@phone.example", name="Cal Ler"))
    ticket = await alice.create_ticket(TicketCreate(
        team_id=care.id, subject="Called: the printer is on fire", customer_id=customer.id,
        channel=Channel.phone, priority=3, tags=["hardware"]))
    assert ticket.channel is Channel.phone
    assert (await alice.get_ticket(ticket.id)).channel is Channel.phone
    assert ticket.customer_id == customer.id
    assert ticket.assignee_id is not None  # Customer Care assigns automatically
    assert ticket.sla_status is not None  # the team's SLA applies as for mail


async def test_a_deleted_tickets_number_is_not_given_again(open_backend):
    admin = await open_backend(ADMIN)
    care = await team_named(admin)
    newest = await admin.create_ticket(TicketCreate(team_id=care.id, subject="Newest"))
    await admin.delete_ticket(newest.id, newest.version)
    after = await admin.create_ticket(TicketCreate(team_id=care.id, subject="After"))
    assert after.number > newest.number


async def test_a_ticket_takes_the_organization_it_is_given_in_one_write(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    care = await team_named(alice)
    home = await admin.create_organization(OrganizationCreate(name="Home Org"))
    other = await admin.create_organization(OrganizationCreate(name="Other Org"))
    customer = await alice.create_customer(CustomerCreate(
        email="member@org.example", organization_id=home.id))
    default = await alice.create_ticket(TicketCreate(
        team_id=care.id, subject="The customer's", customer_id=customer.id))
    assert default.organization_id == home.id
    chosen = await alice.create_ticket(TicketCreate(
        team_id=care.id, subject="Another's", customer_id=customer.id,
        organization_id=other.id))
    assert chosen.organization_id == other.id
    assert chosen.version == default.version  # created, never updated afterwards
    events = [m for m in (await alice.ticket_messages(chosen.id, limit=50)).items
              if m.kind.value == "event"]
    assert len(events) == 1
    none = await alice.create_ticket(TicketCreate(
        team_id=care.id, subject="No one's", customer_id=customer.id, organization_id=None))
    assert none.organization_id is None
    with pytest.raises(ValidationFailed) as unknown:
        await alice.create_ticket(TicketCreate(
            team_id=care.id, subject="Nowhere", customer_id=customer.id,
            organization_id=10 ** 6))
    assert unknown.value.field == "organization_id"
