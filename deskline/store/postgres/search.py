"""Full-text matching on PostgreSQL for `store/search.py`'s bounded search: the GIN indexes
over `to_tsvector('deskline', …)` (migration 0001) in place of FTS5, the same words
required, the last one a beginning in subjects and descriptions. The search itself, its
order and its bounds are SQLite's (`SearchQueries.search_ids`)."""

from __future__ import annotations

from deskline.store.tickets import typed_words

# The expressions of the GIN indexes, written as they are there so the planner uses them.
_TICKET_WORDS = "to_tsvector('deskline', t.subject || ' ' || t.description)"
_MESSAGE_WORDS = "to_tsvector('deskline', m.body)"


class PgSearchQueries:
    SUBJECT_MATCH = ("tickets t", f"{_TICKET_WORDS} @@ to_tsquery('deskline', ?)", "t.id")
    MESSAGE_MATCH = ("messages m",
                     f"m.kind <> 'event' AND {_MESSAGE_WORDS} @@ to_tsquery('deskline', ?)",
                     "m.id")

    def text_query(self, text: str, prefix: bool = True) -> str | None:
        """The words as a tsquery: every word required, the last a beginning (`:*`) with
        `prefix`, but not a number ("50" should not find every "500"), as `fts_query`."""
        words = typed_words(text)
        if not words:
            return None
        terms = [f"'{w}'" for w in words]  # letters and digits only: nothing to escape
        if prefix and not words[-1].isdigit():
            terms[-1] += ":*"
        return " & ".join(terms)
