"""The one request path (`Api.run`): the bearer token names an agent, a `Service` is made
for that agent on this thread's SQLite connection, and the route's use case runs there, so
the service's `Scope` narrows every read and write. Nothing here decides who may see what;
an invisible record is the service's `NotFound`, a 404 like a missing one.

Also here: the state the routes share (settings, per-thread stores, throttles, presence,
the event broker), ETag / If-Match from the ticket version (412 stale, 428 missing) and
the JSON encoding of answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

from deskline.errors import ConflictError, NotFound
from deskline.models import (
    Agent,
    AttachmentFile,
    AttachmentInfo,
    MailTemplate,
    SlaPolicy,
    Stage,
    Team,
    Ticket,
    build_input_schemas,
)
from deskline.server import idempotency
from deskline.server.access_log import AGENT_KEY
from deskline.server.events import EventBroker
from deskline.server.limits import Window
from deskline.server.presence import PresenceBoard
from deskline.server.problems import (
    ERROR_RESPONSES,
    PreconditionFailed,
    PreconditionRequired,
    TooMany,
    Unauthorized,
)
from deskline.server.schemas import ATTACHMENT_HEADER
from deskline.server.settings import API, Settings
from deskline.server.store import PgServerStore, ServerService, ServerStore, open_server_store
from deskline.server.writer import WriterQueue
from deskline.service import Service
from deskline.store.opening import is_url
from deskline.text import media_type

build_input_schemas()  # before any route module declares a body (see the function)

_adapters: dict[Any, TypeAdapter] = {}


def to_json(value: Any) -> bytes:
    if isinstance(value, BaseModel):  # bytes straight from pydantic-core, not str first
        return value.__pydantic_serializer__.to_json(value)
    if isinstance(value, list):
        if not value:
            return b"[]"
        kind = type(value[0])
        if not issubclass(kind, BaseModel):
            return json.dumps(value, ensure_ascii=False).encode()
        adapter = _adapters.get(kind)
        if adapter is None:
            # the list type of a model class known only at run time
            adapter = _adapters[kind] = TypeAdapter(list[kind])  # type: ignore[valid-type]
        return adapter.dump_json(value)
    return json.dumps(value, ensure_ascii=False).encode()


def parse_if_match(value: str | None, what: str = "ticket") -> int:
    if value is None:
        raise PreconditionRequired(
            f"this write changes a {what}: send If-Match with the ETag (version) you saw",
            field="If-Match")
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise PreconditionRequired(f"If-Match must be the {what}'s ETag, like \"3\"",
                                   field="If-Match")
    return int(text)


def etag(version: int) -> str:
    return f'"{version}"'


# Answers that carry a version, and so an ETag: tickets and the configuration that is
# edited with If-Match (teams, stages, SLA policies, mail templates).
VERSIONED = (Ticket, Team, Stage, SlaPolicy, MailTemplate)


class Api:
    """State shared by the routes: settings, per-thread stores, throttles, presence, events."""

    def __init__(self, db: str | Path, settings: Settings) -> None:
        self.db = str(db)
        self.settings = settings
        self._local = threading.local()
        self._shared: PgServerStore | None = None  # PostgreSQL: one store, its pool shared
        self.postgres = is_url(self.db)
        self.writers = WriterQueue()
        self._write_turns: anyio.CapacityLimiter | None = None
        self.failures = Window("login", settings.auth_failures, settings.auth_window)
        self.token_creations = Window("token", settings.token_creations, 60.0)
        self.presence = PresenceBoard(settings.presence_ttl)
        self.broker = EventBroker(self.store, self.presence, settings,
                                  [self.failures, self.token_creations])

    def store(self) -> ServerStore | PgServerStore:
        """This thread's store on SQLite (a connection is one thread's), the process's
        one on PostgreSQL (its pool gives each transaction a connection)."""
        if self._shared is not None:
            return self._shared
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_server_store(self.db, self.settings.pool)
            if isinstance(store, PgServerStore):
                self._shared = store
                return store
            store.writers = self.writers
            self._local.store = store
        return store

    def close(self) -> None:
        """Let go of every thread's store. A store is closed where it is no longer in use:
        at shutdown a worker thread may still be inside a query for a stream or a request
        being cut short, and closing its connection from here, under that query, crashes
        SQLite. Dropping the references instead closes each connection when its last user
        lets go (the thread-local values go with the old `threading.local`). A PostgreSQL
        pool is closed: its connections are the server's, not the database file's."""
        self._local = threading.local()
        shared, self._shared = self._shared, None
        if shared is not None:
            shared.close()

    def write_turns(self) -> anyio.CapacityLimiter:
        """Writes take a worker thread one at a time, in order, and wait on the event loop
        rather than each in a thread of its own: twenty waiting threads would fight the
        running one for the GIL. (Made on first use: it belongs to the running loop.)"""
        if self._write_turns is None:
            self._write_turns = anyio.CapacityLimiter(1)
        return self._write_turns

    # authentication --------------------------------------------------------------------

    @staticmethod
    def bearer(request: Request) -> str | None:
        value = request.headers.get("authorization")
        if not value:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    @staticmethod
    def client(request: Request) -> str:
        return request.client.host if request.client else "?"

    def agent_for(self, store: ServerStore | PgServerStore, token: str | None,
                  client: str) -> Agent:
        """The agent of a live token, on this thread's connection.

        Only failures are throttled, per client address: a valid token is never refused,
        so one stale script behind a shared address (every console through an SSH tunnel
        arrives as 127.0.0.1) cannot lock the team out. Guessing a 256-bit token is
        hopeless anyway; the throttle bounds the work wrong tokens cause."""
        agent = store.token_agent(token) if token is not None else None
        if agent is None:
            wait = self.failures.blocked(store, client)
            if wait:
                exc = TooMany("too many failed logins from this address; wait and try again")
                exc.headers = {"Retry-After": str(int(wait) + 1)}
                raise exc
            if token:
                self.failures.hit(store, client)
            raise Unauthorized("a valid bearer token is required (Authorization: Bearer …)")
        return agent

    # running a use case ------------------------------------------------------------------

    async def run(self, request: Request, fn: Callable[[Service], Any], *,
                  status: int = 200, version_of: tuple[int, int] | None = None,
                  inline: bool = False) -> Response:
        """Authenticate, run `fn(service)` on a worker thread, answer JSON.

        `version_of`: (ticket id, version the caller saw) of a version-checked write; a
        conflict because that version is stale is a 412.
        Writes (not GET) honour Idempotency-Key and wake the event stream. `inline`: a
        read bounded by an index and a page size (a board page, a ticket) runs on the event
        loop itself on SQLite — a hop to a worker thread costs more than such a read —
        everything else on a worker thread, so a long count or search never stalls the
        loop. On PostgreSQL every read goes to a worker thread: each of its statements is a
        round trip to another process, which on the loop would hold up every other
        request (one process served 70 mixed requests/s inline, 190 on threads).
        """
        token = self.bearer(request)
        client = self.client(request)
        write = request.method not in ("GET", "HEAD")
        key = request.headers.get("idempotency-key") if write else None
        idempotency.check_key(key)
        fingerprint = None
        if key is not None:
            fingerprint = idempotency.fingerprint(request.method, request.url.path,
                                                  await request.body())

        def work() -> idempotency.Answer:
            store = self.store()
            store.begin_request()
            try:
                agent = self.agent_for(store, token, client)
                request.scope[AGENT_KEY] = agent.id  # for the access log
                service = ServerService(store, agent)
                if key is None:
                    return self._answer(service, fn, status, version_of)
                assert fingerprint is not None  # taken with the key
                return idempotency.once(store, agent.id, key, fingerprint,
                                        lambda: self._answer(service, fn, status, version_of))
            finally:
                store.end_request()

        if inline and not write and not self.postgres:
            code, body, headers = work()
        else:
            code, body, headers = await anyio.to_thread.run_sync(
                work, limiter=self.write_turns() if write else None)
        if write:
            self.broker.poke()
        if code == 204:
            return Response(status_code=204, headers=headers)
        media_type = headers.pop("Content-Type", "application/json")
        return Response(body, status_code=code, media_type=media_type, headers=headers)

    async def versioned(self, request: Request, ticket_id: int, if_match: str | None,
                        fn: Callable[[Service, int], Any]) -> Response:
        """A write that changes a ticket's fields: `fn(service, version)` with the version
        If-Match names (428 without one, 412 when stale)."""
        version = parse_if_match(if_match)
        return await self.run(request, lambda s: fn(s, version),
                              version_of=(ticket_id, version))

    async def config_versioned(self, request: Request, if_match: str | None, what: str,
                               fn: Callable[[Service, int], Any]) -> Response:
        """An edit of configuration that carries a version (a team, a stage, an SLA
        policy, a mail template): `fn(service, version)` with the version If-Match names
        (428 without one; the service's stale-version conflict carries the current
        version, which makes it a 412)."""
        version = parse_if_match(if_match, what)
        return await self.run(request, lambda s: fn(s, version))

    def _answer(self, service: Service, fn: Callable[[Service], Any], status: int,
                version_of: tuple[int, int] | None) -> idempotency.Answer:
        try:
            result = fn(service)
        except ConflictError as exc:
            # A stale version is a 412; any other clash (a duplicate, a merged ticket) a 409.
            current = exc.current_version
            if current is None and version_of is not None:
                try:
                    current = service.get_ticket(version_of[0]).version
                except NotFound:
                    raise exc from None
                if current == version_of[1]:
                    raise  # the version was right: the clash is something else
            if current is None:
                raise
            stale = PreconditionFailed(exc.message, field=exc.field)
            stale.current_version = current
            raise stale from None
        headers = {}
        if isinstance(result, VERSIONED):
            headers["ETag"] = etag(result.version)
        if result is None:
            return 204, b"", headers
        if isinstance(result, AttachmentFile):  # the file itself, its facts in a header
            return status, result.content, file_headers(result.info)
        return status, to_json(result), headers

    async def authenticated(self, request: Request) -> Agent:
        token, client = self.bearer(request), self.client(request)
        agent = await anyio.to_thread.run_sync(lambda: self.agent_for(self.store(), token,
                                                                      client))
        request.scope[AGENT_KEY] = agent.id  # for the access log (event streams)
        return agent


def file_headers(info: AttachmentInfo) -> dict[str, str]:
    """A mail's file as a download: never rendered by a browser (nosniff, attachment),
    its type only when it is a plain media type, its facts as ASCII JSON for clients."""
    kind = media_type(info.content_type)
    if kind.startswith(("text/html", "application/xhtml")):
        kind = "application/octet-stream"
    return {"Content-Type": kind, "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "attachment; filename*=UTF-8''"
                                   + quote(info.filename, safe=""),
            ATTACHMENT_HEADER: json.dumps(info.model_dump(), ensure_ascii=True)}


def router() -> APIRouter:
    """A router under /api/v1 whose routes document the problems every route may answer.
    The bearer scheme is declared in the OpenAPI document (see `app.create_app`) rather
    than as a dependency: `Api.run` reads the header itself, once."""
    return APIRouter(prefix=API, responses=ERROR_RESPONSES)
