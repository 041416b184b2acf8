-- A mail's files are found by the message they came with (which may have moved to another
-- ticket by a merge or a split); the ticket's own (chatter_id NULL) by ticket.
CREATE INDEX ix_mail_attachments_chatter ON mail_attachments(chatter_id)
    WHERE chatter_id IS NOT NULL;
