-- Ticket numbers are never given twice: the highest number ever given is kept here (one
-- row), so deleting the newest ticket does not hand its number to the next one. Seeded
-- from the tickets there are; `next_number` and the bulk writer keep it in the write's
-- own transaction.

CREATE TABLE ticket_numbers (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO ticket_numbers (id, last) SELECT 1, coalesce(max(number), 0) FROM tickets;
