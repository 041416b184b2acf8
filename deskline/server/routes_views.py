"""Routes of an agent's saved views (`/me/views`): each agent's own, another's a 404."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import Page, SavedView, SavedViewCreate, SavedViewUpdate, ViewRow
from deskline.server.api import Api, router


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/me/views", response_model=list[SavedView], tags=["views"])
    async def views(request: Request, counts: bool = False) -> Response:
        return await run(request, lambda s: s.list_views(counts))

    @r.post("/me/views", response_model=SavedView, status_code=201, tags=["views"])
    async def create_view(request: Request, data: SavedViewCreate) -> Response:
        return await run(request, lambda s: s.create_view(data), status=201)

    @r.get("/me/views/{view_id}", response_model=SavedView, tags=["views"])
    async def view(request: Request, view_id: int) -> Response:
        return await run(request, lambda s: s.get_view(view_id))

    @r.patch("/me/views/{view_id}", response_model=SavedView, tags=["views"])
    async def update_view(request: Request, view_id: int, data: SavedViewUpdate) -> Response:
        return await run(request, lambda s: s.update_view(view_id, data))

    @r.delete("/me/views/{view_id}", status_code=204, tags=["views"])
    async def delete_view(request: Request, view_id: int) -> Response:
        return await run(request, lambda s: s.delete_view(view_id))

    @r.get("/me/views/{view_id}/tickets", response_model=Page[ViewRow], tags=["views"])
    async def view_tickets(request: Request, view_id: int, cursor: str | None = None,
                           limit: int = 50) -> Response:
        return await run(request, lambda s: s.view_tickets(view_id, cursor, limit))

    return r
