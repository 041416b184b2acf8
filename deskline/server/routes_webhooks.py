"""Routes of webhooks (admins: endpoints, the delivery log, redelivery) and of the
hand-off of a ticket to sales (agents who see the ticket, with If-Match). Each is one use
case of `service/webhooks.py`; the service decides who may."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from deskline.models import (
    HandOff,
    Page,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointUpdate,
)
from deskline.server.api import Api, parse_if_match, router


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/webhooks", operation_id="listWebhooks",
           response_model=list[WebhookEndpoint], tags=["webhooks"])
    async def list_webhooks(request: Request) -> Response:
        """List webhook endpoints

        Admins only. Each endpoint with its queued and failed deliveries."""
        return await run(request, lambda s: s.list_webhooks())

    @r.post("/webhooks", operation_id="createWebhook",
            response_model=WebhookEndpointCreated, status_code=201,
            tags=["webhooks"])
    async def create_webhook(request: Request, data: WebhookEndpointCreate) -> Response:
        """Create a webhook endpoint

        Admins only. The address is checked (loopback and private addresses only with
        `allow_private`). The answer holds the signing secret; it is shown this once."""
        return await run(request, lambda s: s.create_webhook(data), status=201)

    @r.get("/webhooks/{endpoint_id}", operation_id="getWebhook",
           response_model=WebhookEndpoint, tags=["webhooks"])
    async def get_webhook(request: Request, endpoint_id: int) -> Response:
        """Get a webhook endpoint

        Admins only."""
        return await run(request, lambda s: s.get_webhook(endpoint_id))

    @r.patch("/webhooks/{endpoint_id}", operation_id="updateWebhook",
             response_model=WebhookEndpoint, tags=["webhooks"])
    async def update_webhook(request: Request, endpoint_id: int, data: WebhookEndpointUpdate,
                             if_match: str | None = Header(None)) -> Response:
        """Change a webhook endpoint

        Admins only. Only the fields sent change. If-Match (the endpoint's version) is checked
        when sent: 412 when stale. Answers the endpoint."""
        version = None if if_match is None else parse_if_match(if_match, "webhook")
        return await run(request, lambda s: s.update_webhook(endpoint_id, data, version))

    @r.delete("/webhooks/{endpoint_id}", operation_id="deleteWebhook",
              status_code=204, tags=["webhooks"])
    async def delete_webhook(request: Request, endpoint_id: int) -> Response:
        """Delete a webhook endpoint

        Admins only. The endpoint and its delivery log go; what was queued for it is not sent.
        Answers 204."""
        return await run(request, lambda s: s.delete_webhook(endpoint_id))

    @r.get("/webhooks/{endpoint_id}/deliveries", operation_id="listWebhookDeliveries",
           response_model=Page[WebhookDelivery],
           tags=["webhooks"])
    async def deliveries(request: Request, endpoint_id: int, cursor: str | None = None,
                         limit: int = 50) -> Response:
        """List an endpoint's deliveries

        Admins only. The delivery log, newest first, in cursor pages: each event with its status,
        attempts and last answer."""
        return await run(request, lambda s: s.webhook_deliveries(endpoint_id, cursor, limit))

    @r.post("/webhooks/deliveries/{delivery_id}/redeliver", operation_id="redeliverWebhook",
            response_model=WebhookDelivery,
            tags=["webhooks"])
    async def redeliver(request: Request, delivery_id: int) -> Response:
        """Deliver an event again

        Admins only. A delivered or failed delivery is queued again, due now, with the same
        delivery id and body (a receiver that kept it sees a duplicate and may skip it).
        Answers the delivery."""
        return await run(request, lambda s: s.redeliver_webhook(delivery_id))

    @r.post("/tickets/{ticket_id}/hand-off", operation_id="handOffTicket",
            response_model=Ticket, tags=["tickets"])
    async def hand_off(request: Request, ticket_id: int, data: HandOff,
                       if_match: str | None = Header(None)) -> Response:
        """Hand a ticket to sales

        Agents who see the ticket: a `ticket.handed_off` webhook event with the note, the
        hand-off in the chatter, the ticket archived. Needs If-Match; answers the ticket with its
        new ETag."""
        return await api.versioned(request, ticket_id, if_match,
                                   lambda s, v: s.hand_off(ticket_id, v, data.note))

    return r
