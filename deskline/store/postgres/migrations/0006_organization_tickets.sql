-- As deskline/store/migrations/0006_organization_tickets.sql.
CREATE INDEX ix_tickets_organization ON tickets(organization_id, created_at, id)
    WHERE organization_id IS NOT NULL;
