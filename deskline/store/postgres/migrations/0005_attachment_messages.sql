-- As deskline/store/migrations/0005_attachment_messages.sql.
CREATE INDEX ix_mail_attachments_chatter ON mail_attachments(chatter_id)
    WHERE chatter_id IS NOT NULL;
