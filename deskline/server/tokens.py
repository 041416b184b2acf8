"""API tokens: created and revoked by the CLI (or the token endpoint), stored hashed.

A token is `dl_` and 43 random URL-safe characters; only its SHA-256 is kept (the token
carries 256 bits of randomness, so a slow hash would add nothing), with its first
characters to recognise it in a list.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import datetime, timedelta

from deskline.clock import to_db, utcnow
from deskline.errors import NotFound
from deskline.models import ApiToken
from deskline.store import administration

PREFIX = "dl_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(conn: sqlite3.Connection, agent_id: int, *, label: str = "",
                 expires_days: int | None = None,
                 now: datetime | None = None) -> tuple[int, str, datetime | None]:
    """(id, the token, expiry). The token is returned once and never stored."""
    now = now or utcnow()
    token = PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(days=expires_days) if expires_days else None
    tid = conn.execute(
        "INSERT INTO api_tokens (agent_id, token_hash, prefix, label, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (agent_id, hash_token(token), token[:10], label, to_db(now),
         to_db(expires) if expires else None)).lastrowid
    return tid, token, expires


def revoke_token(conn: sqlite3.Connection, token_id: int, *, agent_id: int | None = None,
                 now: datetime | None = None) -> None:
    if not administration.revoke_token(conn, token_id, to_db(now or utcnow()), agent_id):
        raise NotFound(f"token {token_id} does not exist")


def revoke_agent_tokens(conn: sqlite3.Connection, agent_id: int,
                        now: datetime | None = None) -> int:
    return administration.revoke_agent_tokens(conn, agent_id, to_db(now or utcnow()))


def find_token_id(conn: sqlite3.Connection, token: str) -> int | None:
    row = conn.execute("SELECT id FROM api_tokens WHERE token_hash = ?",
                       (hash_token(token),)).fetchone()
    return row[0] if row else None


def list_tokens(conn: sqlite3.Connection) -> list[ApiToken]:
    return administration.list_tokens(conn)


def authenticate(conn: sqlite3.Connection, token: str, now: datetime | None = None) -> int | None:
    """The agent id a live token belongs to, or None (unknown, revoked, expired, inactive)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = conn.execute(
        "SELECT k.agent_id, k.expires_at, k.revoked_at, a.active FROM api_tokens k"
        " JOIN agents a ON a.id = k.agent_id WHERE k.token_hash = ?",
        (hash_token(token),)).fetchone()
    if row is None:
        return None
    agent_id, expires_at, revoked_at, active = row
    if revoked_at is not None or not active:
        return None
    if expires_at is not None and expires_at <= to_db(now or utcnow()):
        return None
    return agent_id
