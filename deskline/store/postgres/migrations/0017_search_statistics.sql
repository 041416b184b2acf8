-- The planner guessed that 0.5% of messages match any word (the full-text index is
-- partial, and its expression had no statistics), so a search walked the messages newest
-- first re-reading every body: 34 s for a word found nowhere at a million tickets, 22 ms
-- with these (bench/postgres.py).
CREATE STATISTICS messages_fts_words ON (to_tsvector('deskline', body)) FROM messages;
ANALYZE messages;
