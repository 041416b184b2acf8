-- The server: API tokens (stored hashed), idempotency keys, and the change log that feeds
-- the live event stream.

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,  -- sha256 hex of the whole token; the token is never kept
    prefix TEXT NOT NULL,  -- the first characters, to recognise a token in a list
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT,  -- NULL: never
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX ix_api_tokens_agent ON api_tokens(agent_id);

-- A write retried with the same Idempotency-Key answers the stored response instead of
-- writing twice. Stored in the write's own transaction.
CREATE TABLE idempotency_keys (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,  -- sha256 of method, path and body
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, key)
) WITHOUT ROWID;
CREATE INDEX ix_idempotency_created ON idempotency_keys(created_at);

-- Every change to a ticket, from any writer (server, local consoles, mail intake), for the
-- event stream: `id` is the SSE event id, so a client resumes with Last-Event-ID. Kept by
-- triggers; the server trims old rows. `kind` is the kind of the newest message for
-- message.created (portal accounts only hear about replies).
CREATE TABLE change_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    ticket_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    customer_id INTEGER,
    kind TEXT
);

CREATE TRIGGER change_log_ticket_ai AFTER INSERT ON tickets BEGIN
    INSERT INTO change_log (type, ticket_id, version, team_id, customer_id)
    VALUES ('ticket.created', new.id, new.version, new.team_id, new.customer_id);
END;
CREATE TRIGGER change_log_ticket_au AFTER UPDATE OF version, sla_status ON tickets
WHEN new.version IS NOT old.version OR new.sla_status IS NOT old.sla_status BEGIN
    INSERT INTO change_log (type, ticket_id, version, team_id, customer_id)
    VALUES ('ticket.updated', new.id, new.version, new.team_id, new.customer_id);
END;
CREATE TRIGGER change_log_message AFTER UPDATE OF message_count ON tickets
WHEN new.message_count > old.message_count BEGIN
    INSERT INTO change_log (type, ticket_id, version, team_id, customer_id, kind)
    VALUES ('message.created', new.id, new.version, new.team_id, new.customer_id,
            (SELECT kind FROM messages WHERE ticket_id = new.id ORDER BY id DESC LIMIT 1));
END;
CREATE TRIGGER change_log_ticket_ad AFTER DELETE ON tickets BEGIN
    INSERT INTO change_log (type, ticket_id, version, team_id, customer_id)
    VALUES ('ticket.deleted', old.id, old.version, old.team_id, old.customer_id);
END;
