-- What every server process must see alike, once kept in each process's memory: who is
-- on a ticket now (rows lapse at expires_at without a heartbeat) and the throttles'
-- counted events (failed logins per address, new tokens per agent), each kept for its
-- window.

CREATE TABLE presence (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    since TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, agent_id)
);
CREATE INDEX ix_presence_expires ON presence(expires_at);

CREATE TABLE throttle_hits (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    hit_at TEXT NOT NULL
);
CREATE INDEX ix_throttle_hits_key ON throttle_hits(name, key, hit_at);
