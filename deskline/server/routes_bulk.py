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

    @r.post("/tickets/bulk/preview", operation_id="previewBulkAction",
            response_model=BulkOutcome, tags=["bulk"])
    async def bulk_preview(request: Request, data: BulkRequest) -> Response:
        """Preview a bulk action

        What the action would change, leave as it is and skip (with the reason), on the tickets
        named (each with the version seen) or matched by a board filter. Nothing changes."""
        return await run(request, lambda s: s.bulk_preview(data))

    @r.post("/tickets/bulk", operation_id="applyBulkAction",
            response_model=BulkOutcome, tags=["bulk"])
    async def bulk_apply(request: Request, data: BulkRequest) -> Response:
        """Apply a bulk action

        Assign, move, set the priority, add or remove a tag, close, archive or merge many
        tickets in one transaction; a ticket changed since the version named, or not visible,
        is skipped and listed. It becomes the caller's last bulk action, which
        `undoBulkAction` takes back (a merge excepted). Answers the outcome."""
        return await run(request, lambda s: s.bulk_apply(data))

    @r.post("/tickets/bulk/undo", operation_id="undoBulkAction",
            response_model=BulkOutcome, tags=["bulk"])
    async def bulk_undo(request: Request) -> Response:
        """Undo the caller's last bulk action

        Puts back each ticket of the caller's last bulk action that is still as that action
        left it; the others (changed since, no longer visible) are listed. Merges cannot be
        undone. Agents only. Answers the outcome."""
        return await run(request, lambda s: s.undo_last_bulk())

    return r
