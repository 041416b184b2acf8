"""The store of one server thread: `SqliteStore` keeping, between requests, what every
request reads (the teams, the agent behind a token, an agent's scope) while nothing
changed; and `ServerService`, the `Service` whose scope comes from there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskline import access
from deskline.access import Scope
from deskline.models import Agent
from deskline.server.writer import WriterQueue
from deskline.service import Service
from deskline.store.sqlite import SqliteStore


class ServerStore(SqliteStore):
    """The store of one server thread: SqliteStore, with what every request reads kept
    in its `DataVersionMemo` between requests — the teams (every scope needs them all, with
    members, followers and stages; reading them costs more than a board page), the agent
    behind a token and the scope of an agent.

    During a request (`begin_request` … `end_request`) data_version is looked at once, at
    the first kept read, not at every one. Callers get a new list of the same (unchanged)
    Team objects.
    """

    # The process's one queue of writers (`server/writer.py`), set by the `Api`.
    writers: WriterQueue | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction begun when the server's writers before it are done."""
        if self._depth or self.writers is None:
            with super().transaction():
                yield
            return
        with self.writers, super().transaction():
            yield

    def begin_request(self) -> None:
        self.memo.begin_request()

    def end_request(self) -> None:
        self.memo.end_request()

    def scope_of(self, actor: Agent) -> Scope:
        """`access.scope_for` the actor and every team."""
        key = ("scope", actor.id, actor.role, actor.customer_id)
        return self.memo.get(key, lambda: access.scope_for(actor, self.teams()))

    def token_holder(self, token: str) -> tuple[Agent | None, str | None]:
        """Kept for known tokens (unknown ones are not: a guesser must not fill the memo);
        `token_agent` decides on every call whether the token is live."""
        read = super().token_holder
        found = self.memo.get(("token", token), lambda: _known(read(token)))
        return found or (None, None)


def _known(found: tuple[Agent | None, str | None]) -> tuple[Agent, str | None] | None:
    agent, expires_at = found
    return (agent, expires_at) if agent is not None else None


class ServerService(Service):
    """`Service` on a `ServerStore`: the actor's scope is kept with the teams it comes
    from rather than worked out again on every call."""

    store: ServerStore

    def scope(self) -> Scope:
        return self.store.scope_of(self.actor)
