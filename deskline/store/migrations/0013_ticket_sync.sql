-- The change feed for integrations (GET /api/v1/tickets/changes) and the ticket list's
-- sort orders.
--
-- Every change to a ticket, from any writer (server, console, mail intake, import, the
-- bulk writer), takes the next number of one counter row inside its own transaction, kept
-- by triggers; `ticket_sync` holds each ticket's latest number. Writers are serialized
-- (SQLite's write lock; on PostgreSQL the counter row's lock), so numbers follow commit
-- order and a reader that stops at the counter it read first never skips a change that
-- commits later. A deleted ticket keeps its row as a tombstone (`deleted_at`, with the
-- number, team and customer it had, so the feed shows it only to whoever could see it).

CREATE TABLE sync_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    trimmed INTEGER NOT NULL DEFAULT 0  -- tombstones up to this number were dropped
);

CREATE TABLE ticket_sync (
    id INTEGER PRIMARY KEY,  -- the ticket's id
    seq INTEGER NOT NULL,
    number INTEGER,  -- number, team, customer and time of a deleted ticket
    team_id INTEGER,
    customer_id INTEGER,
    deleted_at TEXT
);

INSERT INTO ticket_sync (id, seq)
SELECT id, row_number() OVER (ORDER BY updated_at, id) FROM tickets;
INSERT INTO sync_counter (id, seq) SELECT 1, count(*) FROM tickets;
CREATE UNIQUE INDEX ix_ticket_sync_seq ON ticket_sync(seq);
CREATE INDEX ix_ticket_sync_deleted ON ticket_sync(deleted_at) WHERE deleted_at IS NOT NULL;

-- An id given again after a delete replaces the tombstone.
CREATE TRIGGER ticket_sync_ai AFTER INSERT ON tickets BEGIN
    UPDATE sync_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO ticket_sync (id, seq) VALUES (new.id, (SELECT seq FROM sync_counter WHERE id = 1))
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, number = NULL, team_id = NULL,
        customer_id = NULL, deleted_at = NULL;
END;
CREATE TRIGGER ticket_sync_au AFTER UPDATE ON tickets BEGIN
    UPDATE sync_counter SET seq = seq + 1 WHERE id = 1;
    UPDATE ticket_sync SET seq = (SELECT seq FROM sync_counter WHERE id = 1) WHERE id = new.id;
END;
CREATE TRIGGER ticket_sync_ad AFTER DELETE ON tickets BEGIN
    UPDATE sync_counter SET seq = seq + 1 WHERE id = 1;
    UPDATE ticket_sync SET seq = (SELECT seq FROM sync_counter WHERE id = 1),
        number = old.number, team_id = old.team_id, customer_id = old.customer_id,
        deleted_at = strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00'
    WHERE id = old.id;
END;
-- Following a ticket changes who sees it (and its follower list).
CREATE TRIGGER ticket_sync_follow_ai AFTER INSERT ON ticket_followers BEGIN
    UPDATE sync_counter SET seq = seq + 1 WHERE id = 1;
    UPDATE ticket_sync SET seq = (SELECT seq FROM sync_counter WHERE id = 1)
    WHERE id = new.ticket_id AND deleted_at IS NULL;
END;
CREATE TRIGGER ticket_sync_follow_ad AFTER DELETE ON ticket_followers BEGIN
    UPDATE sync_counter SET seq = seq + 1 WHERE id = 1;
    UPDATE ticket_sync SET seq = (SELECT seq FROM sync_counter WHERE id = 1)
    WHERE id = old.ticket_id AND deleted_at IS NULL;
END;

-- The ticket list (`GET /api/v1/tickets`) sorts by updated, created or priority, of all
-- tickets or of a team, and pages by keyset (`store/ticket_lists.py: SORT_INDEXES`); all
-- tickets by creation is ix_tickets_created (0004), a team's column ix_tickets_board.
CREATE INDEX ix_tickets_updated_all ON tickets(updated_at);
CREATE INDEX ix_tickets_priority ON tickets(priority, created_at);
CREATE INDEX ix_tickets_team_updated ON tickets(team_id, updated_at);
CREATE INDEX ix_tickets_team_created ON tickets(team_id, created_at);
CREATE INDEX ix_tickets_team_priority ON tickets(team_id, priority, created_at);
