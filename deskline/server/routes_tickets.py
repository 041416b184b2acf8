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
from deskline.server.schemas import (
    ATTACHMENT_HEADER,
    ArchiveBody,
    AssignBody,
    FollowBody,
    MessageBody,
    MoveBody,
)


def routes(api: Api) -> APIRouter:
    r = router()
    run, versioned = api.run, api.versioned

    @r.get("/tickets/by-number/{number}", operation_id="getTicketByNumber",
           response_model=Ticket, tags=["tickets"])
    async def ticket_by_number(request: Request, number: int) -> Response:
        """Get a ticket by its number

        The ticket people call #1042; 404 when there is none or the caller may not see it. The
        answer carries the ticket's version as ETag."""
        return await run(request, lambda s: s.get_ticket_by_number(number), inline=True)

    @r.get("/tickets/{ticket_id}", operation_id="getTicket",
           response_model=Ticket, tags=["tickets"])
    async def ticket(request: Request, ticket_id: int) -> Response:
        """Get a ticket

        The whole ticket; 404 when it does not exist or the caller may not see it. The answer
        carries its version as ETag: send it back in If-Match to change the ticket."""
        return await read_ticket(api, request, ticket_id)

    @r.get("/tickets/{ticket_id}/messages", operation_id="listMessages",
           response_model=Page[Message], tags=["messages"],
           openapi_extra={"parameters": [
               {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
               {"name": "limit", "in": "query", "required": False,
                "schema": {"type": "integer"}},
               {"name": "after_message_id", "in": "query", "required": False,
                "schema": {"type": "integer"}}]})
    async def messages(request: Request, ticket_id: int) -> Response:
        """List a ticket's messages

        The ticket's chatter in order: replies, internal comments (never for portal accounts)
        and tracked changes, in cursor pages; `after_message_id` gives only what came after a
        message."""
        return await read_messages(api, request, ticket_id)

    @r.get("/attachments/{attachment_id}", operation_id="getAttachment",
           tags=["messages"], response_class=Response,
           responses={200: {"description": "The file, as it came with the mail; its facts "
                                           "(id, filename, content_type, size, inline) as "
                                           "JSON in the Deskline-Attachment header.",
                            "content": {"application/octet-stream": {}},
                            "headers": {ATTACHMENT_HEADER: {
                                "description": "the file's facts (AttachmentInfo) as ASCII "
                                               "JSON", "schema": {"type": "string"}}}}})
    async def attachment(request: Request, attachment_id: int) -> Response:
        """Download an attachment

        The file as it came with a mail, as a download (never rendered: HTML is sent as
        application/octet-stream, with nosniff). Its facts are in the Deskline-Attachment
        header as JSON. 404 unless the caller may see the ticket."""
        return await run(request, lambda s: s.get_attachment(attachment_id))

    @r.post("/tickets", operation_id="createTicket",
            response_model=Ticket, status_code=201, tags=["tickets"])
    async def create_ticket(request: Request, data: TicketCreate) -> Response:
        """Create a ticket

        Opens a ticket in a team (in its first stage unless `stage_id` says another), assigned by
        the team's automatic assignment unless `assignee_id` is given. Portal accounts open
        tickets for their own customer and cannot set the assignee, stage, priority or
        organization. Answers the ticket with its ETag."""
        return await run(request, lambda s: s.create_ticket(data), status=201)

    @r.patch("/tickets/{ticket_id}", operation_id="updateTicket",
             response_model=Ticket, tags=["tickets"])
    async def update_ticket(request: Request, ticket_id: int, data: TicketUpdate,
                            if_match: str | None = Header(None)) -> Response:
        """Change a ticket

        Only the fields sent are changed, each with a tracked change in the chatter. Needs
        If-Match with the ETag the caller saw: 428 without it, 412 (with `current_version`) when
        the ticket changed since. Agents only. Answers the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.update_ticket(ticket_id, v, data))

    @r.post("/tickets/{ticket_id}/edit", operation_id="editTicket",
            response_model=Ticket, tags=["tickets"])
    async def edit_ticket(request: Request, ticket_id: int, data: TicketEdit,
                          if_match: str | None = Header(None)) -> Response:
        """Change a ticket's header in one write

        Fields, stage and assignee at once, and the customer by email address (created when none
        has it): the header editor's save. Needs If-Match; answers the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.edit_ticket(ticket_id, v, data))

    @r.post("/tickets/{ticket_id}/move", operation_id="moveTicket",
            response_model=Ticket, tags=["tickets"])
    async def move(request: Request, ticket_id: int, data: MoveBody,
                   if_match: str | None = Header(None)) -> Response:
        """Move a ticket to a stage

        Into another stage of its team; a closing stage closes it (and may mail a rating request).
        Needs If-Match; answers the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.move_ticket(ticket_id, v, data.stage_id))

    @r.post("/tickets/{ticket_id}/assign", operation_id="assignTicket",
            response_model=Ticket, tags=["tickets"])
    async def assign(request: Request, ticket_id: int, data: AssignBody,
                     if_match: str | None = Header(None)) -> Response:
        """Assign a ticket

        To an agent, or to nobody with `agent_id: null`; the agent is notified. Needs If-Match;
        answers the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.assign_ticket(ticket_id, v, data.agent_id))

    @r.post("/tickets/{ticket_id}/assign-to-me", operation_id="assignTicketToMe",
            response_model=Ticket, tags=["tickets"])
    async def assign_to_me(request: Request, ticket_id: int,
                           if_match: str | None = Header(None)) -> Response:
        """Assign a ticket to the caller

        Agents only. Needs If-Match; answers the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.assign_to_me(ticket_id, v))

    @r.put("/tickets/{ticket_id}/following", operation_id="followTicket",
           response_model=Ticket, tags=["tickets"])
    async def follow(request: Request, ticket_id: int, data: FollowBody) -> Response:
        """Follow or stop following a ticket

        An agent who follows a ticket is notified when the customer writes on it. Answers the
        ticket."""
        return await run(request, lambda s: s.follow_ticket(ticket_id, data.following))

    @r.post("/tickets/{ticket_id}/archive", operation_id="archiveTicket",
            response_model=Ticket, tags=["tickets"])
    async def archive(request: Request, ticket_id: int, data: ArchiveBody,
                      if_match: str | None = Header(None)) -> Response:
        """Archive a ticket, or bring it back

        An archived ticket stays readable but leaves boards and lists. Needs If-Match; answers
        the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.archive_ticket(ticket_id, v, data.archived))

    @r.delete("/tickets/{ticket_id}", operation_id="deleteTicket",
              status_code=204, tags=["tickets"])
    async def delete(request: Request, ticket_id: int,
                     if_match: str | None = Header(None)) -> Response:
        """Delete a ticket

        Admins only; the ticket and its chatter are gone (the change feed keeps a tombstone).
        Needs If-Match. Answers 204."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.delete_ticket(ticket_id, v))

    @r.post("/tickets/{ticket_id}/messages", operation_id="createMessage",
            response_model=Message, status_code=201,
            tags=["messages"])
    async def post_message(request: Request, ticket_id: int, data: MessageBody) -> Response:
        """Reply to a ticket, or comment on it

        `kind: reply` is public and mailed to the customer (with `files`); `kind: comment` is an
        internal note, never shown to or mailed to customers, whose @mentions notify agents.
        Portal accounts may only reply. Answers the message."""
        if data.kind == "reply":
            files = [f.upload() for f in data.files]
            return await run(request, lambda s: s.reply(ticket_id, data.body, files),
                             status=201)
        if data.files:
            raise ValidationFailed("files go with replies; an internal comment has none",
                                   field="files")
        return await run(request, lambda s: s.comment(ticket_id, data.body), status=201)

    @r.get("/tickets/{ticket_id}/merge", operation_id="previewMerge",
           response_model=MergePreview, tags=["tickets"])
    async def merge_preview(request: Request, ticket_id: int,
                            with_: list[int] = Query([], alias="with")) -> Response:
        """Preview merging tickets

        The ticket in the path and those named by `with`: the similarity of each pair and each
        field's values, to choose what the merged ticket keeps. Nothing changes."""
        return await run(request, lambda s: s.merge_preview([ticket_id, *with_]))

    @r.post("/tickets/{ticket_id}/merge", operation_id="mergeTickets",
            response_model=Ticket, tags=["tickets"])
    async def merge(request: Request, ticket_id: int, data: MergeRequest) -> Response:
        """Merge tickets into this one

        The sources' messages move into the target (the ticket in the path), which keeps the
        chosen fields; the sources are archived with a link to it. `versions` names the version
        seen of every ticket: a stale one is a 412. Agents only. Answers the target."""
        if data.target_id != ticket_id:
            raise DesklineError("target_id must be the ticket in the path", field="target_id")
        version = data.versions.get(ticket_id, -1)
        return await run(request, lambda s: s.merge(data), version_of=(ticket_id, version))

    @r.post("/tickets/{ticket_id}/split", operation_id="splitTicket",
            response_model=Ticket, status_code=201,
            tags=["tickets"])
    async def split(request: Request, ticket_id: int, data: SplitRequest) -> Response:
        """Split messages out into a new ticket

        The messages named move into a new ticket, linked both ways. `version` is the version of
        the ticket seen (412 when stale). Answers the new ticket."""
        return await run(request, lambda s: s.split(ticket_id, data), status=201,
                         version_of=(ticket_id, data.version))

    @r.post("/tickets/{ticket_id}/close", operation_id="closeTicket",
            response_model=Ticket, tags=["tickets"])
    async def close_ticket(request: Request, ticket_id: int,
                           if_match: str | None = Header(None)) -> Response:
        """Close one's own ticket

        Into the team's closing stage. A portal customer closes only their own tickets, and
        only where the team lets customers close them; agents close any ticket they see.
        Needs If-Match; answers the ticket with its new ETag."""
        return await versioned(request, ticket_id, if_match,
                               lambda s, v: s.close_my_ticket(ticket_id, v))

    @r.post("/tickets/{ticket_id}/rating", operation_id="rateTicket",
            response_model=Ticket, tags=["tickets"])
    async def rate_ticket(request: Request, ticket_id: int, data: RatingCreate) -> Response:
        """Rate a closed ticket

        The customer's answer (satisfied, okay, dissatisfied) and comment on a closed ticket,
        recorded in the chatter. A portal customer rates their own tickets; an agent may
        record an answer given another way. Answers the ticket."""
        return await run(request, lambda s: s.rate_ticket(ticket_id, data))

    return r
