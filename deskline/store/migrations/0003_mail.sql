-- Mail in and out: what intake saw, the Message-IDs that thread replies, attachments,
-- the settings of intake, and the outbox columns that make delivery crash-safe.

-- Every Message-ID we received or sent, and where it belongs. Threading looks a reply's
-- In-Reply-To/References up here; the same inbound Message-ID twice is a duplicate.
-- `id` keeps the order of a thread (References lists it oldest first).
CREATE TABLE mail_ids (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    chatter_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (message_id, direction)
);
CREATE INDEX ix_mail_ids_ticket ON mail_ids(ticket_id, id);

-- One row per mail that reached intake, whatever became of it. The raw bytes are kept
-- for the mails that could not be handled (failed, rejected), so nothing is dropped.
CREATE TABLE mail_inbound (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',      -- file, mbox key, smtp peer, imap uid
    status TEXT NOT NULL CHECK (status IN ('ticket', 'threaded', 'duplicate', 'bounce',
                                           'rejected', 'failed')),
    reason TEXT,
    message_id TEXT,
    sender TEXT,
    recipients TEXT,                      -- JSON list
    subject TEXT,
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    chatter_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    size INTEGER NOT NULL DEFAULT 0,
    raw BLOB                              -- kept for failed and rejected mails
);
CREATE INDEX ix_mail_inbound_status ON mail_inbound(status, id);

-- Files that came with a mail: attachments, inline images, forwarded messages.
CREATE TABLE mail_attachments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    chatter_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    inbound_id INTEGER REFERENCES mail_inbound(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    inline INTEGER NOT NULL DEFAULT 0,
    content_id TEXT,
    content BLOB NOT NULL
);
CREATE INDEX ix_mail_attachments_ticket ON mail_attachments(ticket_id, id);
CREATE INDEX ix_mail_attachments_inbound ON mail_attachments(inbound_id);

-- Mail settings: default_team_id (where mail to an unknown address goes; unset keeps it
-- as rejected), from_address (sender of mail from teams without an alias), smtp_host,
-- imap_host, imap_user, imap_mailbox. Passwords are never stored: they come from the
-- environment.
CREATE TABLE mail_settings (
    key TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;

-- Delivery: the Message-ID is fixed when the row is claimed, before DATA; claimed_at
-- tells a later sender how long a row has been 'sending' (see deskline/mail/outbox.py).
ALTER TABLE outbox ADD COLUMN mail_message_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
-- Intake asks whether a new ticket's first stage already mailed the customer.
CREATE INDEX ix_outbox_ticket ON outbox(ticket_id, kind);
-- Intake counts the confirmations an address got in the last hour (mail loops).
CREATE INDEX ix_outbox_to ON outbox(to_addr, kind, created_at);
