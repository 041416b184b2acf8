-- Customers, import/export, closing, ratings and reports.

-- Saved column mappings for CSV import, reusable by name: {"column header": "field"}.
CREATE TABLE import_mappings (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    kind TEXT NOT NULL CHECK (kind IN ('customers', 'tickets')),
    columns TEXT NOT NULL,  -- JSON object: column header -> field ('' ignores the column)
    created_at TEXT NOT NULL
);

-- Automatic closing only from these stages (JSON list of stage ids; empty: any open stage).
ALTER TABLE teams ADD COLUMN auto_close_stage_ids TEXT NOT NULL DEFAULT '[]';

-- When the customer answered the rating request (reports count ratings by this time).
ALTER TABLE tickets ADD COLUMN rated_at TEXT;

-- Customers of a project (the customer filter of the console and the ticket filter).
CREATE INDEX ix_customer_projects_project ON customer_projects(project_id, customer_id);
-- Automatic closing: open tickets of a team by last activity.
CREATE INDEX ix_tickets_inactive ON tickets(team_id, updated_at) WHERE is_open = 1;
-- Reports: opened per day, closed per day, ratings in a period.
CREATE INDEX ix_tickets_created ON tickets(created_at);
CREATE INDEX ix_tickets_closed ON tickets(closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX ix_tickets_rated ON tickets(rated_at) WHERE rated_at IS NOT NULL;
