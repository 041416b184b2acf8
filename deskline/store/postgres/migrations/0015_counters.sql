-- As deskline/store/migrations/0015_counters.sql: ticket counts kept by a trigger in the
-- writing transaction, one row per combination of what the board's and the dashboard's
-- counts look at. (SQLite's prefix index for search as you type has no counterpart here:
-- full text is GIN over to_tsvector, whose prefix matching is the query's own.)
CREATE TABLE ticket_counts (
    team_id bigint NOT NULL,
    stage_id bigint NOT NULL,
    assignee_id bigint NOT NULL,  -- 0: unassigned (NULLs never meet in a key)
    priority integer NOT NULL,
    is_open integer NOT NULL,
    archived integer NOT NULL,
    sla_failed integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (team_id, stage_id, assignee_id, priority, is_open, archived, sla_failed)
);

INSERT INTO ticket_counts
SELECT team_id, stage_id, coalesce(assignee_id, 0), priority, is_open, archived,
       CASE WHEN sla_status = 'failed' THEN 1 ELSE 0 END, count(*)
FROM tickets GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE FUNCTION ticket_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE ticket_counts SET n = n - 1
        WHERE team_id = OLD.team_id AND stage_id = OLD.stage_id
          AND assignee_id = coalesce(OLD.assignee_id, 0) AND priority = OLD.priority
          AND is_open = OLD.is_open AND archived = OLD.archived
          AND sla_failed = CASE WHEN OLD.sla_status = 'failed' THEN 1 ELSE 0 END;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ticket_counts VALUES (
            NEW.team_id, NEW.stage_id, coalesce(NEW.assignee_id, 0), NEW.priority,
            NEW.is_open, NEW.archived, CASE WHEN NEW.sla_status = 'failed' THEN 1 ELSE 0 END,
            1)
        ON CONFLICT (team_id, stage_id, assignee_id, priority, is_open, archived, sla_failed)
        DO UPDATE SET n = ticket_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ticket_counts_ai AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_keep();
CREATE TRIGGER ticket_counts_au AFTER UPDATE OF team_id, stage_id, assignee_id, priority,
    is_open, archived, sla_status ON tickets
    FOR EACH ROW
    WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.stage_id IS DISTINCT FROM NEW.stage_id
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
          OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.is_open IS DISTINCT FROM NEW.is_open
          OR OLD.archived IS DISTINCT FROM NEW.archived
          OR coalesce(OLD.sla_status = 'failed', false)
             IS DISTINCT FROM coalesce(NEW.sla_status = 'failed', false))
    EXECUTE FUNCTION ticket_counts_keep();
CREATE TRIGGER ticket_counts_ad AFTER DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_keep();
