"""Routes of one ticket: read, create, change (each change names the version it saw in
If-Match), its messages, merge and split, closing and rating."""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from deskline.errors import DesklineError, ValidationFailed
from deskline.models import (
    MergePreview,
    MergeRequest,
    Message,
    Page,
    RatingCreate,
    SplitRequest,
    Ticket,
    TicketCreate,
    TicketEdit,
    TicketUpdate,
)
from deskline.server.api import Api, router
from deskline.server.fast_reads import read_messages, read_ticket
from deskline.server.schemas import ArchiveBody, AssignBody, FollowBody, MessageBody, MoveBody


def routes(api: Api) -> APIRouter:
    r = router()
    run, versioned = api.run, api.versioned

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
                "schema": {"type": "integer"}},
               {"name": "after_message_id", "in": "query", "required": False,
                "schema": {"type": "integer"}}]})
    async def messages(request: Request, ticket_id: int) -> Response:
        return await read_messages(api, request, ticket_id)

    @r.get("/attachments/{attachment_id}", tags=["tickets"], response_class=Response,
           responses={200: {"description": "The file, as it came with the mail; its facts "
                                           "(id, filename, content_type, size, inline) as "
                                           "JSON in the Deskline-Attachment header.",
                            "content": {"application/octet-stream": {}}}})
    async def attachment(request: Request, attachment_id: int) -> Response:
        return await run(request, lambda s: s.get_attachment(attachment_id))

    @r.post("/tickets", response_model=Ticket, status_code=201, tags=["tickets"])
    async def create_ticket(request: Request, data: TicketCreate) -> Response:
        return await run(request, lambda s: s.create_ticket(data), status=201)

    @r.patch("/tickets/{ticket_id}", response_model=Ticket, tags=["tickets"])
    async def update_ticket(request: Request, ticket_id: int, data: TicketUpdate,
                            if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.update_ticket(ticket_id, v, data))

    @r.post("/tickets/{ticket_id}/edit", response_model=Ticket, tags=["tickets"])
    async def edit_ticket(request: Request, ticket_id: int, data: TicketEdit,
                          if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.edit_ticket(ticket_id, v, data))

    @r.post("/tickets/{ticket_id}/move", response_model=Ticket, tags=["tickets"])
    async def move(request: Request, ticket_id: int, data: MoveBody,
                   if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.move_ticket(ticket_id, v, data.stage_id))

    @r.post("/tickets/{ticket_id}/assign", response_model=Ticket, tags=["tickets"])
    async def assign(request: Request, ticket_id: int, data: AssignBody,
                     if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.assign_ticket(ticket_id, v, data.agent_id))

    @r.post("/tickets/{ticket_id}/assign-to-me", response_model=Ticket, tags=["tickets"])
    async def assign_to_me(request: Request, ticket_id: int,
                           if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.assign_to_me(ticket_id, v))

    @r.put("/tickets/{ticket_id}/following", response_model=Ticket, tags=["tickets"])
    async def follow(request: Request, ticket_id: int, data: FollowBody) -> Response:
        return await run(request, lambda s: s.follow_ticket(ticket_id, data.following))

    @r.post("/tickets/{ticket_id}/archive", response_model=Ticket, tags=["tickets"])
    async def archive(request: Request, ticket_id: int, data: ArchiveBody,
                      if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.archive_ticket(ticket_id, v, data.archived))

    @r.delete("/tickets/{ticket_id}", status_code=204, tags=["tickets"])
    async def delete(request: Request, ticket_id: int,
                     if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.delete_ticket(ticket_id, v))

    @r.post("/tickets/{ticket_id}/messages", response_model=Message, status_code=201,
            tags=["tickets"])
    async def post_message(request: Request, ticket_id: int, data: MessageBody) -> Response:
        if data.kind == "reply":
            files = [f.upload() for f in data.files]
            return await run(request, lambda s: s.reply(ticket_id, data.body, files),
                             status=201)
        if data.files:
            raise ValidationFailed("files go with replies; an internal comment has none",
                                   field="files")
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

    @r.post("/tickets/{ticket_id}/close", response_model=Ticket, tags=["tickets"])
    async def close_ticket(request: Request, ticket_id: int,
                           if_match: str | None = Header(None)) -> Response:
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.close_my_ticket(ticket_id, v))

    @r.post("/tickets/{ticket_id}/rating", response_model=Ticket, tags=["tickets"])
    async def rate_ticket(request: Request, ticket_id: int, data: RatingCreate) -> Response:
        return await run(request, lambda s: s.rate_ticket(ticket_id, data))

    return r
