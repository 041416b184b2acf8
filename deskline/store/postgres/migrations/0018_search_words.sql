-- Words cut as SQLite's FTS5 cuts them (`unicode61 remove_diacritics 2`), so that a
-- search finds the same tickets on both. PostgreSQL's parser kept `first.last`, emails,
-- links, hosts, paths and versions whole ("kovacs" did not find "zoltan.kovacs@…", nor
-- "17" "4.17.2") and `unaccent` folded letters FTS5 keeps (ß, ø, æ, ł, Greek and
-- Cyrillic accents: "lodz" found "Łódź" here only). Now the indexed text is
-- `deskline_words(…)`: every run of characters other than letters, digits and combining
-- accents becomes one space (what unicode61 cuts on), accents on a Latin letter are
-- dropped (what remove_diacritics 2 drops), and the rest is lower-cased, both by ICU's
-- rules (collation "und-x-icu", whatever the database's locale). The `deskline`
-- configuration is then `simple` alone; a query's words go through `deskline_fold`
-- (store/postgres/search.py). Known differences: symbols and letters outside Unicode 6.1
-- (emoji, U+1F600…) are part of a word for FTS5 and cut here; so are numbers like ² ½.

-- (Accents are looked for first: decomposing and composing every text doubled the cost
-- of indexing one, and most have no accented Latin letter.)
CREATE FUNCTION deskline_fold(words text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(CASE WHEN words ~ '[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]'
                      THEN normalize(regexp_replace(normalize(words, NFD),
                                                    '([A-Za-z])[\u0300-\u036f]+', '\1', 'g'),
                                     NFC)
                      ELSE words END COLLATE "und-x-icu");

CREATE FUNCTION deskline_words(body text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN deskline_fold(regexp_replace(body COLLATE "und-x-icu",
                                        '[^[:alnum:]\u0300-\u036f]+', ' ', 'g'));

DROP STATISTICS messages_fts_words;
DROP INDEX ix_messages_fts;
DROP INDEX ix_tickets_fts;
ALTER TEXT SEARCH CONFIGURATION deskline
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH simple;

CREATE INDEX ix_tickets_fts ON tickets
    USING gin (to_tsvector('deskline', deskline_words(subject || ' ' || description)));
CREATE INDEX ix_messages_fts ON messages
    USING gin (to_tsvector('deskline', deskline_words(body)))
    WHERE kind <> 'event';
CREATE STATISTICS messages_fts_words ON (to_tsvector('deskline', deskline_words(body)))
    FROM messages;
-- Both: a new index's expression has no statistics until its table is analysed, and
-- without them the planner walked every ticket newest first for a word found nowhere
-- (6.8 s at 100,000 tickets, 8 ms with them).
ANALYZE tickets, messages;
