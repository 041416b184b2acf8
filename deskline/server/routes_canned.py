"""Routes of canned replies: an agent's own and the teams' (which admins keep), and a
reply rendered for a ticket. Each is one use case of `service/canned.py`; the service
decides who may (another agent's reply is a 404, a team's reply changed by an agent a 403).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import CannedRender, CannedReply, CannedReplyCreate, CannedReplyUpdate
from deskline.server.api import Api, router


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/canned-replies", operation_id="listCannedReplies",
           response_model=list[CannedReply], tags=["canned replies"])
    async def list_canned(request: Request, team_id: int | None = None,
                          ticket_id: int | None = None) -> Response:
        """List canned replies

        The caller's own replies and those of the teams they see; `team_id`: that team's only;
        `ticket_id`: the caller's own and those of the ticket's team."""
        return await run(request, lambda s: s.list_canned_replies(team_id, ticket_id))

    @r.post("/canned-replies", operation_id="createCannedReply",
            response_model=CannedReply, status_code=201, tags=["canned replies"])
    async def create_canned(request: Request, data: CannedReplyCreate) -> Response:
        """Create a canned reply

        Without `team_id` a personal reply; with it a team's (admins only). Answers the reply."""
        return await run(request, lambda s: s.create_canned_reply(data), status=201)

    @r.get("/canned-replies/{reply_id}", operation_id="getCannedReply",
           response_model=CannedReply, tags=["canned replies"])
    async def canned(request: Request, reply_id: int) -> Response:
        """Get a canned reply

        Another agent's personal reply is a 404."""
        return await run(request, lambda s: s.get_canned_reply(reply_id))

    @r.patch("/canned-replies/{reply_id}", operation_id="updateCannedReply",
             response_model=CannedReply, tags=["canned replies"])
    async def update_canned(request: Request, reply_id: int,
                            data: CannedReplyUpdate) -> Response:
        """Change a canned reply

        One's own; a team's reply admins only (403). Answers the reply."""
        return await run(request, lambda s: s.update_canned_reply(reply_id, data))

    @r.delete("/canned-replies/{reply_id}", operation_id="deleteCannedReply",
              status_code=204, tags=["canned replies"])
    async def delete_canned(request: Request, reply_id: int) -> Response:
        """Delete a canned reply

        One's own; a team's reply admins only (403). Answers 204."""
        return await run(request, lambda s: s.delete_canned_reply(reply_id))

    @r.post("/tickets/{ticket_id}/canned-replies/{reply_id}/render",
            operation_id="renderCannedReply",
            response_model=CannedRender, tags=["canned replies"])
    async def render_canned(request: Request, ticket_id: int, reply_id: int) -> Response:
        """Render a canned reply for a ticket

        The reply filled in for the ticket (sandboxed template), for the composer; nothing is
        saved or sent."""
        return await run(request, lambda s: s.render_canned_reply(reply_id, ticket_id))

    return r
