-- Canned replies: text an agent inserts in the composer, rendered for the ticket. Each
-- belongs to one agent (personal) or to one team (kept by admins); names are unique per
-- owner, without case.

CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    agent_id INTEGER REFERENCES agents(id) ON DELETE CASCADE,
    team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    updated_at TEXT NOT NULL,
    CHECK ((agent_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX ux_canned_personal ON canned_replies(agent_id, name COLLATE NOCASE)
    WHERE agent_id IS NOT NULL;
CREATE UNIQUE INDEX ux_canned_team ON canned_replies(team_id, name COLLATE NOCASE)
    WHERE team_id IS NOT NULL;
