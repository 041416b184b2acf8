"""Routes of what happens now: presence on a ticket and the Server-Sent Events stream."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse

from deskline import access
from deskline.server.api import Api, router
from deskline.server.schemas import Presence, PresenceBody
from deskline.service import Service


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/tickets/{ticket_id}/presence", operation_id="listPresence",
           response_model=list[Presence], tags=["live"])
    async def presence(request: Request, ticket_id: int) -> Response:
        """List who is on a ticket

        Agents viewing or replying to the ticket now (an empty list for portal accounts)."""

        def look(s: Service) -> list[Presence]:
            s.get_ticket(ticket_id)  # 404 when invisible
            return [] if s.scope().portal else api.presence.get(s.store, ticket_id)

        return await run(request, look)

    @r.put("/tickets/{ticket_id}/presence", operation_id="setPresence",
           response_model=list[Presence], tags=["live"])
    async def set_presence(request: Request, ticket_id: int, data: PresenceBody) -> Response:
        """Say the caller is viewing or replying

        Agents only. Repeat within 30 seconds to stay present; `gone` when leaving. A change is
        sent to event streams as a `presence` event. Answers who is on the ticket now."""

        def mark(s: Service) -> list[Presence]:
            s.get_ticket(ticket_id)  # 404 when invisible
            access.require_agent(s.scope(), "show presence")
            api.presence.set(s.store, ticket_id, s.actor, data.state)
            return api.presence.get(s.store, ticket_id)

        return await run(request, mark)

    @r.get("/events", operation_id="streamEvents", tags=["live"], response_class=StreamingResponse,
           responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                            "description": "Server-Sent Events; each event's `data` is a "
                                           "ServerEvent (see the schemas) as JSON"}})
    async def events(request: Request,
                     last_event_id: str | None = Header(None)) -> StreamingResponse:
        """Stream live events

        Server-Sent Events while the connection lasts: `data` is `{type, id, version}` for each
        change to a ticket the caller may see (refetch what it names), and the SSE id resumes the
        stream with Last-Event-ID. The stream ends with an `unauthorized` event when the token is
        revoked or expires."""
        agent = await api.authenticated(request)
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        token = api.bearer(request)
        return StreamingResponse(api.broker.stream(request, agent, token, after),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    return r
