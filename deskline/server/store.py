"""The store of one server thread: `SqliteStore` keeping, between requests, what every
request reads (the teams, the agent behind a token, an agent's scope) while nothing
changed; and `ServerService`, the `Service` whose scope comes from there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db, utcnow
from deskline.models import Agent, Team
from deskline.server import tokens
from deskline.service import Service
from deskline.store.sqlite import SqliteStore


class ServerStore(SqliteStore):
    """The store of one server thread: SqliteStore, with what every request reads kept
    between requests — the teams (every scope needs them all, with members, followers and
    stages; reading them costs more than a board page), the agent behind a token and the
    scope of an agent.

    Kept only while `PRAGMA data_version` says no other connection committed and this one
    wrote nothing (any transaction here drops them); inside a transaction everything is
    read afresh. During a request (`begin_request` … `end_request`) data_version is looked
    at once, at the first kept read, not at every one. Callers get a new list of the same
    (unchanged) Team objects.
    """

    _memo: dict | None = None
    _memo_version = -1
    _in_request = False
    _checked = False  # data_version looked at during this request

    def begin_request(self) -> None:
        self._in_request, self._checked = True, False

    def end_request(self) -> None:
        self._in_request = self._checked = False

    def _kept(self) -> dict | None:
        if self._depth:
            return None
        if self._checked and self._memo is not None:
            return self._memo
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._memo is None or version != self._memo_version:
            self._memo, self._memo_version = {}, version
        self._checked = self._in_request
        return self._memo

    def teams(self) -> list[Team]:
        memo = self._kept()
        if memo is None:
            return super().teams()
        if "teams" not in memo:
            memo["teams"] = super().teams()
        return list(memo["teams"])

    def scope_of(self, actor: Agent) -> Scope:
        """`access.scope_for` the actor and every team."""
        memo = self._kept()
        if memo is None:
            return access.scope_for(actor, self.teams())
        key = ("scope", actor.id, actor.role, actor.customer_id)
        scope = memo.get(key)
        if scope is None:
            scope = memo[key] = access.scope_for(actor, self.teams())
        return scope

    def token_agent(self, token: str) -> Agent | None:
        """The active agent of a live token (not revoked, not expired), or None."""
        memo = self._kept()
        key = ("token", token)
        found = memo.get(key) if memo is not None else None
        if found is None:
            row = self.conn.execute(
                "SELECT agent_id, expires_at FROM api_tokens WHERE token_hash = ?"
                " AND revoked_at IS NULL", (tokens.hash_token(token),)).fetchone()
            agent = self.agent(row[0]) if row else None
            found = (agent, row[1] if row else None)
            if memo is not None and agent is not None:  # unknown tokens are not kept
                memo[key] = found
        agent, expires_at = found
        if agent is None or not agent.active:
            return None
        if expires_at is not None and expires_at <= to_db(utcnow()):
            return None
        return agent

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._memo = None
        try:
            with super().transaction():
                yield
        finally:
            self._memo = None


class ServerService(Service):
    """`Service` on a `ServerStore`: the actor's scope is kept with the teams it comes
    from rather than worked out again on every call."""

    store: ServerStore

    def scope(self) -> Scope:
        return self.store.scope_of(self.actor)
