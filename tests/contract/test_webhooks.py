"""Contract: webhook endpoints (admins only), the delivery log with redelivery, and the
hand-off of a ticket to sales — the same on every backend."""

from __future__ import annotations

import pytest

from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    TicketCreate,
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
    WebhookEvent,
    WebhookStatus,
)
from tests.conftest import ADMIN, ALICE, PORTAL

URL = "https://hooks.example.com/deskline"


async def test_endpoints_are_admins_with_a_secret_shown_once(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    created = await admin.create_webhook(WebhookEndpointCreate(
        url=URL, events=[WebhookEvent.ticket_created, WebhookEvent.ticket_handed_off],
        description="CRM"))
    assert created.secret.startswith("whsec_") and len(created.secret) > 40
    listed = await admin.list_webhooks()
    assert [e.url for e in listed] == [URL]
    assert "secret" not in listed[0].model_dump()
    assert (await admin.get_webhook(created.id)).events == created.events
    with pytest.raises(ConflictError) as taken:
        await admin.create_webhook(WebhookEndpointCreate(url=URL, events=["ticket.created"]))
    assert taken.value.field == "url"
    with pytest.raises(ValidationFailed) as private:
        await admin.create_webhook(WebhookEndpointCreate(url="http://192.168.1.4/",
                                                         events=["ticket.created"]))
    assert private.value.field == "url"
    with pytest.raises(PermissionDenied):
        await alice.list_webhooks()
    with pytest.raises(PermissionDenied):
        await alice.create_webhook(WebhookEndpointCreate(url=URL + "2", events=["sla.failed"]))

    changed = await admin.update_webhook(created.id, WebhookEndpointUpdate(
        active=False, allow_internal=True), version=created.version)
    assert (changed.active, changed.allow_internal, changed.version) == (False, True, 2)
    with pytest.raises(ConflictError):  # a stale version
        await admin.update_webhook(created.id, WebhookEndpointUpdate(active=True),
                                   version=created.version)
    await admin.delete_webhook(created.id)
    with pytest.raises(NotFound):
        await admin.get_webhook(created.id)
    entries = (await admin.audit_log(kind="webhook")).items
    assert [e.action for e in entries] == ["deleted", "changed", "created"]
    assert not any("whsec_" in str(e.model_dump()) for e in entries)


async def test_hand_off_archives_records_and_queues_the_event(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    portal = await open_backend(PORTAL)
    hook = await admin.create_webhook(WebhookEndpointCreate(
        url=URL, events=[WebhookEvent.ticket_handed_off]))
    team = next(t for t in await alice.list_teams() if t.name == "Customer Care")
    ticket = await alice.create_ticket(TicketCreate(team_id=team.id, subject="Wants 40 seats"))
    with pytest.raises(ValidationFailed) as empty:
        await alice.hand_off(ticket.id, ticket.version, "  ")
    assert empty.value.field == "note"
    with pytest.raises(ConflictError):
        await alice.hand_off(ticket.id, ticket.version - 1, "stale")
    with pytest.raises((PermissionDenied, NotFound)):
        await portal.hand_off(ticket.id, ticket.version, "not a customer's")
    handed = await alice.hand_off(ticket.id, ticket.version, "Call them about 40 seats")
    assert handed.archived and handed.version == ticket.version + 1
    thread = (await alice.ticket_messages(ticket.id)).items
    assert any(m.body == "Handed to sales: Call them about 40 seats" for m in thread)
    log = (await admin.webhook_deliveries(hook.id)).items
    assert [(d.event, d.ticket_id, d.status) for d in log] == \
        [("ticket.handed_off", ticket.id, WebhookStatus.queued)]
    assert log[0].ticket_number == ticket.number
    with pytest.raises(ConflictError):  # queued already
        await admin.redeliver_webhook(log[0].id)
    with pytest.raises(NotFound):
        await admin.redeliver_webhook(987654)
    with pytest.raises(ValidationFailed):  # archived: handed over once
        await alice.hand_off(ticket.id, handed.version, "again")
