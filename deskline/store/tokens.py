"""API tokens: made, found, listed and revoked, and the one check of whether a token is live.

A token is `dl_` and 43 random URL-safe characters; only its SHA-256 is kept (the token
carries 256 bits of randomness, so a slow hash would add nothing), with its first
characters to recognise it in a list.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from deskline.clock import to_db, utcnow
from deskline.models import Agent, ApiToken
from deskline.store.db import inserted_id

PREFIX = "dl_"
MAX_LENGTH = 200  # longer is no token of ours; not worth hashing


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def well_formed(token: str) -> bool:
    """Whether a token could be one of ours (checked before any lookup)."""
    return token.startswith(PREFIX) and len(token) <= MAX_LENGTH


class TokenStore(Protocol):
    def create_api_token(self, agent_id: int, *, label: str = "",
                         expires_days: int | None = None,
                         now: datetime | None = None) -> tuple[int, str, datetime | None]: ...

    def api_token_id(self, token: str) -> int | None: ...

    def token_holder(self, token: str) -> tuple[Agent | None, str | None]: ...

    def token_agent(self, token: str, now: datetime | None = None) -> Agent | None: ...

    def api_tokens(self, agent_id: int | None = None) -> list[ApiToken]: ...

    def revoke_api_token(self, token_id: int, now: str, agent_id: int | None = None) -> bool: ...

    def revoke_agent_tokens(self, agent_id: int, now: str) -> int: ...


class TokenQueries:
    conn: sqlite3.Connection

    if TYPE_CHECKING:
        def agent(self, agent_id: int) -> Agent | None: ...  # from DirectoryQueries

    def create_api_token(self, agent_id: int, *, label: str = "",
                         expires_days: int | None = None,
                         now: datetime | None = None) -> tuple[int, str, datetime | None]:
        """(id, the token, expiry). The token is returned once and never stored."""
        now = now or utcnow()
        token = PREFIX + secrets.token_urlsafe(32)
        expires = now + timedelta(days=expires_days) if expires_days else None
        tid = inserted_id(self.conn.execute(
            "INSERT INTO api_tokens (agent_id, token_hash, prefix, label, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (agent_id, hash_token(token), token[:10], label, to_db(now),
             to_db(expires) if expires else None)))
        return tid, token, expires

    def api_token_id(self, token: str) -> int | None:
        """The id of a token (revoked or not), or None."""
        row = self.conn.execute("SELECT id FROM api_tokens WHERE token_hash = ?",
                                (hash_token(token),)).fetchone()
        return row[0] if row else None

    def token_holder(self, token: str) -> tuple[Agent | None, str | None]:
        """(the agent, the expiry) of a token not revoked; (None, None) for any other.
        Whether the agent is active and the token unexpired is `token_agent`'s to say."""
        row = self.conn.execute(
            "SELECT agent_id, expires_at FROM api_tokens WHERE token_hash = ?"
            " AND revoked_at IS NULL", (hash_token(token),)).fetchone()
        if row is None:
            return None, None
        return self.agent(row[0]), row[1]

    def token_agent(self, token: str, now: datetime | None = None) -> Agent | None:
        """The active agent of a live token (well formed, not revoked, not expired), or
        None: the one check every request and every event stream makes."""
        if not well_formed(token):
            return None
        agent, expires_at = self.token_holder(token)
        if agent is None or not agent.active:
            return None
        if expires_at is not None and expires_at <= to_db(now or utcnow()):
            return None
        return agent

    def api_tokens(self, agent_id: int | None = None) -> list[ApiToken]:
        """Every token (of one agent), oldest first, never the secret."""
        sql = ("SELECT k.id, k.agent_id, a.email, k.prefix, k.label, k.created_at,"
               " k.expires_at, k.revoked_at, k.last_used_at"
               " FROM api_tokens k JOIN agents a ON a.id = k.agent_id")
        params: tuple = ()
        if agent_id is not None:
            sql += " WHERE k.agent_id = ?"
            params = (agent_id,)
        return [
            ApiToken(id=r[0], agent_id=r[1], agent_email=r[2], prefix=r[3], label=r[4],
                     created_at=r[5], expires_at=r[6], revoked_at=r[7], last_used_at=r[8])
            for r in self.conn.execute(sql + " ORDER BY k.id", params)
        ]

    def revoke_api_token(self, token_id: int, now: str, agent_id: int | None = None) -> bool:
        """False when there is no such token (of that agent); revoking twice keeps the
        first time."""
        sql = "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?"
        params: list = [now, token_id]
        if agent_id is not None:
            sql += " AND agent_id = ?"
            params.append(agent_id)
        return self.conn.execute(sql, params).rowcount == 1

    def revoke_agent_tokens(self, agent_id: int, now: str) -> int:
        """Revoke every live token of an agent; how many."""
        return self.conn.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL",
            (now, agent_id)).rowcount
