"""Full-text matching on PostgreSQL: the GIN indexes over `to_tsvector('deskline', …)`
(migration 0001) in place of FTS5. The search itself, its order and its bounds are
SQLite's (`SearchQueries.search_ids` reads the match from `SUBJECT_MATCH` and
`MESSAGE_MATCH`); a ticket filter's words (`tickets.text_filter_sql`, which names
`tickets_fts`) become `TICKET_IDS_MATCHING` in `statements.translate`."""

from __future__ import annotations

# `fts_query`'s words ("printer" "fire"*: letters and digits, each quoted, the last maybe
# a beginning) as a tsquery ('printer' & 'fire':*): every word required, as in FTS5.
TSQUERY = ("to_tsquery('deskline', replace(replace(replace(?, '\" \"', ' & '),"
           " '\"*', ':*'), '\"', ''))")
# The expressions of the GIN indexes, written as they are there so the planner uses them.
_TICKET_WORDS = "to_tsvector('deskline', {0}subject || ' ' || {0}description)"
_MESSAGE_WORDS = "to_tsvector('deskline', m.body)"

# What SQLite's `SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?` is.
TICKET_IDS_MATCHING = f"SELECT id FROM tickets WHERE {_TICKET_WORDS.format('')} @@ {TSQUERY}"


class PgSearchQueries:
    SUBJECT_MATCH = ("tickets t", f"{_TICKET_WORDS.format('t.')} @@ {TSQUERY}", "t.id")
    MESSAGE_MATCH = ("messages m", f"m.kind <> 'event' AND {_MESSAGE_WORDS} @@ {TSQUERY}",
                     "m.id")
