-- The first schema. Timestamps are ISO 8601 UTC text (sortable as text).

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    domain TEXT
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    phone TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_customers_org ON customers(organization_id);

CREATE TABLE customer_projects (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, project_id)
) WITHOUT ROWID;

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'portal')),
    active INTEGER NOT NULL DEFAULT 1,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL
);

CREATE TABLE agent_time_off (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL
);
CREATE INDEX ix_time_off_agent ON agent_time_off(agent_id, end_at);

CREATE TABLE mail_templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    email_alias TEXT COLLATE NOCASE UNIQUE,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'company', 'public')),
    assignment TEXT NOT NULL CHECK (assignment IN ('manual', 'balanced_total', 'balanced_open')),
    calendar TEXT NOT NULL,  -- JSON of models.Calendar
    auto_close_days INTEGER,
    customers_may_close INTEGER NOT NULL DEFAULT 0,
    ratings INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
) WITHOUT ROWID;
CREATE INDEX ix_team_members_agent ON team_members(agent_id);

CREATE TABLE team_followers (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
) WITHOUT ROWID;
CREATE INDEX ix_team_followers_agent ON team_followers(agent_id);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    closing INTEGER NOT NULL DEFAULT 0,
    template_id INTEGER REFERENCES mail_templates(id) ON DELETE SET NULL
);

CREATE TABLE team_stages (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    stage_id INTEGER NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, stage_id)
) WITHOUT ROWID;
CREATE INDEX ix_team_stages_stage ON team_stages(stage_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE
);

CREATE TABLE sla_policies (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    priorities TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    customer_ids TEXT NOT NULL DEFAULT '[]',
    target_stage_id INTEGER NOT NULL REFERENCES stages(id),
    hours REAL NOT NULL,
    excluded_stage_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_sla_policies_team ON sla_policies(team_id);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    team_id INTEGER NOT NULL REFERENCES teams(id),
    stage_id INTEGER NOT NULL REFERENCES stages(id),
    assignee_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 3),
    tags TEXT NOT NULL DEFAULT '',  -- names joined by a comma, for display; ticket_tags is the truth
    channel TEXT NOT NULL DEFAULT 'manual',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    is_open INTEGER NOT NULL DEFAULT 1,  -- 0 when closed, archived or merged
    sla_deadline TEXT,
    sla_status TEXT,
    rating INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    merged_into INTEGER REFERENCES tickets(id),
    split_from INTEGER REFERENCES tickets(id),
    archived INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0
);
-- The board: a column is (team, stage), ordered by priority then newest, paged by keyset.
CREATE INDEX ix_tickets_board ON tickets(team_id, stage_id, priority DESC, created_at DESC, id DESC)
    WHERE archived = 0;
-- Dashboard counts: open tickets per team with what the figures look at.
CREATE INDEX ix_tickets_open ON tickets(team_id, assignee_id, priority, sla_status)
    WHERE is_open = 1;
-- An agent's own tickets, newest first.
CREATE INDEX ix_tickets_assignee ON tickets(assignee_id, is_open, created_at DESC, id DESC);
CREATE INDEX ix_tickets_customer ON tickets(customer_id, created_at DESC);
-- Loads for automatic assignment: tickets of a team per assignee.
CREATE INDEX ix_tickets_team_assignee ON tickets(team_id, assignee_id, is_open);
CREATE INDEX ix_tickets_sla ON tickets(sla_status, sla_deadline) WHERE sla_status = 'ongoing';

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX ix_ticket_tags_tag ON ticket_tags(tag_id, ticket_id);

CREATE TABLE ticket_followers (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, agent_id)
) WITHOUT ROWID;
CREATE INDEX ix_ticket_followers_agent ON ticket_followers(agent_id, ticket_id);

CREATE TABLE ticket_slas (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    policy_id INTEGER NOT NULL REFERENCES sla_policies(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('ongoing', 'reached', 'failed')),
    deadline TEXT,              -- NULL while paused
    spent_hours REAL NOT NULL DEFAULT 0,  -- working hours used before the current run
    running_since TEXT,         -- NULL while paused
    reached_at TEXT,
    PRIMARY KEY (ticket_id, policy_id)
) WITHOUT ROWID;
CREATE INDEX ix_ticket_slas_due ON ticket_slas(status, deadline);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'comment', 'event')),
    author_agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    author_customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    events TEXT,  -- JSON list of {field, old, new} for kind = 'event'
    created_at TEXT NOT NULL
);
CREATE INDEX ix_messages_ticket ON messages(ticket_id, id);

CREATE TABLE message_mentions (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, agent_id)
) WITHOUT ROWID;
CREATE INDEX ix_mentions_agent ON message_mentions(agent_id);

-- Mail waiting to be sent, written in the same transaction as the change that caused it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,  -- reply, stage_template, confirmation, invitation, rating
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX ix_outbox_queue ON outbox(status, next_attempt_at);

-- Full text: subjects and descriptions of tickets, bodies of replies and comments.
CREATE VIRTUAL TABLE tickets_fts USING fts5(
    subject, description, content='tickets', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts(rowid, subject, description)
    VALUES (new.id, new.subject, new.description);
END;
CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject, description)
    VALUES ('delete', old.id, old.subject, old.description);
END;
CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, description ON tickets BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject, description)
    VALUES ('delete', old.id, old.subject, old.description);
    INSERT INTO tickets_fts(rowid, subject, description)
    VALUES (new.id, new.subject, new.description);
END;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages WHEN new.kind != 'event' BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages WHEN old.kind != 'event' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages WHEN new.kind != 'event' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
