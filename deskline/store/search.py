"""Bounded full-text search: what an agent wants first, not a ranking of every match.

Exact ticket numbers and customer emails come first, then tickets whose subject matches,
then tickets whose replies or comments match, each newest first. The last word typed is a
word beginning in subjects and descriptions (a prefix index makes one to three letters
cost a whole word's lookup) and a whole word in messages. FTS5 walks its index in
rowid order, so `ORDER BY rowid DESC LIMIT n` stops after n matches however common the
word is; ranking every match by bm25 would read them all.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol

from deskline.access import Scope
from deskline.store.tickets import fts_query, scope_sql

# Messages read per round while collecting distinct tickets from message matches.
MESSAGE_BATCH = 400
_MAX_ROUNDS = 5


class SearchQueries:
    conn: sqlite3.Connection
    # How subjects are matched (PostgreSQL's in store/postgres/search.py): the rows
    # searched (`t`), the condition (its one parameter `fts_query`'s), and the key walked
    # newest first.
    SUBJECT_MATCH = ("tickets_fts f JOIN tickets t ON t.id = f.rowid", "tickets_fts MATCH ?",
                     "f.rowid")

    def subject_key(self, query: str) -> str:
        """The key the subjects matching `query` (`fts_query`'s) are taken by, newest
        first: SUBJECT_MATCH's (PostgreSQL's may keep the planner from walking it)."""
        return self.SUBJECT_MATCH[2]

    def message_matches(self, query: str, where: str, below: int | None
                        ) -> list[tuple[int, int]]:
        """(message id, ticket id) of up to `MESSAGE_BATCH` messages matching `query`
        and `where` (over `m` and `t`), newest first, with ids below `below`."""
        bound = "" if below is None else f" AND f.rowid < {int(below)}"
        return self.conn.execute(
            "SELECT f.rowid, m.ticket_id FROM messages_fts f JOIN messages m ON m.id = f.rowid"
            f" JOIN tickets t ON t.id = m.ticket_id WHERE messages_fts MATCH ?{bound}"
            f" AND {where} ORDER BY f.rowid DESC LIMIT {MESSAGE_BATCH}", (query,)).fetchall()
    def search_ids(self, scope: Scope, text: str, limit: int) -> list[tuple[int, str, str]]:
        """(ticket id, matched in, snippet source) for up to `limit` tickets, best first."""
        found: dict[int, tuple[str, str]] = {}
        text = text.strip()
        visible = scope_sql(scope)

        number = text.lstrip("#")
        if number.isdigit():
            for (tid,) in self.conn.execute(
                f"SELECT t.id FROM tickets t WHERE t.number = ? AND {visible}", (int(number),)
            ):
                found.setdefault(tid, ("number", ""))

        if "@" in text and " " not in text:
            for tid, email in self.conn.execute(
                f"SELECT t.id, c.email FROM customers c JOIN tickets t ON t.customer_id = c.id"
                f" WHERE c.email = ? AND {visible} ORDER BY t.created_at DESC LIMIT ?",
                (text, limit),
            ):
                found.setdefault(tid, ("email", email))

        if text.startswith("#") and number.isdigit():
            return [(tid, how, source) for tid, (how, source) in found.items()]
        query = fts_query(text)
        if query and len(found) < limit:
            searched, match, _ = self.SUBJECT_MATCH
            key = self.subject_key(query)
            for tid, subject in self.conn.execute(
                f"SELECT t.id, t.subject FROM {searched}"
                f" WHERE {match} AND {visible} ORDER BY {key} DESC LIMIT ?",
                (query, limit),
            ):
                found.setdefault(tid, ("subject", subject))

        # Messages match whole words only: a prefix over ten million messages costs the
        # postings of every word it begins (258 ms for "the" at a million tickets).
        whole = fts_query(text, prefix=False)
        if whole and len(found) < limit:
            kinds = "" if scope.internal else " AND m.kind = 'reply'"
            below = None
            chosen: dict[int, int] = {}  # ticket id -> its newest matching message
            for _ in range(_MAX_ROUNDS):
                rows = self.message_matches(whole, f"{visible}{kinds}", below)
                for mid, tid in rows:
                    if tid not in found and tid not in chosen:
                        chosen[tid] = mid
                        if len(found) + len(chosen) >= limit:
                            break
                if len(rows) < MESSAGE_BATCH or len(found) + len(chosen) >= limit:
                    break
                below = rows[-1][0]
            # Bodies only of the messages shown (each row read above would cost its body).
            bodies = dict(self.conn.execute(
                "SELECT id, body FROM messages WHERE id IN"
                f" ({','.join(str(int(m)) for m in chosen.values()) or 'NULL'})"))
            for tid, mid in chosen.items():
                found[tid] = ("message", bodies[mid])
        return [(tid, how, source) for tid, (how, source) in list(found.items())[:limit]]


class SearchStore(Protocol):
    """Full-text search over visible tickets."""

    def search_ids(self, scope: Scope, text: str, limit: int) -> list[tuple[int, str, str]]: ...
