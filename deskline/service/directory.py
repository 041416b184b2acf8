"""Use cases over people: agents, customers, organizations, projects, tags."""

from __future__ import annotations

from collections.abc import Sequence

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    Agent,
    AgentCreate,
    Customer,
    CustomerCreate,
    Organization,
    OrganizationCreate,
    Page,
    Project,
    ProjectCreate,
    Role,
    TimeOff,
)
from deskline.service.base import ServiceBase, _limit
from deskline.store import keyset


class DirectoryUseCases(ServiceBase):

    def list_agents(self) -> list[Agent]:
        return [a for a in self.store.agents() if a.role is not Role.portal or
                self.actor.role is Role.admin]

    def create_agent(self, data: AgentCreate) -> Agent:
        access.require_admin(self.scope(), "add agents")
        if self.store.agent_by_email(data.email):
            raise ConflictError(f"an agent with the email {data.email} exists", field="email")
        if data.role is Role.portal and data.customer_id is None:
            raise ValidationFailed("a portal account acts as a customer: name it",
                                   field="customer_id")
        with self.store.transaction():
            aid = self.store.insert_agent(data.email, data.name or data.email.split("@")[0],
                                          data.role, data.customer_id)
        return self.store.agent(aid)

    def set_time_off(self, agent_id: int, periods: Sequence[TimeOff]) -> Agent:
        if agent_id != self.actor.id:
            access.require_admin(self.scope(), "set another agent's time off")
        if self.store.agent(agent_id) is None:
            raise NotFound(f"agent {agent_id} does not exist")
        with self.store.transaction():
            self.store.set_time_off(agent_id, periods)
        return self.store.agent(agent_id)

    def list_customers(self, text: str | None = None, organization_id: int | None = None,
                       cursor: str | None = None, limit: int = 50,
                       project_id: int | None = None,
                       unassigned: bool = False) -> Page[Customer]:
        """Customers by id; `unassigned` keeps those without an organization."""
        access.require_agent(self.scope(), "list customers")
        after = keyset.decode(cursor, 1)[0] if cursor else None
        items = self.store.customers_page(text, organization_id, after, _limit(limit) + 1,
                                          project_id=project_id, unassigned=unassigned)
        more = len(items) > limit
        items = items[:limit]
        return Page(items=items, next_cursor=keyset.encode(items[-1].id) if more else None)

    def get_customer(self, customer_id: int) -> Customer:
        scope = self.scope()
        if scope.portal and customer_id != self.actor.customer_id:
            raise NotFound(f"customer {customer_id} does not exist")
        customer = self.store.customer(customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return customer

    def create_customer(self, data: CustomerCreate) -> Customer:
        access.require_agent(self.scope(), "create customers")
        if self.store.customer_by_email(data.email):
            raise ConflictError(f"a customer with the email {data.email} exists", field="email")
        if data.organization_id is not None and not self.store.organization(data.organization_id):
            raise ValidationFailed(f"organization {data.organization_id} does not exist",
                                   field="organization_id")
        with self.store.transaction():
            cid = self.store.insert_customer(data.email, data.name, data.organization_id,
                                             data.phone, to_db(self.clock()), data.project_ids)
        return self.store.customer(cid)

    def list_organizations(self) -> list[Organization]:
        access.require_agent(self.scope(), "list organizations")
        return self.store.organizations()

    def create_organization(self, data: OrganizationCreate) -> Organization:
        access.require_agent(self.scope(), "create organizations")
        if any(o.name.lower() == data.name.lower() for o in self.store.organizations()):
            raise ConflictError(f"an organization named {data.name} exists", field="name")
        with self.store.transaction():
            oid = self.store.insert_organization(data.name, data.domain)
        return self.store.organization(oid)

    def list_projects(self) -> list[Project]:
        access.require_agent(self.scope(), "list projects")
        return self.store.projects()

    def create_project(self, data: ProjectCreate) -> Project:
        access.require_agent(self.scope(), "create projects")
        with self.store.transaction():
            pid = self.store.insert_project(data.name, data.organization_id)
        return next(p for p in self.store.projects() if p.id == pid)

    def list_tags(self) -> list[str]:
        return self.store.tag_names()
