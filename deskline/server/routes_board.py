"""Routes of the board and the views over many tickets: columns, board pages, the
dashboard, my tickets, search and reports."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from deskline.models import (
    BoardColumn,
    Page,
    Report,
    ReportFilter,
    SearchHit,
    TeamFigures,
    TicketCard,
)
from deskline.server.api import Api, router
from deskline.server.fast_reads import board_filter, query_doc, read_board_page


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/teams/{team_id}/board", response_model=list[BoardColumn], tags=["board"],
           openapi_extra=query_doc())
    async def board_columns(request: Request, team_id: int) -> Response:
        f = board_filter(request)
        return await run(request, lambda s: s.board_columns(team_id, f))

    @r.get("/teams/{team_id}/stages/{stage_id}/tickets", response_model=Page[TicketCard],
           tags=["board"], openapi_extra=query_doc(("cursor", "string"), ("limit", "integer")))
    async def board_page(request: Request, team_id: int, stage_id: int) -> Response:
        return await read_board_page(api, request, team_id, stage_id)

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

    return r
