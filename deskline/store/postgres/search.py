"""Full-text matching on PostgreSQL: the GIN indexes over the stored words of each ticket
and message (migration 0020: `to_tsvector('deskline', deskline_words(…))`, 0018: words
cut, accents dropped and case folded as FTS5's `unicode61 remove_diacritics 2` does) in
place of FTS5. The
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
import time

from deskline.store.search import MESSAGE_BATCH

# `fts_query`'s words ("printer" "fire"*: letters and digits, each quoted, the last maybe
# a beginning) as a tsquery ('printer' & 'fire':*): every word required, as in FTS5; the
# words folded as the indexed text is (`deskline_fold`: accents, case).
TSQUERY = ("to_tsquery('deskline', deskline_fold(replace(replace(replace(?, '\" \"', ' & '),"
           " '\"*', ':*'), '\"', '')))")
# The expressions of the GIN indexes, written as they are there so the planner uses them.
# (migration 0020: each text's words stored beside it, `tickets.words`, `messages.words`)
_TICKET_WORDS = "{0}words"
_MESSAGE_WORDS = "m.words"

# What SQLite's `SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?` is.
TICKET_IDS_MATCHING = f"SELECT id FROM tickets WHERE {_TICKET_WORDS.format('')} @@ {TSQUERY}"


_FIRST_WINDOW = 4096  # message ids

# The statistics' common words of each table's stored words (`tickets.words`,
# `messages.words`, kept by ANALYZE), and the words of a query as they are stored. A word
# missing from the common words, or a beginning (`"fire"*`'s fire) that starts none of
# them, is in fewer rows than the rarest common one, yet the planner guesses half that
# rarest word's share (a beginning: a fixed share) and may walk the primary key newest
# first, checking every row (8 s a window of messages for a word found nowhere at a
# million tickets, once the common words were all frequent; 0.4-8 s over the subjects).
_COMMON_WORDS = ("SELECT tablename::text, most_common_elems::text::text[] FROM pg_stats"
                 " WHERE tablename IN ('tickets', 'messages') AND attname = 'words'"
                 " AND schemaname = current_schema() AND most_common_elems IS NOT NULL")
_LEXEMES = ("SELECT tsvector_to_array(to_tsvector('deskline', deskline_words(?))),"
            " tsvector_to_array(to_tsvector('deskline', deskline_words(?)))")
# Statistics move when ANALYZE runs (autovacuum's pace): read again after this long.
# Planning a read of the pg_stats view took 2.3 ms, at every search.
COMMON_WORDS_KEPT = 60.0  # seconds
_LEXEMES_KEPT = 4096  # queries' words, as stored (they never change)


class PgSearchQueries:
    conn: sqlite3.Connection  # statements.StatementConnection in PgStore
    SUBJECT_MATCH = ("tickets t", f"{_TICKET_WORDS.format('t.')} @@ {TSQUERY}", "t.id")
    # (when read, table -> its common words) and query -> its words, of this store
    _common: tuple[float, dict[str, frozenset[str]]] | None = None
    _lexemes_of: dict[str, tuple[list[str], list[str]]] | None = None

    def subject_key(self, query: str) -> str:
        """With a rare word, the subjects' matches are all taken from the index and the
        newest kept (`+ 0`: not the primary key's order, which would be the walk)."""
        return "t.id + 0" if self._has_rare_word("tickets", query) else "t.id"

    def _has_rare_word(self, table: str, query: str) -> bool:
        """Whether a word of `fts_query`'s words ("printer" "fire"*) is rare in `table`
        (`_COMMON_WORDS`); never while the table has no statistics yet."""
        common = self._common_words().get(table)
        if not common:
            return False
        whole, beginnings = self._lexemes(query)
        return (any(word not in common for word in whole)
                or any(not any(c.startswith(b) for c in common) for b in beginnings))

    def _common_words(self) -> dict[str, frozenset[str]]:
        now = time.monotonic()
        if self._common is None or now - self._common[0] > COMMON_WORDS_KEPT:
            self._common = (now, {table: frozenset(words) for table, words
                                  in self.conn.execute(_COMMON_WORDS).fetchall()})
        return self._common[1]

    def _lexemes(self, query: str) -> tuple[list[str], list[str]]:
        """The stored words (`_LEXEMES`) of a query's whole words and of its beginning."""
        if self._lexemes_of is None:
            self._lexemes_of = {}
        kept = self._lexemes_of
        if query not in kept:
            whole: list[str] = []
            beginnings: list[str] = []
            for word in query.split('" "'):
                (beginnings if word.endswith('"*') else whole).append(word.strip('"*'))
            if len(kept) >= _LEXEMES_KEPT:
                kept.clear()
            kept[query] = self.conn.execute(
                _LEXEMES, (" ".join(whole), " ".join(beginnings))).fetchone()
        return kept[query]

    def message_matches(self, query: str, where: str, below: int | None
                        ) -> list[tuple[int, int]]:
        """As SQLite's (`SearchQueries.message_matches`), window by window of ids."""
        top = below if below is not None else self.conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
        if self._has_rare_word("messages", query):
            # Few messages hold that word: its postings, all at once, newest first
            # (`+ 0`: not the primary key's order, which would be the walk).
            return self._matching(query, where, "m.id < ?", (top,), "m.id + 0", MESSAGE_BATCH)
        found: list[tuple[int, int]] = []
        window = _FIRST_WINDOW
        while top > 1 and len(found) < MESSAGE_BATCH:
            low = max(top - window, 1)
            found += self._matching(query, where, "m.id >= ? AND m.id < ?", (low, top), "m.id",
                                    MESSAGE_BATCH - len(found))
            top, window = low, window * 4
        return found

    def _matching(self, query: str, where: str, ids: str, bounds: tuple[int, ...],
                  order: str, limit: int) -> list[tuple[int, int]]:
        """(message id, ticket id) of messages matching `query` and `where` with ids in
        `ids` (its values `bounds`), newest first by `order`, `limit` at most."""
        return self.conn.execute(
            "SELECT m.id, m.ticket_id FROM messages m JOIN tickets t ON t.id = m.ticket_id"
            f" WHERE m.kind <> 'event' AND {_MESSAGE_WORDS} @@ {TSQUERY} AND {ids}"
            f" AND {where} ORDER BY {order} DESC LIMIT {int(limit)}",
            (query, *bounds)).fetchall()
