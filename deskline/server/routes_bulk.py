"""Routes of bulk actions on tickets: a preview, the action, and the undo of the agent's
last one (`service/bulk_actions.py`). The versions travel in the body, one per ticket."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import BulkOutcome, BulkRequest
from deskline.server.api import Api, router


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.post("/tickets/bulk/preview", response_model=BulkOutcome, tags=["bulk"])
    async def bulk_preview(request: Request, data: BulkRequest) -> Response:
        return await run(request, lambda s: s.bulk_preview(data))

    @r.post("/tickets/bulk", response_model=BulkOutcome, tags=["bulk"])
    async def bulk_apply(request: Request, data: BulkRequest) -> Response:
        return await run(request, lambda s: s.bulk_apply(data))

    @r.post("/tickets/bulk/undo", response_model=BulkOutcome, tags=["bulk"])
    async def bulk_undo(request: Request) -> Response:
        return await run(request, lambda s: s.undo_last_bulk())

    return r
