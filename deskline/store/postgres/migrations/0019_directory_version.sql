-- The version of what the store's memo keeps (store/postgres/memo.py): the teams, their
-- members, followers and stages, the agents, their time off and notification settings,
-- SLA policies, mail templates, API tokens and webhook endpoints. A trigger on each of those tables moves it in the writing
-- transaction, so it becomes visible with the write (a sequence would move before the
-- commit: a reader could keep the old rows under the new number).
--
-- The trigger takes the writers' lock first (PgStore.transaction takes it before anything
-- else): while a transaction holds that lock nobody else changes the directory, so the
-- version it read at its start holds until its own writes.
CREATE TABLE directory_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);

CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM sync_counter WHERE id = 1 FOR UPDATE;
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;

DO $$
DECLARE
    kept text;
BEGIN
    FOREACH kept IN ARRAY ARRAY['teams', 'team_members', 'team_followers', 'team_stages',
                                'stages', 'agents', 'agent_time_off',
                                'notification_settings', 'sla_policies', 'mail_templates',
                                'api_tokens', 'webhook_endpoints'] LOOP
        EXECUTE format('CREATE TRIGGER directory_version_%1$s AFTER INSERT OR UPDATE OR DELETE'
                       ' ON %1$I FOR EACH ROW EXECUTE FUNCTION directory_changed()', kept);
        EXECUTE format('CREATE TRIGGER directory_version_%1$s_truncate AFTER TRUNCATE'
                       ' ON %1$I FOR EACH STATEMENT EXECUTE FUNCTION directory_changed()',
                       kept);
    END LOOP;
END $$;
