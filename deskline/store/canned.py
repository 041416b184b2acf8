"""Canned replies: personal ones by agent, team ones by team. A mixin of `SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Protocol

from deskline.models import CannedReply
from deskline.store.db import inserted_id

_SELECT = ("SELECT c.id, c.name, c.body, c.agent_id, c.team_id, t.name, c.updated_at"
           " FROM canned_replies c LEFT JOIN teams t ON t.id = c.team_id")
_COLUMNS = ("name", "body")


def _reply(row: tuple) -> CannedReply:
    return CannedReply(id=row[0], name=row[1], body=row[2], agent_id=row[3], team_id=row[4],
                       team_name=row[5], updated_at=row[6])


class CannedQueries:
    conn: sqlite3.Connection

    def canned_replies(self, agent_id: int | None, team_ids: Iterable[int]) -> list[CannedReply]:
        """The personal replies of `agent_id` and the replies of `team_ids`: personal ones
        first, then by team and name."""
        teams = sorted(set(team_ids))
        clauses, params = [], []
        if agent_id is not None:
            clauses.append("c.agent_id = ?")
            params.append(agent_id)
        if teams:
            clauses.append(f"c.team_id IN ({', '.join('?' * len(teams))})")
            params.extend(teams)
        if not clauses:
            return []
        sql = f"{_SELECT} WHERE {' OR '.join(clauses)}" \
              " ORDER BY c.team_id IS NOT NULL, t.name COLLATE NOCASE, c.name COLLATE NOCASE"
        return [_reply(r) for r in self.conn.execute(sql, params)]

    def canned_reply(self, reply_id: int) -> CannedReply | None:
        row = self.conn.execute(f"{_SELECT} WHERE c.id = ?", (reply_id,)).fetchone()
        return _reply(row) if row else None

    def canned_reply_named(self, name: str, agent_id: int | None,
                           team_id: int | None) -> int | None:
        """The id of the reply of that owner with that name (case ignored)."""
        owner = "agent_id = ?" if agent_id is not None else "team_id = ?"
        row = self.conn.execute(
            f"SELECT id FROM canned_replies WHERE {owner} AND name = ? COLLATE NOCASE",
            (agent_id if agent_id is not None else team_id, name)).fetchone()
        return row[0] if row else None

    def insert_canned_reply(self, name: str, body: str, agent_id: int | None,
                            team_id: int | None, now: str) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO canned_replies (name, body, agent_id, team_id, updated_at)"
            " VALUES (?, ?, ?, ?, ?)", (name, body, agent_id, team_id, now)))

    def update_canned_reply(self, reply_id: int, values: dict, now: str) -> None:
        columns = {k: v for k, v in values.items() if k in _COLUMNS}
        sets = "".join(f"{k} = ?, " for k in columns)
        self.conn.execute(f"UPDATE canned_replies SET {sets}updated_at = ? WHERE id = ?",
                          [*columns.values(), now, reply_id])

    def delete_canned_reply(self, reply_id: int) -> None:
        self.conn.execute("DELETE FROM canned_replies WHERE id = ?", (reply_id,))


class CannedStore(Protocol):
    """Canned replies."""

    def canned_replies(self, agent_id: int | None,
                       team_ids: Iterable[int]) -> list[CannedReply]: ...
    def canned_reply(self, reply_id: int) -> CannedReply | None: ...
    def canned_reply_named(self, name: str, agent_id: int | None,
                           team_id: int | None) -> int | None: ...
    def insert_canned_reply(self, name: str, body: str, agent_id: int | None,
                            team_id: int | None, now: str) -> int: ...
    def update_canned_reply(self, reply_id: int, values: dict, now: str) -> None: ...
    def delete_canned_reply(self, reply_id: int) -> None: ...
