"""Webhooks: admins' endpoints, the delivery log with redelivery, the events every ticket
write queues in its own transaction (`_webhook`), and the hand-off of a ticket to sales.

Use cases name what happened (`self._webhook(WebhookEvent.ticket_closed, ticket_id)`);
the payloads are built once, just before the transaction commits (`store.before_commit`),
from the ticket as the whole use case left it, one row per subscribed endpoint. Delivery
is `deskline.webhooks.delivery`."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    EventData,
    Page,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointUpdate,
    WebhookEvent,
    WebhookStatus,
)
from deskline.service.base import MAX_PAGE, ServiceBase, existing
from deskline.store import keyset
from deskline.webhooks import signing
from deskline.webhooks.destinations import literal_problem

INTERNAL_EVENTS = frozenset({WebhookEvent.comment_created})


@dataclass
class _Pending:
    event: WebhookEvent
    ticket_id: int
    message_id: int | None = None
    ticket: Ticket | None = None  # given when the ticket will be gone (deleted)
    extra: dict[str, Any] = field(default_factory=dict)


class _Flush:
    """The events one transaction queued, written just before it commits; registered
    afresh by each transaction, so what a rolled-back one named is dropped."""

    def __init__(self, service: WebhookUseCases) -> None:
        self.service = service
        self.items: list[_Pending] = []
        self.targets: list[tuple[int, list[str], bool]] = []

    def __call__(self) -> None:
        items, self.items = self.items, []
        self.service._webhook_flush(items, self.targets)


class WebhookUseCases(ServiceBase):
    # --- the events of ticket writes ------------------------------------------------------

    def _webhook(self, event: WebhookEvent, ticket_id: int, *, message_id: int | None = None,
                 ticket: Ticket | None = None, extra: dict[str, Any] | None = None) -> None:
        """Queue `event` for the endpoints subscribed to it, in the caller's transaction."""
        flush = self._webhook_pending()
        if not flush.targets:
            return
        key = (event, ticket_id, message_id)
        if any((p.event, p.ticket_id, p.message_id) == key for p in flush.items):
            return  # once per transaction: the payload is the final state anyway
        flush.items.append(_Pending(event, ticket_id, message_id, ticket, dict(extra or {})))

    def _webhook_pending(self) -> _Flush:
        """This transaction's events, registered to be written before it commits."""
        flush = self.__dict__.get("_webhook_flush_")
        if flush is None:
            flush = self.__dict__["_webhook_flush_"] = _Flush(self)
        if self.store.before_commit(flush):  # a new transaction: the endpoints, once
            flush.items.clear()
            flush.targets = self.store.webhook_targets()
        return flush

    def _webhook_flush(self, pending: list[_Pending],
                       targets: list[tuple[int, list[str], bool]]) -> None:
        now = to_db(self.clock())
        scope = self._system_scope()
        for item in pending:
            ticket = item.ticket or self.store.ticket(scope, item.ticket_id)
            if ticket is None:
                continue
            payload: dict[str, Any] = {"type": item.event.value, "occurred_at": now,
                                       "ticket": ticket.model_dump(mode="json")}
            if item.message_id is not None:
                payload["message"] = self._message(scope, item.ticket_id, item.message_id
                                                   ).model_dump(mode="json")
            payload.update(item.extra)
            for endpoint_id, events, allow_internal in targets:
                if item.event.value not in events or \
                        item.event in INTERNAL_EVENTS and not allow_internal:
                    continue
                delivery_id = str(uuid.uuid4())
                # Customers' text is data inside JSON strings, never a part of the envelope.
                body = json.dumps({"id": delivery_id, **payload}, ensure_ascii=False,
                                  separators=(",", ":"))
                self.store.queue_webhook(endpoint_id=endpoint_id, delivery_id=delivery_id,
                                         event=item.event.value, ticket_id=item.ticket_id,
                                         body=body, now=now)

    def _webhook_change(self, before: Ticket, ticket_id: int) -> None:
        """A ticket's fields changed: closed, reopened or updated, as its closing time says
        (read inside the transaction, after the write)."""
        if not self._webhook_pending().targets:
            return  # no endpoint: no read
        after = existing(self.store.ticket(self._system_scope(), ticket_id))
        if before.closed_at is None and after.closed_at is not None:
            self._webhook(WebhookEvent.ticket_closed, ticket_id)
        elif before.closed_at is not None and after.closed_at is None:
            self._webhook(WebhookEvent.ticket_reopened, ticket_id)
        else:
            self._webhook(WebhookEvent.ticket_updated, ticket_id)

    # --- endpoints (admins) ---------------------------------------------------------------

    def list_webhooks(self) -> list[WebhookEndpoint]:
        access.require_admin(self.scope(), "see webhooks")
        return self.store.webhook_endpoints()

    def _endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        endpoint = self.store.webhook_endpoint(endpoint_id)
        if endpoint is None:
            raise NotFound(f"webhook {endpoint_id} does not exist")
        return endpoint

    def get_webhook(self, endpoint_id: int) -> WebhookEndpoint:
        access.require_admin(self.scope(), "see webhooks")
        return self._endpoint(endpoint_id)

    @staticmethod
    def _check_destination(url: str, allow_private: bool) -> None:
        problem = None if allow_private else literal_problem(url)
        if problem:
            raise ValidationFailed(f"{problem}; allow private destinations for this endpoint "
                                   "to deliver there", field="url")

    def create_webhook(self, data: WebhookEndpointCreate) -> WebhookEndpointCreated:
        """A new endpoint; its signing secret is in the answer, and only there."""
        access.require_admin(self.scope(), "register webhooks")
        self._check_destination(data.url, data.allow_private)
        secret = signing.new_secret()
        with self.store.transaction():
            if self.store.webhook_endpoint_by_url(data.url) is not None:
                raise ConflictError("another webhook already has this URL", field="url")
            events = [e.value for e in dict.fromkeys(data.events)]
            endpoint_id = self.store.insert_webhook_endpoint({
                "url": data.url, "description": data.description, "events": json.dumps(events),
                "secret": secret, "allow_internal": int(data.allow_internal),
                "allow_private": int(data.allow_private), "active": int(data.active),
                "created_at": to_db(self.clock())})
            self._audit("webhook", endpoint_id, data.url, "created", self._changes(
                {}, {"url": data.url, "events": events, "allow_internal": data.allow_internal,
                     "allow_private": data.allow_private, "active": data.active}))
        endpoint = existing(self.store.webhook_endpoint(endpoint_id))
        return WebhookEndpointCreated(**endpoint.model_dump(), secret=secret)

    def update_webhook(self, endpoint_id: int, data: WebhookEndpointUpdate,
                       version: int | None = None) -> WebhookEndpoint:
        access.require_admin(self.scope(), "change webhooks")
        values = data.model_dump(exclude_unset=True, exclude_none=True)
        with self.store.transaction():
            endpoint = self._endpoint(endpoint_id)
            self._check_config_version(f"webhook {endpoint.url}", endpoint.version, version)
            url = values.get("url", endpoint.url)
            self._check_destination(url, values.get("allow_private", endpoint.allow_private))
            if url != endpoint.url and self.store.webhook_endpoint_by_url(url) is not None:
                raise ConflictError("another webhook already has this URL", field="url")
            if "events" in values:
                values["events"] = [WebhookEvent(e).value for e in dict.fromkeys(values["events"])]
            before = endpoint.model_dump(mode="json")
            changes = self._changes(before, values)
            if changes:
                columns = {k: json.dumps(v) if k == "events" else
                           int(v) if isinstance(v, bool) else v for k, v in values.items()}
                self.store.update_webhook_endpoint(endpoint_id, columns)
                self._audit("webhook", endpoint_id, url, "changed", changes)
        return self._endpoint(endpoint_id)

    def delete_webhook(self, endpoint_id: int) -> None:
        """The endpoint and its delivery log; what was queued for it is not sent."""
        access.require_admin(self.scope(), "delete webhooks")
        with self.store.transaction():
            endpoint = self._endpoint(endpoint_id)
            self.store.delete_webhook_endpoint(endpoint_id)
            self._audit("webhook", endpoint_id, endpoint.url, "deleted")

    # --- the delivery log -----------------------------------------------------------------

    def webhook_deliveries(self, endpoint_id: int, cursor: str | None = None,
                           limit: int = 50) -> Page[WebhookDelivery]:
        """An endpoint's deliveries, newest first."""
        access.require_admin(self.scope(), "see webhook deliveries")
        self._endpoint(endpoint_id)
        if limit < 1 or limit > MAX_PAGE:
            raise ValidationFailed(f"a page holds 1 to {MAX_PAGE} items", field="limit")
        before = keyset.decode(cursor, 1)[0] if cursor else None
        items = self.store.webhook_deliveries(endpoint_id, before, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        return Page(items=items, next_cursor=keyset.encode(items[-1].id) if more else None)

    def redeliver_webhook(self, delivery_id: int) -> WebhookDelivery:
        """A delivered or failed delivery queued again, due now, with the same delivery id
        and body (a receiver that kept it sees a duplicate and may skip it)."""
        access.require_admin(self.scope(), "redeliver webhooks")
        with self.store.transaction():
            row = self.store.webhook_delivery(delivery_id)
            if row is None:
                raise NotFound(f"delivery {delivery_id} does not exist")
            if row.status in (WebhookStatus.queued, WebhookStatus.sending):
                raise ConflictError(f"delivery {delivery_id} is {row.status.value} already")
            self.store.requeue_webhook_delivery(delivery_id, to_db(self.clock()))
        return existing(self.store.webhook_delivery(delivery_id))

    # --- the hand-off to sales ------------------------------------------------------------

    def hand_off(self, ticket_id: int, version: int, note: str) -> Ticket:
        """Hand a ticket to sales: the `ticket.handed_off` event (ticket, customer,
        organization, note), the hand-off in the chatter, the ticket archived. Deskline
        has no CRM; the webhook is what reaches one."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "hand tickets to sales")
        note = note.strip()
        if not note:
            raise ValidationFailed("say what sales should know", field="note")
        if ticket.merged_into is not None:
            raise ValidationFailed(f"ticket #{ticket.number} was merged; hand over the ticket "
                                   "it was merged into", field="ticket_id")
        if ticket.archived:
            raise ValidationFailed(f"ticket #{ticket.number} is archived already",
                                   field="ticket_id")
        customer = self.store.customer(ticket.customer_id) if ticket.customer_id else None
        organization = self.store.organization(ticket.organization_id) \
            if ticket.organization_id else None
        with self.store.transaction():
            self._write(ticket, version, {"archived": 1, "is_open": 0})
            self._event(ticket.id, [EventData(field="handed_off", new="sales"),
                                    EventData(field="archived", old="false", new="true")],
                        body=f"Handed to sales: {note}")
            self._webhook(WebhookEvent.ticket_handed_off, ticket.id, extra={
                "note": note,
                "handed_off_by": {"id": self.actor.id, "name": self.actor.name,
                                  "email": self.actor.email},
                "customer": customer.model_dump(mode="json") if customer else None,
                "organization": organization.model_dump(mode="json") if organization
                else None})
        return self._ticket(scope, ticket.id)
