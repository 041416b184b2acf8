"""Full-text matching on PostgreSQL: the GIN indexes over
`to_tsvector('deskline', deskline_words(…))` (migration 0018: words cut, accents dropped
and case folded as FTS5's `unicode61 remove_diacritics 2` does) in place of FTS5. The
search itself, its order and its bounds are SQLite's (`SearchQueries.search_ids` reads
the subjects' match from `SUBJECT_MATCH` and asks `message_matches` for each round of
messages); a ticket filter's words (`tickets.text_filter_sql`, which names
`tickets_fts`) become `TICKET_IDS_MATCHING` in `statements.translate`.

GIN hands its matches in no order, so "the newest 400 matches" of a common word would
read and sort all of them (240 ms for "the" at 50,000 tickets, 380,000 matching
messages). `message_matches` asks for them in windows of ids going back from the newest,
each four times the last: a window of ids is a range of the primary key, so a common word
is found in the first windows and a rare one costs a few GIN lookups.
"""

from __future__ import annotations

import sqlite3

from deskline.store.search import MESSAGE_BATCH

# `fts_query`'s words ("printer" "fire"*: letters and digits, each quoted, the last maybe
# a beginning) as a tsquery ('printer' & 'fire':*): every word required, as in FTS5; the
# words folded as the indexed text is (`deskline_fold`: accents, case).
TSQUERY = ("to_tsquery('deskline', deskline_fold(replace(replace(replace(?, '\" \"', ' & '),"
           " '\"*', ':*'), '\"', '')))")
# The expressions of the GIN indexes, written as they are there so the planner uses them.
_TICKET_WORDS = "to_tsvector('deskline', deskline_words({0}subject || ' ' || {0}description))"
_MESSAGE_WORDS = "to_tsvector('deskline', deskline_words(m.body))"

# What SQLite's `SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?` is.
TICKET_IDS_MATCHING = f"SELECT id FROM tickets WHERE {_TICKET_WORDS.format('')} @@ {TSQUERY}"


_FIRST_WINDOW = 4096  # message ids


class PgSearchQueries:
    conn: sqlite3.Connection  # statements.StatementConnection in PgStore
    SUBJECT_MATCH = ("tickets t", f"{_TICKET_WORDS.format('t.')} @@ {TSQUERY}", "t.id")

    def message_matches(self, query: str, where: str, below: int | None
                        ) -> list[tuple[int, int]]:
        """As SQLite's (`SearchQueries.message_matches`), window by window of ids."""
        top = below if below is not None else self.conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
        found: list[tuple[int, int]] = []
        window = _FIRST_WINDOW
        while top > 1 and len(found) < MESSAGE_BATCH:
            low = max(top - window, 1)
            found += self.conn.execute(
                "SELECT m.id, m.ticket_id FROM messages m JOIN tickets t ON t.id = m.ticket_id"
                f" WHERE m.kind <> 'event' AND {_MESSAGE_WORDS} @@ {TSQUERY}"
                f" AND m.id >= ? AND m.id < ? AND {where}"
                f" ORDER BY m.id DESC LIMIT {MESSAGE_BATCH - len(found)}",
                (query, low, top)).fetchall()
            top, window = low, window * 4
        return found
