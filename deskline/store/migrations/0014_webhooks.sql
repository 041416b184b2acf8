-- Webhooks: endpoints admins register, and the deliveries of events to them — an outbox
-- written in the transaction of the change, which is also each endpoint's delivery log.

CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    events TEXT NOT NULL,  -- JSON list of event types
    -- Kept as is (not hashed, unlike API tokens): every request is signed with it.
    secret TEXT NOT NULL,
    allow_internal INTEGER NOT NULL DEFAULT 0,
    allow_private INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    delivery_id TEXT NOT NULL UNIQUE,  -- the receiver's de-duplication key
    event TEXT NOT NULL,
    ticket_id INTEGER,  -- no foreign key: a deleted ticket's events still go out
    body TEXT NOT NULL,  -- the JSON sent, fixed when queued
    status TEXT NOT NULL DEFAULT 'queued',  -- queued, sending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,  -- while sending: after this, the row is tried again
    last_attempt_at TEXT,
    response_code INTEGER,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
-- Per-ticket order: a row waits while an earlier one of its endpoint and ticket is pending.
CREATE INDEX ix_webhook_deliveries_pending ON webhook_deliveries(endpoint_id, ticket_id, id)
    WHERE status IN ('queued', 'sending');
CREATE INDEX ix_webhook_deliveries_log ON webhook_deliveries(endpoint_id, id);
