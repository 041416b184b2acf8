"""Routes of an agent's saved views (`/me/views`): each agent's own, another's a 404."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import Page, SavedView, SavedViewCreate, SavedViewUpdate, ViewRow
from deskline.server.api import Api, router


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/me/views", operation_id="listViews", response_model=list[SavedView], tags=["views"])
    async def views(request: Request, counts: bool = False) -> Response:
        """List the caller's saved views

        Each agent's own views; `counts=true` adds how many tickets each keeps (up to 100)."""
        return await run(request, lambda s: s.list_views(counts))

    @r.post("/me/views", operation_id="createView",
            response_model=SavedView, status_code=201, tags=["views"])
    async def create_view(request: Request, data: SavedViewCreate) -> Response:
        """Save a view

        A named filter over the teams the caller may see. The name must be free among the
        caller's views (409 naming it). Agents only. Answers the view."""
        return await run(request, lambda s: s.create_view(data), status=201)

    @r.get("/me/views/{view_id}", operation_id="getView", response_model=SavedView, tags=["views"])
    async def view(request: Request, view_id: int) -> Response:
        """Get a saved view

        Another agent's view is a 404."""
        return await run(request, lambda s: s.get_view(view_id))

    @r.patch("/me/views/{view_id}", operation_id="updateView",
             response_model=SavedView, tags=["views"])
    async def update_view(request: Request, view_id: int, data: SavedViewUpdate) -> Response:
        """Change a saved view

        Its name and/or filter. Answers the view."""
        return await run(request, lambda s: s.update_view(view_id, data))

    @r.delete("/me/views/{view_id}", operation_id="deleteView", status_code=204, tags=["views"])
    async def delete_view(request: Request, view_id: int) -> Response:
        """Delete a saved view

        Answers 204."""
        return await run(request, lambda s: s.delete_view(view_id))

    @r.get("/me/views/{view_id}/tickets", operation_id="listViewTickets",
           response_model=Page[ViewRow], tags=["views"])
    async def view_tickets(request: Request, view_id: int, cursor: str | None = None,
                           limit: int = 50) -> Response:
        """List the tickets a saved view keeps

        Newest change first, in cursor pages, with each ticket's team and stage."""
        return await run(request, lambda s: s.view_tickets(view_id, cursor, limit))

    return r
