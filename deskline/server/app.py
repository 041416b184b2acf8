"""The FastAPI application: every Backend method over /api/v1, through the service.

One path for every request (`Api.run`): the bearer token names an agent, a `Service` is
made for that agent on this thread's SQLite connection, and the route's use case runs
there, so the service's `Scope` narrows every read and write. Nothing here decides who may
see what; an invisible record is the service's `NotFound`, a 404 like a missing one.

Also here: ETag / If-Match from the ticket version (412 stale, 428 missing), Idempotency-Key
on writes (the stored answer is written in the write's own transaction), RFC 9457 problem
answers, a bound on request bodies, throttling of failed logins and of the token endpoint,
presence and the Server-Sent Events stream.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from deskline import access
from deskline.clock import to_db, utcnow
from deskline.errors import ConflictError, DesklineError, NotFound, ValidationFailed
from deskline.models import (
    Agent,
    BoardColumn,
    BoardFilter,
    Customer,
    CustomerCreate,
    CustomerUpdate,
    InviteResult,
    MergePreview,
    MergeRequest,
    Message,
    Organization,
    Page,
    Project,
    RatingCreate,
    Report,
    ReportFilter,
    SearchHit,
    SplitRequest,
    Stage,
    Team,
    TeamFigures,
    Ticket,
    TicketCard,
    TicketCreate,
    TicketUpdate,
)
from deskline.server import tokens
from deskline.server.events import EventBroker
from deskline.server.schemas import (
    ArchiveBody,
    AssignBody,
    FollowBody,
    MessageBody,
    MoveBody,
    Presence,
    PresenceBody,
    PresenceState,
    TokenCreate,
    TokenCreated,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore

log = logging.getLogger("deskline.server")

PROBLEM = "application/problem#json".replace("#", "+")
API = "/api/v1"


@dataclass
class Settings:
    max_body: int = 1 << 20  # bytes of a request body
    auth_failures: int = 20  # failed logins per client address per window, then 429
    auth_window: float = 60.0
    token_creations: int = 5  # new tokens per agent per window
    presence_ttl: float = 30.0  # seconds a presence lasts without a heartbeat
    event_poll: float = 0.05  # seconds between looks at the change log
    keepalive: float = 15.0  # seconds between SSE comments on a quiet stream
    idempotency_hours: float = 24.0


class Unauthorized(DesklineError):
    status = 401
    title = "Unauthorized"


class TooMany(DesklineError):
    status = 429
    title = "Too many requests"


class PreconditionFailed(DesklineError):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(DesklineError):
    status = 428
    title = "Precondition required"


class PayloadTooLarge(DesklineError):
    status = 413
    title = "Payload too large"


# --- problem answers -------------------------------------------------------------------


def problem(status: int, title: str, detail: str, *, field: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if field:
        body["field"] = field
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(json.dumps(body, ensure_ascii=False), status_code=status,
                    media_type=PROBLEM, headers=headers)


def _field_of(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or (str(loc[0]) if loc else "body")


def _validation_problem(errors: list[dict]) -> Response:
    items = [{"field": _field_of(e.get("loc", ())),
              "message": str(e.get("msg", "invalid")).removeprefix("Value error, ")}
             for e in errors]
    first = items[0] if items else {"field": "body", "message": "invalid"}
    return problem(422, "Invalid input", f"{first['field']}: {first['message']}",
                   field=first["field"], errors=items)


def error_response(exc: Exception, log_internal: bool = True) -> Response:
    """The problem answer for any exception a request raised; never a traceback.
    (`log_internal` False where the server logs unexpected errors itself.)"""
    if isinstance(exc, DesklineError):
        headers = getattr(exc, "headers", None)
        extra = {}
        if isinstance(exc, ConflictError | PreconditionFailed):
            extra["current_version"] = getattr(exc, "current_version", None)
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(exc.status, exc.title, exc.message, field=exc.field, headers=headers,
                       **extra)
    if isinstance(exc, RequestValidationError):
        return _validation_problem(list(exc.errors()))
    if isinstance(exc, ValidationError):
        return _validation_problem(exc.errors())
    if isinstance(exc, StarletteHTTPException):
        titles = {404: "Not found", 405: "Method not allowed"}
        detail = "no such resource" if exc.status_code == 404 else str(exc.detail)
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), detail,
                       headers=getattr(exc, "headers", None))
    if isinstance(exc, OverflowError):  # an id beyond 64 bits names nothing
        return problem(422, "Invalid input", "a number in the request is out of range")
    if isinstance(exc, sqlite3.OperationalError):
        log.warning("database busy: %s", exc)
        return problem(503, "Service unavailable", "the database is busy; try again",
                       headers={"Retry-After": "1"})
    if log_internal:
        log.error("internal error", exc_info=exc)
    return problem(500, "Internal error", "the server failed to answer; it was logged")


def _install_error_handlers(app: FastAPI) -> None:
    async def handler(_request: Request, exc: Exception) -> Response:
        return error_response(exc)

    async def internal(_request: Request, exc: Exception) -> Response:
        return error_response(exc, log_internal=False)  # uvicorn logs what reaches it

    for kind in (DesklineError, RequestValidationError, ValidationError,
                 StarletteHTTPException, sqlite3.OperationalError, OverflowError):
        app.add_exception_handler(kind, handler)
    app.add_exception_handler(Exception, internal)


# --- a bound on request bodies (pure ASGI: no per-request cost for GETs) -----------------


class BodyLimit:
    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_body
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(send)
                    return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body:
                await self._refuse(send)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Callable) -> None:
        response = problem(413, "Payload too large",
                           f"the request body is larger than {self.max_body} bytes",
                           field="body")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM.encode()),
                                (b"content-length", str(len(response.body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": response.body})


# --- throttling ----------------------------------------------------------------------


class Window:
    """At most `limit` events per key in a sliding window of `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[Any, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: Any, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def blocked(self, key: Any) -> float:
        """Seconds to wait, 0 when not blocked."""
        now = time.monotonic()
        with self._lock:
            hits = self._trim(key, now)
            if len(hits) >= self.limit:
                return max(hits[0] + self.seconds - now, 0.1)
            if not hits:
                self._hits.pop(key, None)
            return 0.0

    def hit(self, key: Any) -> None:
        now = time.monotonic()
        with self._lock:
            self._trim(key, now).append(now)


# --- presence ------------------------------------------------------------------------


class PresenceBoard:
    """Who has which ticket open, in memory; an entry lapses without a heartbeat."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._by_ticket: dict[int, dict[int, tuple[Presence, float]]] = {}
        self._lock = threading.Lock()

    def set(self, ticket_id: int, agent: Agent, state: PresenceState) -> bool:
        """Record a heartbeat; True when what others see changed."""
        now = time.monotonic()
        with self._lock:
            entries = self._by_ticket.setdefault(ticket_id, {})
            old = entries.get(agent.id)
            if state is PresenceState.gone:
                entries.pop(agent.id, None)
                if not entries:
                    self._by_ticket.pop(ticket_id, None)
                return old is not None
            if old is not None and old[0].state is state:
                entries[agent.id] = (old[0], now + self.ttl)
                return False
            entries[agent.id] = (Presence(agent_id=agent.id, agent_name=agent.name, state=state,
                                          since=utcnow()), now + self.ttl)
            return True

    def get(self, ticket_id: int) -> list[Presence]:
        now = time.monotonic()
        with self._lock:
            entries = self._by_ticket.get(ticket_id, {})
            return [p for p, until in entries.values() if until > now]

    def expire(self) -> list[int]:
        """Drop lapsed entries; the tickets whose presence changed."""
        now = time.monotonic()
        changed = []
        with self._lock:
            for tid, entries in list(self._by_ticket.items()):
                lapsed = [aid for aid, (_p, until) in entries.items() if until <= now]
                for aid in lapsed:
                    del entries[aid]
                if lapsed:
                    changed.append(tid)
                if not entries:
                    del self._by_ticket[tid]
        return changed


# --- the one request path ------------------------------------------------------------

_adapters: dict[Any, TypeAdapter] = {}


def to_json(value: Any) -> bytes:
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode()
    if isinstance(value, list):
        if not value:
            return b"[]"
        kind = type(value[0])
        if not issubclass(kind, BaseModel):
            return json.dumps(value, ensure_ascii=False).encode()
        adapter = _adapters.get(kind)
        if adapter is None:
            adapter = _adapters[kind] = TypeAdapter(list[kind])
        return adapter.dump_json(value)
    return json.dumps(value, ensure_ascii=False).encode()


def parse_if_match(value: str | None) -> int:
    if value is None:
        raise PreconditionRequired(
            "this write changes a ticket: send If-Match with the ETag (version) you saw",
            field="If-Match")
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise PreconditionRequired("If-Match must be the ticket's ETag, like \"3\"",
                                   field="If-Match")
    return int(text)


def etag(version: int) -> str:
    return f'"{version}"'


class ServerStore(SqliteStore):
    """The store of one server thread: SqliteStore, with what every request reads kept
    between requests — the teams (every scope needs them all, with members, followers and
    stages; reading them costs more than a board page) and the agent behind a token.

    Kept only while `PRAGMA data_version` says no other connection committed and this one
    wrote nothing (any transaction here drops them); inside a transaction everything is
    read afresh. Callers get a new list of the same (unchanged) Team objects.
    """

    _memo: dict | None = None
    _memo_version = -1

    def _kept(self) -> dict | None:
        if self._depth:
            return None
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._memo is None or version != self._memo_version:
            self._memo, self._memo_version = {}, version
        return self._memo

    def teams(self) -> list[Team]:
        memo = self._kept()
        if memo is None:
            return super().teams()
        if "teams" not in memo:
            memo["teams"] = super().teams()
        return list(memo["teams"])

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


class Api:
    """State shared by the routes: settings, per-thread stores, throttles, presence, events."""

    def __init__(self, db: str | Path, settings: Settings) -> None:
        self.db = str(db)
        self.settings = settings
        self._local = threading.local()
        self._stores: list[ServerStore] = []
        self._stores_lock = threading.Lock()
        self.failures = Window(settings.auth_failures, settings.auth_window)
        self.token_creations = Window(settings.token_creations, 60.0)
        self.presence = PresenceBoard(settings.presence_ttl)
        self.broker = EventBroker(self, settings)

    def store(self) -> ServerStore:
        store = getattr(self._local, "store", None)
        if store is None:
            store = ServerStore.open(self.db, create=False)
            self._local.store = store
            with self._stores_lock:
                self._stores.append(store)
        return store

    def close(self) -> None:
        with self._stores_lock:
            for store in self._stores:
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - closing at shutdown, nothing to report
                    pass
            self._stores.clear()

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

    def check_throttle(self, request: Request) -> None:
        wait = self.failures.blocked(self.client(request))
        if wait:
            exc = TooMany("too many failed logins from this address; wait and try again")
            exc.headers = {"Retry-After": str(int(wait) + 1)}  # type: ignore[attr-defined]
            raise exc

    def agent_for(self, store: ServerStore, token: str | None, client: str) -> Agent:
        """The agent of a live token, on this thread's connection."""
        ok = token is not None and token.startswith(tokens.PREFIX) and len(token) <= 200
        agent = store.token_agent(token) if ok else None  # type: ignore[attr-defined]
        if agent is None:
            if token:
                self.failures.hit(client)
            raise Unauthorized("a valid bearer token is required (Authorization: Bearer …)")
        return agent

    # running a use case ------------------------------------------------------------------

    async def run(self, request: Request, fn: Callable[[Service], Any], *,
                  status: int = 200, version_of: tuple[int, int] | None = None,
                  after: Callable[[Service, Any], None] | None = None,
                  inline: bool = False) -> Response:
        """Authenticate, run `fn(service)` on a worker thread, answer JSON.

        `version_of`: (ticket id, version the caller saw) of a version-checked write; a
        conflict because that version is stale is a 412.
        Writes (not GET) honour Idempotency-Key and wake the event stream. `inline`: a
        read bounded by an index and a page size (a board page, a ticket) runs on the event
        loop itself — a hop to a worker thread costs more than such a read — everything
        else on a worker thread, so a long count or search never stalls the loop.
        """
        self.check_throttle(request)
        token = self.bearer(request)
        client = self.client(request)
        write = request.method not in ("GET", "HEAD")
        key = request.headers.get("idempotency-key") if write else None
        if key is not None and not (0 < len(key) <= 200):
            raise DesklineError("Idempotency-Key must be 1 to 200 characters",
                                field="Idempotency-Key")
        fingerprint = None
        if key is not None:
            body = await request.body()
            fingerprint = hashlib.sha256(
                request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
            ).hexdigest()

        def work() -> tuple[int, bytes, dict[str, str]]:
            store = self.store()
            agent = self.agent_for(store, token, client)
            service = Service(store, agent)
            if key is None:
                return self._answer(service, fn, status, version_of, after)
            with store.transaction():
                row = store.conn.execute(
                    "SELECT fingerprint, status, body, headers FROM idempotency_keys"
                    " WHERE agent_id = ? AND key = ?", (agent.id, key)).fetchone()
                if row is not None:
                    if row[0] != fingerprint:
                        raise DesklineError(
                            "this Idempotency-Key was used for a different request",
                            field="Idempotency-Key")
                    headers = json.loads(row[3]) | {"Idempotent-Replayed": "true"}
                    return row[1], row[2], headers
                answer = self._answer(service, fn, status, version_of, after)
                store.conn.execute(
                    "INSERT INTO idempotency_keys (agent_id, key, fingerprint, status, body,"
                    " headers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (agent.id, key, fingerprint, answer[0], answer[1], json.dumps(answer[2]),
                     to_db(utcnow())))
                return answer

        if inline and not write:
            code, body, headers = work()
        else:
            code, body, headers = await anyio.to_thread.run_sync(work)
        if write:
            self.broker.poke()
        if code == 204:
            return Response(status_code=204, headers=headers)
        return Response(body, status_code=code, media_type="application/json", headers=headers)

    def _answer(self, service: Service, fn: Callable[[Service], Any], status: int,
                version_of: tuple[int, int] | None,
                after: Callable[[Service, Any], None] | None) -> tuple[int, bytes, dict]:
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
            stale.current_version = current  # type: ignore[attr-defined]
            raise stale from None
        if after is not None:
            after(service, result)
        headers = {}
        if isinstance(result, Ticket):
            headers["ETag"] = etag(result.version)
        if result is None:
            return 204, b"", headers
        return status, to_json(result), headers

    async def authenticated(self, request: Request) -> Agent:
        self.check_throttle(request)
        token, client = self.bearer(request), self.client(request)
        return await anyio.to_thread.run_sync(lambda: self.agent_for(self.store(), token,
                                                                     client))


# --- routes --------------------------------------------------------------------------


_FILTER_PARAMS = {"text": "string", "mine": "boolean", "unassigned": "boolean",
                  "tag": "string", "priority": "integer", "project_id": "integer"}


def _board_filter(request: Request) -> BoardFilter | None:
    """The board filter from the query string. Parsed here rather than by FastAPI's
    parameter machinery, which costs more than the board query itself."""
    query = request.query_params
    values = {k: query[k] for k in _FILTER_PARAMS if k in query}
    return BoardFilter.model_validate(values) if values else None


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number", field=name) from None


def _query_doc(*extra: tuple[str, str]) -> dict:
    params = [*_FILTER_PARAMS.items(), *extra]
    return {"parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": t}} for n, t in params]}


# --- the hottest reads: shared by their FastAPI routes and by `FastReads` -------------------


async def read_me(api: Api, request: Request) -> Response:
    return await api.run(request, lambda s: s.me(), inline=True)


async def read_board_page(api: Api, request: Request, team_id: int, stage_id: int) -> Response:
    f = _board_filter(request)
    cursor = request.query_params.get("cursor")
    limit = _int_param(request, "limit", 50)
    return await api.run(request, lambda s: s.board_page(team_id, stage_id, f, cursor, limit),
                         inline=True)


async def read_ticket(api: Api, request: Request, ticket_id: int) -> Response:
    return await api.run(request, lambda s: s.get_ticket(ticket_id), inline=True)


async def read_messages(api: Api, request: Request, ticket_id: int) -> Response:
    cursor = request.query_params.get("cursor")
    limit = _int_param(request, "limit", 50)
    return await api.run(request, lambda s: s.ticket_messages(ticket_id, cursor, limit),
                         inline=True)


_ID = r"(\d{1,18})"
FAST_READS: list[tuple[re.Pattern, Callable]] = [
    (re.compile(f"{API}/teams/{_ID}/stages/{_ID}/tickets"), read_board_page),
    (re.compile(f"{API}/tickets/{_ID}"), read_ticket),
    (re.compile(f"{API}/tickets/{_ID}/messages"), read_messages),
    (re.compile(f"{API}/me"), read_me),
]


class FastReads:
    """GET of the reads every console makes all day (board pages, a ticket, its thread,
    /me), dispatched straight to the same handlers as their FastAPI routes, without
    FastAPI's routing and parameter machinery (which costs as much as the read itself).
    Same `Api.run` path, same answers; anything else goes on to FastAPI."""

    def __init__(self, app: Any, api: Api) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            for pattern, handler in FAST_READS:
                match = pattern.fullmatch(path)
                if match:
                    request = Request(scope, receive)
                    try:
                        response = await handler(self.api, request,
                                                 *(int(g) for g in match.groups()))
                    except Exception as exc:  # noqa: BLE001 - answered as a problem
                        response = error_response(exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def build_router(api: Api) -> APIRouter:
    errors = {code: {"description": title, "content": {PROBLEM: {}}} for code, title in (
        (401, "no valid token"), (404, "missing or invisible"), (422, "invalid input"))}
    # The bearer scheme is declared in the OpenAPI document (see `create_app`) rather than
    # as a dependency: `Api.run` reads the header itself, once.
    r = APIRouter(prefix=API, responses=errors)
    run = api.run

    @r.get("/me", response_model=Agent, tags=["people"])
    async def me(request: Request) -> Response:
        return await read_me(api, request)

    @r.get("/agents", response_model=list[Agent], tags=["people"])
    async def agents(request: Request) -> Response:
        return await run(request, lambda s: s.list_agents())

    @r.get("/teams", response_model=list[Team], tags=["teams"])
    async def teams(request: Request) -> Response:
        return await run(request, lambda s: s.list_teams())

    @r.get("/teams/{team_id}/board", response_model=list[BoardColumn], tags=["board"],
           openapi_extra=_query_doc())
    async def board_columns(request: Request, team_id: int) -> Response:
        f = _board_filter(request)
        return await run(request, lambda s: s.board_columns(team_id, f))

    @r.get("/teams/{team_id}/stages/{stage_id}/tickets", response_model=Page[TicketCard],
           tags=["board"], openapi_extra=_query_doc(("cursor", "string"), ("limit", "integer")))
    async def board_page(request: Request, team_id: int, stage_id: int) -> Response:
        return await read_board_page(api, request, team_id, stage_id)

    @r.get("/stages", response_model=list[Stage], tags=["teams"])
    async def stages(request: Request, team_id: int | None = None) -> Response:
        return await run(request, lambda s: s.list_stages(team_id))

    @r.get("/tags", response_model=list[str], tags=["teams"])
    async def tags(request: Request) -> Response:
        return await run(request, lambda s: s.list_tags())

    @r.get("/dashboard", response_model=list[TeamFigures], tags=["board"])
    async def dashboard(request: Request) -> Response:
        return await run(request, lambda s: s.dashboard())

    @r.get("/me/tickets", response_model=Page[TicketCard], tags=["board"])
    async def my_tickets(request: Request, cursor: str | None = None,
                         limit: int = 50) -> Response:
        return await run(request, lambda s: s.my_tickets(cursor, limit))

    @r.get("/search", response_model=list[SearchHit], tags=["board"])
    async def search(request: Request, q: str = Query("", max_length=500),
                     limit: int = 50) -> Response:
        return await run(request, lambda s: s.search(q, limit))

    @r.get("/tickets/by-number/{number}", response_model=Ticket, tags=["tickets"])
    async def ticket_by_number(request: Request, number: int) -> Response:
        return await run(request, lambda s: s.get_ticket_by_number(number), inline=True)

    @r.get("/tickets/{ticket_id}", response_model=Ticket, tags=["tickets"])
    async def ticket(request: Request, ticket_id: int) -> Response:
        return await read_ticket(api, request, ticket_id)

    @r.get("/tickets/{ticket_id}/messages", response_model=Page[Message], tags=["tickets"],
           openapi_extra={"parameters": [
               {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
               {"name": "limit", "in": "query", "required": False,
                "schema": {"type": "integer"}}]})
    async def messages(request: Request, ticket_id: int) -> Response:
        return await read_messages(api, request, ticket_id)

    @r.post("/tickets", response_model=Ticket, status_code=201, tags=["tickets"])
    async def create_ticket(request: Request, data: TicketCreate) -> Response:
        return await run(request, lambda s: s.create_ticket(data), status=201)

    @r.patch("/tickets/{ticket_id}", response_model=Ticket, tags=["tickets"])
    async def update_ticket(request: Request, ticket_id: int, data: TicketUpdate,
                            if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.update_ticket(ticket_id, version, data),
                         version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/move", response_model=Ticket, tags=["tickets"])
    async def move(request: Request, ticket_id: int, data: MoveBody,
                   if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.move_ticket(ticket_id, version, data.stage_id),
                         version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/assign", response_model=Ticket, tags=["tickets"])
    async def assign(request: Request, ticket_id: int, data: AssignBody,
                     if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.assign_ticket(ticket_id, version, data.agent_id),
                         version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/assign-to-me", response_model=Ticket, tags=["tickets"])
    async def assign_to_me(request: Request, ticket_id: int,
                           if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.assign_to_me(ticket_id, version),
                         version_of=(ticket_id, version))

    @r.put("/tickets/{ticket_id}/following", response_model=Ticket, tags=["tickets"])
    async def follow(request: Request, ticket_id: int, data: FollowBody) -> Response:
        return await run(request, lambda s: s.follow_ticket(ticket_id, data.following))

    @r.post("/tickets/{ticket_id}/archive", response_model=Ticket, tags=["tickets"])
    async def archive(request: Request, ticket_id: int, data: ArchiveBody,
                      if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.archive_ticket(ticket_id, version, data.archived),
                         version_of=(ticket_id, version))

    @r.delete("/tickets/{ticket_id}", status_code=204, tags=["tickets"])
    async def delete(request: Request, ticket_id: int,
                     if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.delete_ticket(ticket_id, version),
                         version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/messages", response_model=Message, status_code=201,
            tags=["tickets"])
    async def post_message(request: Request, ticket_id: int, data: MessageBody) -> Response:
        if data.kind == "reply":
            return await run(request, lambda s: s.reply(ticket_id, data.body), status=201)
        return await run(request, lambda s: s.comment(ticket_id, data.body), status=201)

    @r.get("/tickets/{ticket_id}/merge", response_model=MergePreview, tags=["merge"])
    async def merge_preview(request: Request, ticket_id: int,
                            with_: list[int] = Query([], alias="with")) -> Response:
        return await run(request, lambda s: s.merge_preview([ticket_id, *with_]))

    @r.post("/tickets/{ticket_id}/merge", response_model=Ticket, tags=["merge"])
    async def merge(request: Request, ticket_id: int, data: MergeRequest) -> Response:
        if data.target_id != ticket_id:
            raise DesklineError("target_id must be the ticket in the path", field="target_id")
        version = data.versions.get(ticket_id, -1)
        return await run(request, lambda s: s.merge(data), version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/split", response_model=Ticket, status_code=201,
            tags=["merge"])
    async def split(request: Request, ticket_id: int, data: SplitRequest) -> Response:
        return await run(request, lambda s: s.split(ticket_id, data), status=201,
                         version_of=(ticket_id, data.version))

    @r.get("/tickets/{ticket_id}/presence", response_model=list[Presence], tags=["presence"])
    async def presence(request: Request, ticket_id: int) -> Response:
        def look(s: Service) -> list[Presence]:
            s.get_ticket(ticket_id)  # 404 when invisible
            return [] if s.scope().portal else api.presence.get(ticket_id)

        return await run(request, look)

    @r.put("/tickets/{ticket_id}/presence", response_model=list[Presence], tags=["presence"])
    async def set_presence(request: Request, ticket_id: int, data: PresenceBody) -> Response:
        changed: list[Ticket] = []

        def mark(s: Service) -> list[Presence]:
            ticket = s.get_ticket(ticket_id)
            access.require_agent(s.scope(), "show presence")
            if api.presence.set(ticket_id, s.actor, data.state):
                changed.append(ticket)
            return api.presence.get(ticket_id)

        answer = await run(request, mark)
        for ticket in changed:
            api.broker.publish_presence(ticket.id, ticket.version)
        return answer

    @r.get("/customers", response_model=Page[Customer], tags=["people"])
    async def customers(request: Request, text: str | None = None,
                        organization_id: int | None = None, cursor: str | None = None,
                        limit: int = 50, project_id: int | None = None,
                        unassigned: bool = False) -> Response:
        return await run(request, lambda s: s.list_customers(
            text, organization_id, cursor, limit, project_id=project_id, unassigned=unassigned))

    @r.patch("/customers/{customer_id}", response_model=Customer, tags=["people"])
    async def update_customer(request: Request, customer_id: int,
                              data: CustomerUpdate) -> Response:
        return await run(request, lambda s: s.update_customer(customer_id, data))

    @r.post("/customers/invitations", response_model=InviteResult, status_code=201,
            tags=["people"])
    async def invite_customer(request: Request, data: CustomerCreate) -> Response:
        return await run(request, lambda s: s.invite_customer(data), status=201)

    @r.get("/customers/{customer_id}/tickets", response_model=Page[TicketCard],
           tags=["people"])
    async def customer_tickets(request: Request, customer_id: int, cursor: str | None = None,
                               limit: int = 50) -> Response:
        return await run(request, lambda s: s.customer_tickets(customer_id, cursor, limit))

    @r.get("/projects", response_model=list[Project], tags=["people"])
    async def projects(request: Request) -> Response:
        return await run(request, lambda s: s.list_projects())

    @r.post("/tickets/{ticket_id}/close", response_model=Ticket, tags=["tickets"])
    async def close_ticket(request: Request, ticket_id: int,
                           if_match: str | None = Header(None)) -> Response:
        version = parse_if_match(if_match)
        return await run(request, lambda s: s.close_my_ticket(ticket_id, version),
                         version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/rating", response_model=Ticket, tags=["tickets"])
    async def rate_ticket(request: Request, ticket_id: int, data: RatingCreate) -> Response:
        return await run(request, lambda s: s.rate_ticket(ticket_id, data))

    @r.get("/reports", response_model=Report, tags=["board"],
           openapi_extra={"parameters": [
               {"name": n, "in": "query", "required": False, "schema": {"type": t}}
               for n, t in (("team_id", "integer"), ("agent_id", "integer"),
                            ("since", "string"), ("until", "string"))]})
    async def report(request: Request) -> Response:
        query = request.query_params
        values = {k: query[k] for k in ("team_id", "agent_id", "since", "until") if k in query}
        f = ReportFilter.model_validate(values) if values else None
        return await run(request, lambda s: s.report(f))

    @r.get("/customers/{customer_id}", response_model=Customer, tags=["people"])
    async def customer(request: Request, customer_id: int) -> Response:
        return await run(request, lambda s: s.get_customer(customer_id))

    @r.post("/customers", response_model=Customer, status_code=201, tags=["people"])
    async def create_customer(request: Request, data: CustomerCreate) -> Response:
        return await run(request, lambda s: s.create_customer(data), status=201)

    @r.get("/organizations", response_model=list[Organization], tags=["people"])
    async def organizations(request: Request) -> Response:
        return await run(request, lambda s: s.list_organizations())

    @r.post("/tokens", response_model=TokenCreated, status_code=201, tags=["tokens"])
    async def create_token(request: Request, data: TokenCreate) -> Response:
        def make(s: Service) -> TokenCreated:
            wait = api.token_creations.blocked(s.actor.id)
            if wait:
                raise TooMany("too many new tokens; wait a minute")
            api.token_creations.hit(s.actor.id)
            with s.store.transaction():
                tid, token, expires = tokens.create_token(
                    s.store.conn, s.actor.id, label=data.label, expires_days=data.expires_days)
            return TokenCreated(id=tid, token=token, expires_at=expires)

        return await run(request, make, status=201)

    @r.delete("/tokens/current", status_code=204, tags=["tokens"])
    async def revoke_current(request: Request) -> Response:
        token = api.bearer(request) or ""

        def revoke(s: Service) -> None:
            tid = tokens.find_token_id(s.store.conn, token)
            if tid is None:
                raise NotFound("token does not exist")
            with s.store.transaction():
                tokens.revoke_token(s.store.conn, tid, agent_id=s.actor.id)

        return await run(request, revoke)

    @r.get("/events", tags=["events"], response_class=StreamingResponse,
           responses={200: {"content": {"text/event-stream": {}},
                            "description": "Server-Sent Events: `data` is {type, id, version}"}})
    async def events(request: Request,
                     last_event_id: str | None = Header(None)) -> StreamingResponse:
        agent = await api.authenticated(request)
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        token = api.bearer(request)
        return StreamingResponse(api.broker.stream(request, agent, token, after),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    return r


def create_app(db: str | Path, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    api = Api(db, settings)
    api.store()  # fail early on a missing or newer database, and migrate it

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        api.broker.start()
        try:
            yield
        finally:
            await api.broker.stop()
            api.close()

    app = FastAPI(title="Deskline", version="1", openapi_url=f"{API}/openapi.json",
                  docs_url=f"{API}/docs", redoc_url=None, lifespan=lifespan,
                  description="The Deskline helpdesk API. Errors are RFC 9457 problem+json; "
                              "ticket writes need If-Match with the ticket's ETag.")
    app.state.api = api

    def openapi() -> dict:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version,
                              description=app.description, routes=app.routes)
            doc.setdefault("components", {})["securitySchemes"] = {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "an API token: `deskline token create`"}}
            doc["security"] = [{"bearer": []}]
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    _install_error_handlers(app)
    app.include_router(build_router(api))
    app.add_middleware(BodyLimit, max_body=settings.max_body)
    app.add_middleware(FastReads, api=api)
    return app

