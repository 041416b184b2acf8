"""The reads a console makes all day — a board page, a ticket, its thread, /me — and
`answer_fast_read`, with which `app.DesklineApp` answers their GETs by the same handlers
as their FastAPI routes, before FastAPI's middleware, routing and parameter machinery
(which cost as much as the read itself). Their query strings are parsed here by hand for
the same reason; the OpenAPI document still lists the parameters (`query_doc`)."""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from typing import Any, overload

from fastapi import Request
from fastapi.responses import Response

from deskline.errors import ValidationFailed
from deskline.models import BoardFilter
from deskline.server.api import Api
from deskline.server.problems import error_response
from deskline.server.settings import API

FILTER_PARAMS = {"text": "string", "mine": "boolean", "unassigned": "boolean",
                  "tag": "string", "priority": "integer", "project_id": "integer"}


def board_filter(request: Request) -> BoardFilter | None:
    """The board filter from the query string. Parsed here rather than by FastAPI's
    parameter machinery, which costs more than the board query itself."""
    query = request.query_params
    values = {k: query[k] for k in FILTER_PARAMS if k in query}
    return BoardFilter.model_validate(values) if values else None


@overload
def int_param(request: Request, name: str, default: int) -> int: ...
@overload
def int_param(request: Request, name: str, default: None) -> int | None: ...
def int_param(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number", field=name) from None


def query_doc(*extra: tuple[str, str]) -> dict:
    params = [*FILTER_PARAMS.items(), *extra]
    return {"parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": t}} for n, t in params]}


# --- the hottest reads: shared by their FastAPI routes and by `answer_fast_read` ----------


async def read_me(api: Api, request: Request) -> Response:
    return await api.run(request, lambda s: s.me(), inline=True)


async def read_board_page(api: Api, request: Request, team_id: int, stage_id: int) -> Response:
    f = board_filter(request)
    cursor = request.query_params.get("cursor")
    limit = int_param(request, "limit", 50)
    return await api.run(request, lambda s: s.board_page(team_id, stage_id, f, cursor, limit),
                         inline=True)


async def read_ticket(api: Api, request: Request, ticket_id: int) -> Response:
    return await api.run(request, lambda s: s.get_ticket(ticket_id), inline=True)


async def read_messages(api: Api, request: Request, ticket_id: int) -> Response:
    cursor = request.query_params.get("cursor")
    limit = int_param(request, "limit", 50)
    after_message_id = int_param(request, "after_message_id", None)
    return await api.run(request, lambda s: s.ticket_messages(ticket_id, cursor, limit,
                                                              after_message_id),
                         inline=True)


_ID = r"(\d{1,18})"
FAST_READS: list[tuple[re.Pattern, Callable]] = [
    (re.compile(f"{API}/teams/{_ID}/stages/{_ID}/tickets"), read_board_page),
    (re.compile(f"{API}/tickets/{_ID}"), read_ticket),
    (re.compile(f"{API}/tickets/{_ID}/messages"), read_messages),
    (re.compile(f"{API}/me"), read_me),
]


async def answer_fast_read(api: Api, scope: MutableMapping[str, Any], receive: Callable,
                           send: Callable) -> bool:
    """Answer a GET of the reads every console makes all day (board pages, a ticket, its
    thread, /me) straight from the same handlers as their FastAPI routes, without
    FastAPI's middleware, routing and parameter machinery (which cost as much as the read
    itself). Same `Api.run` path, same answers. False: not one of them, FastAPI answers."""
    path = scope["path"]
    for pattern, handler in FAST_READS:
        match = pattern.fullmatch(path)
        if match:
            request = Request(scope, receive)
            try:
                response = await handler(api, request, *(int(g) for g in match.groups()))
            except Exception as exc:  # noqa: BLE001 - answered as a problem
                response = error_response(exc)
            await response(scope, receive, send)
            return True
    return False
