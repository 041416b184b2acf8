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

-- A view's list is newest change first across teams, paged by keyset: walking these in
-- order stops after a page however many tickets there are.
CREATE INDEX ix_tickets_open_updated ON tickets(updated_at DESC, id DESC) WHERE is_open = 1;
CREATE INDEX ix_tickets_updated ON tickets(updated_at DESC, id DESC) WHERE archived = 0;
