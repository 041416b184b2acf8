"""The store of the server: `ServerStore` (SQLite, one per thread) keeping, between
requests, what every request reads (the teams, the agent behind a token, an agent's scope)
while nothing changed; `PgServerStore` (PostgreSQL, one for the process, over its pool)
keeping them while the directory's version is unchanged; and `ServerService`, the
`Service` whose scope comes from there. `open_server_store` opens the one a database calls for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deskline import access
from deskline.access import Scope
from deskline.models import Agent
from deskline.server.writer import WriterQueue
from deskline.service import Service
from deskline.store.directory import DirectoryQueries
from deskline.store.opening import open_store
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from deskline.store.tokens import TokenQueries

POOL_SIZE = 16  # PostgreSQL connections of one server (threads share them)
MIN_POOL = 4  # ... and at least of each of its processes


def pool_size(workers: int) -> int:
    """PostgreSQL connections of each of a server's `workers` processes: the server's
    POOL_SIZE shared between them, not each its own. The machine's cores do not grow with
    its processes, and statements beyond them only queue for a core in PostgreSQL — where
    the writer holding the write lock waits too (measured: bench/postgres.py --workers)."""
    return max(MIN_POOL, POOL_SIZE // workers)


class RequestReads(DirectoryQueries, TokenQueries):
    """What every request reads, through the store's memo: kept between requests while
    the database is unchanged on SQLite (`DataVersionMemo`), while the directory is on
    PostgreSQL (`postgres/memo.py`'s `VersionMemo`).

    During a request (`begin_request` … `end_request`) the version is looked at once, at
    the first kept read, not at every one. Callers get a new list of the same (unchanged)
    Team objects.
    """

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


class ServerStore(RequestReads, SqliteStore):
    """The store of one server thread: the teams (every scope needs them all, with
    members, followers and stages; reading them costs more than a board page), the agent
    behind a token and the scope of an agent kept while `PRAGMA data_version` is
    unchanged."""

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


class PgServerStore(RequestReads, PgStore):
    """The store of a server process on PostgreSQL, shared by its threads (each takes a
    pooled connection per transaction, and keeps reads of its own: `VersionMemo`). No
    writer queue: a transaction's first lock (`PgStore.transaction`) already lines
    writers up, across processes too."""


def open_server_store(db: str | Path, pool: int | None = None) -> ServerStore | PgServerStore:
    """A store for the server on `db` (a file, or a `postgresql://` URL: `pool`
    connections at most, else POOL_SIZE), migrated."""
    store = open_store(db, create=False, durable=True, pool_size=pool or POOL_SIZE,
                       kinds=(ServerStore, PgServerStore))
    assert isinstance(store, ServerStore | PgServerStore)
    return store


def _known(found: tuple[Agent | None, str | None]) -> tuple[Agent, str | None] | None:
    agent, expires_at = found
    return (agent, expires_at) if agent is not None else None


class ServerService(Service):
    """`Service` on a server's store: the actor's scope is kept with the teams it comes
    from rather than worked out again on every call."""

    store: ServerStore | PgServerStore

    def scope(self) -> Scope:
        return self.store.scope_of(self.actor)
