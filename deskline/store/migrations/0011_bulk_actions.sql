-- The last bulk action of each agent, so that it can be undone once: the action and, per
-- ticket, the version the action left and what the ticket was before (JSON).

CREATE TABLE bulk_undo (
    agent_id INTEGER PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    created_at TEXT NOT NULL,
    entries TEXT NOT NULL
);
