-- As deskline/store/migrations/0013_ticket_sync.sql: the change feed's counter, kept by
-- triggers. The counter row's lock serializes the writers, so numbers follow commit order.

CREATE TABLE sync_counter (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    trimmed bigint NOT NULL DEFAULT 0
);

CREATE TABLE ticket_sync (
    id bigint PRIMARY KEY,
    seq bigint NOT NULL,
    number bigint,
    team_id bigint,
    customer_id bigint,
    deleted_at text
);

INSERT INTO ticket_sync (id, seq)
SELECT id, row_number() OVER (ORDER BY updated_at, id) FROM tickets;
INSERT INTO sync_counter (id, seq) SELECT 1, count(*) FROM tickets;
CREATE UNIQUE INDEX ix_ticket_sync_seq ON ticket_sync(seq);
CREATE INDEX ix_ticket_sync_deleted ON ticket_sync(deleted_at) WHERE deleted_at IS NOT NULL;

CREATE FUNCTION next_sync_seq() RETURNS bigint LANGUAGE sql AS $$
    UPDATE sync_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq
$$;

CREATE FUNCTION ticket_sync_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- An id given again after a delete replaces the tombstone.
        INSERT INTO ticket_sync (id, seq) VALUES (NEW.id, next_sync_seq())
        ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, number = NULL, team_id = NULL,
            customer_id = NULL, deleted_at = NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE ticket_sync SET seq = next_sync_seq() WHERE id = NEW.id;
    ELSE
        -- The same text as SQLite's strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00'.
        UPDATE ticket_sync SET seq = next_sync_seq(), number = OLD.number,
            team_id = OLD.team_id, customer_id = OLD.customer_id,
            deleted_at = to_char(statement_timestamp() AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS.MS') || '000+00:00'
        WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END $$;

-- Following a ticket changes who sees it (and its follower list).
CREATE FUNCTION ticket_sync_follower() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ticket bigint := CASE TG_OP WHEN 'INSERT' THEN NEW.ticket_id ELSE OLD.ticket_id END;
BEGIN
    UPDATE ticket_sync SET seq = next_sync_seq() WHERE id = ticket AND deleted_at IS NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER ticket_sync_ai AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_sync_ticket();
CREATE TRIGGER ticket_sync_au AFTER UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_sync_ticket();
CREATE TRIGGER ticket_sync_ad AFTER DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_sync_ticket();
CREATE TRIGGER ticket_sync_follow_ai AFTER INSERT ON ticket_followers
    FOR EACH ROW EXECUTE FUNCTION ticket_sync_follower();
CREATE TRIGGER ticket_sync_follow_ad AFTER DELETE ON ticket_followers
    FOR EACH ROW EXECUTE FUNCTION ticket_sync_follower();

-- The change log's ids in commit order, as SQLite's single writer gives them: a reader that
-- goes on from the last id it saw must never find a lower one committed later. A writer
-- takes the counter row's lock before its id, and keeps it to its commit.
CREATE OR REPLACE FUNCTION change_log_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM sync_counter WHERE id = 1 FOR UPDATE;
    NEW.id := coalesce(NEW.id, nextval('change_log_id_seq'));
    RETURN NEW;
END $$;

CREATE INDEX ix_tickets_updated_all ON tickets(updated_at);
CREATE INDEX ix_tickets_priority ON tickets(priority, created_at);
CREATE INDEX ix_tickets_team_updated ON tickets(team_id, updated_at);
CREATE INDEX ix_tickets_team_created ON tickets(team_id, created_at);
CREATE INDEX ix_tickets_team_priority ON tickets(team_id, priority, created_at);
