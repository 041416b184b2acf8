-- Each agent's notification inbox: what happened on a ticket that concerns them, written
-- in the transaction of the change that caused it. `body` is the sentence people read,
-- made when it happened; `message_id` the chatter row it points at (the ticket view
-- opens there). `once_key` makes a notification that a repeated pass would write again
-- (SLA warnings from the maintenance pass) happen once per agent.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('mention', 'assigned', 'customer_wrote', 'sla_due',
                                       'sla_failed', 'team_ticket')),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    once_key TEXT
);
-- The inbox newest first, and its unread part (the count and "unread first").
CREATE INDEX ix_notifications_agent ON notifications(agent_id, id);
CREATE INDEX ix_notifications_unread ON notifications(agent_id, id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX ux_notifications_once ON notifications(once_key, agent_id)
    WHERE once_key IS NOT NULL;
CREATE INDEX ix_notifications_ticket ON notifications(ticket_id);

-- What each agent wants beyond the inbox: the kinds that also come by mail (comma
-- separated) and the terminal bell. No row: no mail, the bell on.
CREATE TABLE notification_settings (
    agent_id INTEGER PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    mail_kinds TEXT NOT NULL DEFAULT '',
    bell INTEGER NOT NULL DEFAULT 1
);

-- The event stream tells an agent that their unread count changed: a change log row of
-- type 'notification' (ticket_id: the ticket, 0 for "all read"; version: the unread count
-- after the change) for the one agent named here. NULL on every other row.
ALTER TABLE change_log ADD COLUMN agent_id INTEGER;
