"""Queries of webhooks: the endpoints admins register, and the deliveries — an outbox
queued in the transaction of the change, claimed with a lease, kept as the delivery log.
A mixin of `SqliteStore`; `WebhookStore` is the interface it keeps. Delivery's rules
(signature, destinations, backoff) are in `deskline.webhooks`."""

from __future__ import annotations

import json
import sqlite3
from typing import NamedTuple, Protocol

from deskline.clock import from_db
from deskline.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookStatus
from deskline.store.db import inserted_id

_ENDPOINT = ("SELECT e.id, e.url, e.description, e.events, e.allow_internal, e.allow_private,"
             " e.active, e.version, e.created_at,"
             " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
             "  AND d.status IN ('queued', 'sending')),"
             " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
             "  AND d.status = 'failed') FROM webhook_endpoints e")
_DELIVERY = ("SELECT d.id, d.delivery_id, d.endpoint_id, d.event, d.ticket_id, d.status,"
             " d.attempts, d.response_code, d.last_error, d.created_at, d.last_attempt_at,"
             " d.next_attempt_at, d.delivered_at, t.number FROM webhook_deliveries d"
             " LEFT JOIN tickets t ON t.id = d.ticket_id")


_EVENTS = {e.value for e in WebhookEvent}


class DueDelivery(NamedTuple):
    """A delivery to make now, with what sending it needs."""

    id: int
    delivery_id: str
    event: str
    body: str
    attempts: int
    url: str
    secret: str
    allow_private: bool


class WebhookStore(Protocol):
    # endpoints
    def webhook_endpoints(self) -> list[WebhookEndpoint]: ...
    def webhook_endpoint(self, endpoint_id: int) -> WebhookEndpoint | None: ...
    def webhook_endpoint_by_url(self, url: str) -> WebhookEndpoint | None: ...
    def insert_webhook_endpoint(self, values: dict) -> int: ...
    def update_webhook_endpoint(self, endpoint_id: int, values: dict) -> None: ...
    def delete_webhook_endpoint(self, endpoint_id: int) -> bool: ...
    def webhook_targets(self) -> list[tuple[int, list[str], bool]]: ...
    # the outbox
    def queue_webhook(self, *, endpoint_id: int, delivery_id: str, event: str,
                      ticket_id: int | None, body: str, now: str) -> int: ...
    def due_webhook_deliveries(self, now: str, limit: int) -> list[DueDelivery]: ...
    def claim_webhook_delivery(self, row_id: int, attempts: int, now: str,
                               lease_until: str) -> bool: ...
    def finish_webhook_delivery(self, row_id: int, *, status: str, response_code: int | None,
                                error: str | None, now: str,
                                next_attempt_at: str | None = None) -> None: ...
    def stale_webhook_deliveries(self, now: str) -> int: ...
    def recover_webhook_deliveries(self, now: str) -> int: ...
    # the log
    def webhook_deliveries(self, endpoint_id: int, before_id: int | None,
                           limit: int) -> list[WebhookDelivery]: ...
    def webhook_delivery(self, row_id: int) -> WebhookDelivery | None: ...
    def requeue_webhook_delivery(self, row_id: int, now: str) -> bool: ...


def _endpoint(row: tuple) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row[0], url=row[1], description=row[2],
        events=[WebhookEvent(e) for e in json.loads(row[3]) if e in _EVENTS],
        allow_internal=bool(row[4]), allow_private=bool(row[5]), active=bool(row[6]),
        version=row[7], created_at=from_db(row[8]), queued=row[9], failed=row[10])


def _delivery(row: tuple) -> WebhookDelivery:
    return WebhookDelivery(
        id=row[0], delivery_id=row[1], endpoint_id=row[2], event=row[3], ticket_id=row[4],
        status=WebhookStatus(row[5]), attempts=row[6], response_code=row[7], error=row[8],
        created_at=from_db(row[9]), last_attempt_at=from_db(row[10]),
        next_attempt_at=from_db(row[11]), delivered_at=from_db(row[12]), ticket_number=row[13])


class WebhookQueries:
    conn: sqlite3.Connection

    # --- endpoints ------------------------------------------------------------------------

    def webhook_endpoints(self) -> list[WebhookEndpoint]:
        return [_endpoint(r) for r in self.conn.execute(_ENDPOINT + " ORDER BY e.id")]

    def webhook_endpoint(self, endpoint_id: int) -> WebhookEndpoint | None:
        row = self.conn.execute(_ENDPOINT + " WHERE e.id = ?", (endpoint_id,)).fetchone()
        return _endpoint(row) if row else None

    def webhook_endpoint_by_url(self, url: str) -> WebhookEndpoint | None:
        row = self.conn.execute(_ENDPOINT + " WHERE e.url = ?", (url,)).fetchone()
        return _endpoint(row) if row else None

    def insert_webhook_endpoint(self, values: dict) -> int:
        """`values`: url, description, events (JSON text), secret, allow_internal,
        allow_private, active, created_at."""
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        return inserted_id(self.conn.execute(
            f"INSERT INTO webhook_endpoints ({names}) VALUES ({marks})",  # noqa: S608 - names are ours
            tuple(values.values())))

    def update_webhook_endpoint(self, endpoint_id: int, values: dict) -> None:
        """The columns given, and the version bumped."""
        sets = "".join(f"{name} = ?, " for name in values)
        self.conn.execute(
            f"UPDATE webhook_endpoints SET {sets}version = version + 1 WHERE id = ?",  # noqa: S608
            (*values.values(), endpoint_id))

    def delete_webhook_endpoint(self, endpoint_id: int) -> bool:
        return self.conn.execute("DELETE FROM webhook_endpoints WHERE id = ?",
                                 (endpoint_id,)).rowcount > 0

    def webhook_targets(self) -> list[tuple[int, list[str], bool]]:
        """The active endpoints: (id, event types, allow_internal)."""
        return [(r[0], json.loads(r[1]), bool(r[2])) for r in self.conn.execute(
            "SELECT id, events, allow_internal FROM webhook_endpoints WHERE active = 1")]

    # --- the outbox -----------------------------------------------------------------------

    def queue_webhook(self, *, endpoint_id: int, delivery_id: str, event: str,
                      ticket_id: int | None, body: str, now: str) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO webhook_deliveries (endpoint_id, delivery_id, event, ticket_id, body,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (endpoint_id, delivery_id, event, ticket_id, body, now, now)))

    def due_webhook_deliveries(self, now: str, limit: int) -> list[DueDelivery]:
        """Queued rows due by `now` of active endpoints, oldest first, each the first
        pending one of its endpoint and ticket (per-ticket order: a later event waits until
        the earlier ones are delivered or failed)."""
        return [DueDelivery(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]))
                for r in self.conn.execute(
            "SELECT d.id, d.delivery_id, d.event, d.body, d.attempts, e.url, e.secret,"
            " e.allow_private FROM webhook_deliveries d"
            " JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.active = 1"
            " WHERE d.status = 'queued' AND d.next_attempt_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p"
            "  WHERE p.endpoint_id = d.endpoint_id AND p.ticket_id = d.ticket_id"
            "  AND p.id < d.id AND p.status IN ('queued', 'sending'))"
            " ORDER BY d.id LIMIT ?", (now, limit))]

    def claim_webhook_delivery(self, row_id: int, attempts: int, now: str,
                               lease_until: str) -> bool:
        """`sending` with a lease, one attempt more; only while still queued with the
        attempts read, so of two deliverers only one wins."""
        return self.conn.execute(
            "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,"
            " last_attempt_at = ?, lease_until = ? WHERE id = ? AND status = 'queued'"
            " AND attempts = ?", (now, lease_until, row_id, attempts)).rowcount == 1

    def finish_webhook_delivery(self, row_id: int, *, status: str, response_code: int | None,
                                error: str | None, now: str,
                                next_attempt_at: str | None = None) -> None:
        """The attempt's outcome: `delivered`, `failed`, or `queued` again for later."""
        self.conn.execute(
            "UPDATE webhook_deliveries SET status = ?, response_code = ?, last_error = ?,"
            " lease_until = NULL, next_attempt_at = coalesce(?, next_attempt_at),"
            " delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END"
            " WHERE id = ? AND status = 'sending'",
            (status, response_code, error, next_attempt_at, status, now, row_id))

    def stale_webhook_deliveries(self, now: str) -> int:
        """How many rows are `sending` past their lease."""
        return self.conn.execute(
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'sending'"
            " AND lease_until < ?", (now,)).fetchone()[0]

    def recover_webhook_deliveries(self, now: str) -> int:
        """Rows whose deliverer died (lease lapsed) back to the queue; they were due when
        claimed, so they are due at once."""
        return self.conn.execute(
            "UPDATE webhook_deliveries SET status = 'queued', lease_until = NULL,"
            " last_error = 'interrupted: the deliverer stopped; sent again with the same"
            " delivery id' WHERE status = 'sending' AND lease_until < ?", (now,)).rowcount

    # --- the log --------------------------------------------------------------------------

    def webhook_deliveries(self, endpoint_id: int, before_id: int | None,
                           limit: int) -> list[WebhookDelivery]:
        """An endpoint's deliveries, newest first, from before `before_id`."""
        return [_delivery(r) for r in self.conn.execute(
            _DELIVERY + " WHERE d.endpoint_id = ? AND d.id < ? ORDER BY d.id DESC LIMIT ?",
            (endpoint_id, before_id if before_id is not None else 1 << 62, limit))]

    def webhook_delivery(self, row_id: int) -> WebhookDelivery | None:
        row = self.conn.execute(_DELIVERY + " WHERE d.id = ?", (row_id,)).fetchone()
        return _delivery(row) if row else None

    def requeue_webhook_delivery(self, row_id: int, now: str) -> bool:
        """A delivered or failed row sent again, same delivery id, attempts from 0."""
        return self.conn.execute(
            "UPDATE webhook_deliveries SET status = 'queued', attempts = 0,"
            " next_attempt_at = ?, last_error = NULL WHERE id = ?"
            " AND status IN ('delivered', 'failed')", (now, row_id)).rowcount > 0
