"""Bounded full-text search: what an agent wants first, not a ranking of every match.

Exact ticket numbers and customer emails come first, then tickets whose subject matches,
then tickets whose replies or comments match, each newest first. FTS5 walks its index in
rowid order, so `ORDER BY rowid DESC LIMIT n` stops after n matches however common the
word is; ranking every match by bm25 would read them all.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol

from deskline.access import Scope
from deskline.store.tickets import fts_query, scope_sql

# Messages read per round while collecting distinct tickets from message matches.
_MESSAGE_BATCH = 400
_MAX_ROUNDS = 5


class SearchQueries:
    conn: sqlite3.Connection

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
            for tid, subject in self.conn.execute(
                f"SELECT t.id, t.subject FROM tickets_fts f JOIN tickets t ON t.id = f.rowid"
                f" WHERE tickets_fts MATCH ? AND {visible} ORDER BY f.rowid DESC LIMIT ?",
                (query, limit),
            ):
                found.setdefault(tid, ("subject", subject))

        if query and len(found) < limit:
            kinds = "" if scope.internal else " AND m.kind = 'reply'"
            below = None
            for _ in range(_MAX_ROUNDS):
                bound = "" if below is None else f" AND f.rowid < {int(below)}"
                rows = self.conn.execute(
                    f"SELECT f.rowid, m.ticket_id, m.body FROM messages_fts f"
                    f" JOIN messages m ON m.id = f.rowid JOIN tickets t ON t.id = m.ticket_id"
                    f" WHERE messages_fts MATCH ?{bound} AND {visible}{kinds}"
                    f" ORDER BY f.rowid DESC LIMIT {_MESSAGE_BATCH}", (query,),
                ).fetchall()
                for _mid, tid, body in rows:
                    if tid not in found:
                        found[tid] = ("message", body)
                        if len(found) >= limit:
                            break
                if len(rows) < _MESSAGE_BATCH or len(found) >= limit:
                    break
                below = rows[-1][0]
        return [(tid, how, source) for tid, (how, source) in list(found.items())[:limit]]


class SearchStore(Protocol):
    """Full-text search over visible tickets."""

    def search_ids(self, scope: Scope, text: str, limit: int) -> list[tuple[int, str, str]]: ...
