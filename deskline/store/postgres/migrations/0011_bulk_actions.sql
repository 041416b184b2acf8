-- As deskline/store/migrations/0011_bulk_actions.sql.
CREATE TABLE bulk_undo (
    agent_id bigint PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE DEFERRABLE,
    action text NOT NULL,
    created_at text NOT NULL,
    entries text NOT NULL
);
