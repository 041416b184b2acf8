-- As deskline/store/migrations/0008_ticket_numbers.sql: the highest number ever given.
CREATE TABLE ticket_numbers (
    id integer PRIMARY KEY CHECK (id = 1),
    last bigint NOT NULL
);
INSERT INTO ticket_numbers (id, last) SELECT 1, coalesce(max(number), 0) FROM tickets;
