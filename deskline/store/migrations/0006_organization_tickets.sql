-- An organization's tickets, newest first (the organization screen's list).
CREATE INDEX ix_tickets_organization ON tickets(organization_id, created_at, id)
    WHERE organization_id IS NOT NULL;
