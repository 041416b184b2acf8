-- Administration: archived teams, versions on what admins edit (ETag / If-Match), and the
-- audit trail of every configuration change.

ALTER TABLE teams ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE stages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sla_policies ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE mail_templates ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- One row per configuration change, written in the change's own transaction. Names are
-- copied (the actor's and the object's) so the trail reads the same after renames.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,  -- team, stage, sla_policy, template, agent, organization, project, tag, token
    object_id INTEGER,
    object_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,  -- created, changed, archived, deleted, merged, deactivated, revoked…
    changes TEXT NOT NULL DEFAULT '[]'  -- JSON list of {field, old, new}, as shown to people
);
CREATE INDEX ix_audit_kind ON audit_log(kind, id);

-- A mail about no ticket (an invitation) speaks for a team: its From is that team's alias,
-- so the customer's answer reaches a team instead of an address nobody reads.
ALTER TABLE outbox ADD COLUMN team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL;
