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

    @r.get("/teams/{team_id}/board", operation_id="listBoardColumns",
           response_model=list[BoardColumn], tags=["board"],
           openapi_extra=query_doc())
    async def board_columns(request: Request, team_id: int) -> Response:
        """List a team's board columns

        The team's stages in order, each with how many tickets the filter keeps in it;
        under a text, tag or project filter a column counts at most 1,000 (`capped`)."""
        f = board_filter(request)
        return await run(request, lambda s: s.board_columns(team_id, f))

    @r.get("/teams/{team_id}/stages/{stage_id}/tickets", operation_id="listBoardTickets",
           response_model=Page[TicketCard],
           tags=["board"], openapi_extra=query_doc(("cursor", "string"), ("limit", "integer")))
    async def board_page(request: Request, team_id: int, stage_id: int) -> Response:
        """List the tickets of a board column

        One stage of a team's board, most urgent first, in keyset pages of cards, narrowed by the
        board's filter."""
        return await read_board_page(api, request, team_id, stage_id)

    @r.get("/dashboard", operation_id="getDashboard",
           response_model=list[TeamFigures], tags=["board"])
    async def dashboard(request: Request) -> Response:
        """Get the dashboard

        Per team the caller sees: open, unassigned, the caller's, urgent and SLA-failed tickets."""
        return await run(request, lambda s: s.dashboard())

    @r.get("/me/tickets", operation_id="listMyTickets",
           response_model=Page[TicketCard], tags=["board"])
    async def my_tickets(request: Request, cursor: str | None = None,
                         limit: int = 50) -> Response:
        """List the caller's tickets

        An agent's open tickets; a portal account's, the tickets its customer opened; newest
        first, in cursor pages of cards."""
        return await run(request, lambda s: s.my_tickets(cursor, limit))

    @r.get("/search", operation_id="searchTickets", response_model=list[SearchHit], tags=["search"])
    async def search(request: Request, q: str = Query("", max_length=500),
                     limit: int = Query(50, description="Hits at most, 1 to 200")) -> Response:
        """Search tickets

        Tickets the caller may see whose number, customer email, subject or messages match
        `q`, each with what matched and a snippet of the text around it."""
        return await run(request, lambda s: s.search(q, limit))

    @r.get("/reports", operation_id="getReport", response_model=Report, tags=["reports"],
           openapi_extra={"parameters": [
               {"name": n, "in": "query", "required": False, "schema": {"type": t}}
               for n, t in (("team_id", "integer"), ("agent_id", "integer"),
                            ("since", "string"), ("until", "string"))]})
    async def report(request: Request) -> Response:
        """Get the report

        Figures of a period (default the last 30 days): opened and closed per day, the backlog per
        stage, SLA success, first response and time to close in working hours, ratings per team
        and agent. Narrowed by `team_id` and `agent_id`, and by what the caller may see."""
        query = request.query_params
        values = {k: query[k] for k in ("team_id", "agent_id", "since", "until") if k in query}
        f = ReportFilter.model_validate(values) if values else None
        return await run(request, lambda s: s.report(f))

    return r
