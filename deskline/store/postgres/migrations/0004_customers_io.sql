-- As deskline/store/migrations/0004_customers_io.sql.

CREATE TABLE import_mappings (
    name citext PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('customers', 'tickets')),
    columns text NOT NULL,
    created_at text NOT NULL
);

ALTER TABLE teams ADD COLUMN auto_close_stage_ids text NOT NULL DEFAULT '[]';
ALTER TABLE tickets ADD COLUMN rated_at text;

CREATE INDEX ix_customer_projects_project ON customer_projects(project_id, customer_id);
CREATE INDEX ix_tickets_inactive ON tickets(team_id, updated_at) WHERE is_open = 1;
CREATE INDEX ix_tickets_created ON tickets(created_at);
CREATE INDEX ix_tickets_closed ON tickets(closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX ix_tickets_rated ON tickets(rated_at) WHERE rated_at IS NOT NULL;
