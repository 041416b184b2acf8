"""Routes of who and what: me, agents, teams, stages, tags, customers, organizations and
projects."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import (
    Agent,
    Customer,
    CustomerCreate,
    CustomerUpdate,
    InviteResult,
    Organization,
    Page,
    Project,
    Stage,
    Team,
    TicketCard,
)
from deskline.server.api import Api, router
from deskline.server.fast_reads import read_me


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/me", response_model=Agent, tags=["people"])
    async def me(request: Request) -> Response:
        return await read_me(api, request)

    @r.get("/agents", response_model=list[Agent], tags=["people"])
    async def agents(request: Request) -> Response:
        return await run(request, lambda s: s.list_agents())

    @r.get("/teams", response_model=list[Team], tags=["teams"])
    async def teams(request: Request) -> Response:
        return await run(request, lambda s: s.list_teams())

    @r.get("/stages", response_model=list[Stage], tags=["teams"])
    async def stages(request: Request, team_id: int | None = None) -> Response:
        return await run(request, lambda s: s.list_stages(team_id))

    @r.get("/tags", response_model=list[str], tags=["teams"])
    async def tags(request: Request) -> Response:
        return await run(request, lambda s: s.list_tags())

    @r.get("/customers", response_model=Page[Customer], tags=["people"])
    async def customers(request: Request, text: str | None = None,
                        organization_id: int | None = None, cursor: str | None = None,
                        limit: int = 50, project_id: int | None = None,
                        unassigned: bool = False) -> Response:
        return await run(request, lambda s: s.list_customers(
            text, organization_id, cursor, limit, project_id=project_id, unassigned=unassigned))

    @r.post("/customers", response_model=Customer, status_code=201, tags=["people"])
    async def create_customer(request: Request, data: CustomerCreate) -> Response:
        return await run(request, lambda s: s.create_customer(data), status=201)

    @r.post("/customers/invitations", response_model=InviteResult, status_code=201,
            tags=["people"])
    async def invite_customer(request: Request, data: CustomerCreate) -> Response:
        return await run(request, lambda s: s.invite_customer(data), status=201)

    @r.get("/customers/{customer_id}", response_model=Customer, tags=["people"])
    async def customer(request: Request, customer_id: int) -> Response:
        return await run(request, lambda s: s.get_customer(customer_id))

    @r.patch("/customers/{customer_id}", response_model=Customer, tags=["people"])
    async def update_customer(request: Request, customer_id: int,
                              data: CustomerUpdate) -> Response:
        return await run(request, lambda s: s.update_customer(customer_id, data))

    @r.get("/customers/{customer_id}/tickets", response_model=Page[TicketCard],
           tags=["people"])
    async def customer_tickets(request: Request, customer_id: int, cursor: str | None = None,
                               limit: int = 50) -> Response:
        return await run(request, lambda s: s.customer_tickets(customer_id, cursor, limit))

    @r.get("/organizations", response_model=list[Organization], tags=["people"])
    async def organizations(request: Request) -> Response:
        return await run(request, lambda s: s.list_organizations())

    @r.get("/organizations/{organization_id}/tickets", response_model=Page[TicketCard],
           tags=["people"])
    async def organization_tickets(request: Request, organization_id: int,
                                   cursor: str | None = None, limit: int = 50) -> Response:
        return await run(request,
                         lambda s: s.organization_tickets(organization_id, cursor, limit))

    @r.get("/projects", response_model=list[Project], tags=["people"])
    async def projects(request: Request) -> Response:
        return await run(request, lambda s: s.list_projects())

    return r
