-- Ticket counts kept by triggers in the writing transaction, so the board's column counts
-- and the dashboard's figures cost the same however large a team is, and every writer
-- (service, bulk writer, import, merge, mail intake, stage deletion) keeps them without
-- knowing. One row per combination of what those counts look at; `n` may reach 0.
CREATE TABLE ticket_counts (
    team_id INTEGER NOT NULL,
    stage_id INTEGER NOT NULL,
    assignee_id INTEGER NOT NULL,  -- 0: unassigned (NULLs never meet in a key)
    priority INTEGER NOT NULL,
    is_open INTEGER NOT NULL,
    archived INTEGER NOT NULL,
    sla_failed INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (team_id, stage_id, assignee_id, priority, is_open, archived, sla_failed)
) WITHOUT ROWID;

INSERT INTO ticket_counts
SELECT team_id, stage_id, coalesce(assignee_id, 0), priority, is_open, archived,
       coalesce(sla_status = 'failed', 0), count(*)
FROM tickets GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE TRIGGER ticket_counts_ai AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts VALUES (
        new.team_id, new.stage_id, coalesce(new.assignee_id, 0), new.priority, new.is_open,
        new.archived, coalesce(new.sla_status = 'failed', 0), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_counts_au AFTER UPDATE OF team_id, stage_id, assignee_id, priority,
    is_open, archived, sla_status ON tickets
WHEN old.team_id IS NOT new.team_id OR old.stage_id IS NOT new.stage_id
    OR old.assignee_id IS NOT new.assignee_id OR old.priority IS NOT new.priority
    OR old.is_open IS NOT new.is_open OR old.archived IS NOT new.archived
    OR coalesce(old.sla_status = 'failed', 0) IS NOT coalesce(new.sla_status = 'failed', 0)
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE team_id = old.team_id AND stage_id = old.stage_id
      AND assignee_id = coalesce(old.assignee_id, 0) AND priority = old.priority
      AND is_open = old.is_open AND archived = old.archived
      AND sla_failed = coalesce(old.sla_status = 'failed', 0);
    INSERT INTO ticket_counts VALUES (
        new.team_id, new.stage_id, coalesce(new.assignee_id, 0), new.priority, new.is_open,
        new.archived, coalesce(new.sla_status = 'failed', 0), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_counts_ad AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE team_id = old.team_id AND stage_id = old.stage_id
      AND assignee_id = coalesce(old.assignee_id, 0) AND priority = old.priority
      AND is_open = old.is_open AND archived = old.archived
      AND sla_failed = coalesce(old.sla_status = 'failed', 0);
END;

-- Search as you type: the last word typed is a word beginning in subjects and
-- descriptions from its first letter. Without a prefix index FTS5 merges the postings of
-- every word that starts so ("t": most of them) before it can stop at the newest; with
-- one, a beginning of up to three letters is one list like a whole word. (Messages match
-- whole words: their prefix index would triple their index and the build's time.)
DROP TABLE tickets_fts;
CREATE VIRTUAL TABLE tickets_fts USING fts5(
    subject, description, content='tickets', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
);
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');
