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

    @r.get("/me", operation_id="getMe", response_model=Agent, tags=["directory"])
    async def me(request: Request) -> Response:
        """Get the caller's account

        The agent (or portal account) the bearer token belongs to, with its role and time off."""
        return await read_me(api, request)

    @r.get("/agents", operation_id="listAgents", response_model=list[Agent], tags=["directory"])
    async def agents(request: Request) -> Response:
        """List agents

        Agent accounts (portal accounts too, for admins), for choosing assignees and mentions.
        A portal account sees only the names of active agents."""
        return await run(request, lambda s: s.list_agents())

    @r.get("/teams", operation_id="listTeams", response_model=list[Team], tags=["directory"])
    async def teams(request: Request) -> Response:
        """List teams

        The teams the caller may see (private teams only for their members and followers), with
        their stages, members and settings; a portal account gets the public teams' names and
        descriptions only."""
        return await run(request, lambda s: s.list_teams())

    @r.get("/stages", operation_id="listStages", response_model=list[Stage], tags=["directory"])
    async def stages(request: Request, team_id: int | None = None) -> Response:
        """List stages

        Every stage in order, or with `team_id` the stages of that team."""
        return await run(request, lambda s: s.list_stages(team_id))

    @r.get("/tags", operation_id="listTags", response_model=list[str], tags=["directory"])
    async def tags(request: Request) -> Response:
        """List tag names

        Every tag in use, by name, for filters and completion."""
        return await run(request, lambda s: s.list_tags())

    @r.get("/customers", operation_id="listCustomers",
           response_model=Page[Customer], tags=["customers"])
    async def customers(request: Request, text: str | None = None,
                        organization_id: int | None = None, cursor: str | None = None,
                        limit: int = 50, project_id: int | None = None,
                        unassigned: bool = False) -> Response:
        """List customers

        Customers by id, in cursor pages; `text` searches name and email address,
        `organization_id` and `project_id` narrow to an organization or project, `unassigned` to
        customers without an organization. For agents only."""
        return await run(request, lambda s: s.list_customers(
            text, organization_id, cursor, limit, project_id=project_id, unassigned=unassigned))

    @r.post("/customers", operation_id="createCustomer",
            response_model=Customer, status_code=201, tags=["customers"])
    async def create_customer(request: Request, data: CustomerCreate) -> Response:
        """Create a customer

        Creates the customer without mailing anyone (see `inviteCustomer`). The email address must
        be unused (409 otherwise, compared without case). Answers the customer."""
        return await run(request, lambda s: s.create_customer(data), status=201)

    @r.post("/customers/invitations", operation_id="inviteCustomer",
            response_model=InviteResult, status_code=201,
            tags=["customers"])
    async def invite_customer(request: Request, data: CustomerCreate) -> Response:
        """Invite a customer

        Creates the customer and queues an invitation mail when outbound mail is configured;
        `note` says why nothing was sent when nothing was."""
        return await run(request, lambda s: s.invite_customer(data), status=201)

    @r.get("/customers/{customer_id}", operation_id="getCustomer",
           response_model=Customer, tags=["customers"])
    async def customer(request: Request, customer_id: int) -> Response:
        """Get a customer

        One customer by id; 404 when it does not exist (or the caller is a portal account that is
        not this customer)."""
        return await run(request, lambda s: s.get_customer(customer_id))

    @r.patch("/customers/{customer_id}", operation_id="updateCustomer",
             response_model=Customer, tags=["customers"])
    async def update_customer(request: Request, customer_id: int,
                              data: CustomerUpdate) -> Response:
        """Change a customer

        Only the fields sent are changed; an explicit `organization_id: null` takes the customer
        out of its organization. Answers the customer as it is now."""
        return await run(request, lambda s: s.update_customer(customer_id, data))

    @r.get("/customers/{customer_id}/tickets", operation_id="listCustomerTickets",
           response_model=Page[TicketCard],
           tags=["customers"])
    async def customer_tickets(request: Request, customer_id: int, cursor: str | None = None,
                               limit: int = 50) -> Response:
        """List a customer's tickets

        The customer's tickets the caller may see, newest first, in cursor pages."""
        return await run(request, lambda s: s.customer_tickets(customer_id, cursor, limit))

    @r.get("/organizations", operation_id="listOrganizations",
           response_model=list[Organization], tags=["organizations"])
    async def organizations(request: Request) -> Response:
        """List organizations

        Every organization, by name."""
        return await run(request, lambda s: s.list_organizations())

    @r.get("/organizations/{organization_id}/tickets", operation_id="listOrganizationTickets",
           response_model=Page[TicketCard],
           tags=["organizations"])
    async def organization_tickets(request: Request, organization_id: int,
                                   cursor: str | None = None, limit: int = 50) -> Response:
        """List an organization's tickets

        Tickets whose own organization is this one and that the caller may see, newest first, in
        cursor pages."""
        return await run(request,
                         lambda s: s.organization_tickets(organization_id, cursor, limit))

    @r.get("/projects", operation_id="listProjects",
           response_model=list[Project], tags=["organizations"])
    async def projects(request: Request) -> Response:
        """List projects

        Every project, with the organization it belongs to."""
        return await run(request, lambda s: s.list_projects())

    return r
