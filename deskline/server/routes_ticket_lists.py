"""Routes for integrations: the filtered ticket list (`GET /tickets`) and the change feed
(`GET /tickets/changes`). Registered before `routes_tickets.py`, whose `/tickets/{id}`
would otherwise take `changes` for an id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import ChangePage, Page, TicketListFilter, TicketSummary
from deskline.server.api import Api, router
from deskline.server.fast_reads import int_param

# name -> OpenAPI type of the list's query parameters (TicketListFilter's fields)
LIST_PARAMS = {"team_id": "integer", "stage_id": "integer", "assignee": "string",
               "customer_id": "integer", "organization_id": "integer",
               "project_id": "integer", "tag": "string", "priority": "integer",
               "status": "string", "created_since": "string", "created_until": "string",
               "updated_since": "string", "updated_until": "string", "text": "string",
               "sort": "string", "order": "string", "cursor": "string", "limit": "integer"}
_ENUMS = {"status": ["open", "closed", "archived"], "sort": ["updated", "created", "priority"],
          "order": ["desc", "asc"]}


def _doc(params: dict[str, str]) -> dict:
    return {"parameters": [
        {"name": n, "in": "query", "required": False,
         "schema": {"type": t, **({"enum": _ENUMS[n]} if n in _ENUMS else {})}}
        for n, t in params.items()]}


def list_filter(request: Request) -> TicketListFilter:
    """The filter from the query string; an unknown parameter is refused by name (a typo
    must not widen the list silently)."""
    values = {k: v for k, v in request.query_params.items() if k not in ("cursor", "limit")}
    return TicketListFilter.model_validate(values)


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/tickets", operation_id="listTickets",
           response_model=Page[TicketSummary], tags=["tickets"],
           openapi_extra=_doc(LIST_PARAMS))
    async def list_tickets(request: Request) -> Response:
        """List tickets, filtered

        The tickets the caller may see, filtered by any of the query parameters, newest change
        first by default, in keyset pages (`next_cursor`). Each item is the ticket's own row
        (`TicketSummary`). An unknown query parameter is a 422 naming it, so that a typo never
        widens the list; a team the caller cannot see is a 422 on `team_id`."""
        f = list_filter(request)
        cursor = request.query_params.get("cursor")
        limit = int_param(request, "limit", 50)
        return await run(request, lambda s: s.list_tickets(f, cursor, limit))

    @r.get("/tickets/changes", operation_id="listTicketChanges",
           response_model=ChangePage, tags=["sync"],
           openapi_extra={"parameters": [
               {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "The `cursor` of the previous answer; none to read the feed "
                               "from the beginning"},
               {"name": "limit", "in": "query", "required": False,
                "schema": {"type": "integer"},
                "description": "Changes per page, 1 to 1,000 (default 500)"}]})
    async def ticket_changes(request: Request) -> Response:
        """Read the change feed

        Every ticket the caller may see that changed since `cursor`, once each, at its latest
        change, in change order; a deleted ticket comes as a tombstone (`deleted: true`). Keep
        the answer's `cursor` for the next call; `more` says another page waits, `reset` that the
        cursor was too old (or another helpdesk's) and the feed starts again from the beginning.
        Up to 1,000 items a page."""
        cursor = request.query_params.get("cursor")
        limit = int_param(request, "limit", 500)
        return await run(request, lambda s: s.ticket_changes(cursor, limit))

    return r
