-- Saved views: an agent's named ticket queries across teams (models.ViewFilter as JSON).
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    filter TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agent_id, name)
);

-- When a ticket entered its stage, for "waiting in a stage for more than N days". Set by
-- triggers, whoever writes the ticket: on every change of stage (every such write sets
-- updated_at too), and on insert unless given. A ticket written with its history (the
-- demo, an import) or already there counts from its last change, never earlier than its
-- last move: none is said to wait longer than it did.
ALTER TABLE tickets ADD COLUMN stage_since TEXT;
UPDATE tickets SET stage_since = updated_at;
CREATE TRIGGER tickets_stage_since_ai AFTER INSERT ON tickets
WHEN new.stage_since IS NULL BEGIN
    UPDATE tickets SET stage_since = new.updated_at WHERE id = new.id;
END;
CREATE TRIGGER tickets_stage_since_au AFTER UPDATE OF stage_id ON tickets
WHEN new.stage_id IS NOT old.stage_id BEGIN
    UPDATE tickets SET stage_since = new.updated_at WHERE id = new.id;
END;

-- A view's list is newest change first across teams, paged by keyset: walking these in
-- order stops after a page however many tickets there are.
CREATE INDEX ix_tickets_open_updated ON tickets(updated_at DESC, id DESC) WHERE is_open = 1;
CREATE INDEX ix_tickets_updated ON tickets(updated_at DESC, id DESC) WHERE archived = 0;
