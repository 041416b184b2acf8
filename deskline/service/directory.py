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
    EventData,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Page,
    Project,
    ProjectCreate,
    ProjectUpdate,
    Role,
    Tag,
    TimeOff,
)
from deskline.service.base import ServiceBase, _limit, existing
from deskline.store import keyset


class DirectoryUseCases(ServiceBase):

    def list_agents(self) -> list[Agent]:
        agents = [a for a in self.store.agents() if a.role is not Role.portal or
                  self.actor.role is Role.admin]
        if self.actor.role is Role.portal:  # customers see who answers them, nothing more
            return [Agent(id=a.id, email="", name=a.name, role=Role.agent) for a in agents
                    if a.active]
        return agents

    def create_agent(self, data: AgentCreate) -> Agent:
        access.require_admin(self.scope(), "add agents")
        if data.role is Role.portal and data.customer_id is None:
            raise ValidationFailed("a portal account acts as a customer: name it",
                                   field="customer_id")
        with self.store.transaction():
            if self.store.agent_by_email(data.email):
                raise ConflictError(f"an agent with the email {data.email} exists",
                                    field="email")
            name = data.name or data.email.split("@")[0]
            aid = self.store.insert_agent(data.email, name, data.role, data.customer_id)
            self._audit("agent", aid, data.email, "created", [
                EventData(field="name", new=name), EventData(field="role", new=data.role.value)])
        return existing(self.store.agent(aid))

    def set_time_off(self, agent_id: int, periods: Sequence[TimeOff]) -> Agent:
        if agent_id != self.actor.id:
            access.require_admin(self.scope(), "set another agent's time off")
        if self.store.agent(agent_id) is None:
            raise NotFound(f"agent {agent_id} does not exist")
        with self.store.transaction():
            self.store.set_time_off(agent_id, periods)
        return existing(self.store.agent(agent_id))

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
        if data.organization_id is not None and not self.store.organization(data.organization_id):
            raise ValidationFailed(f"organization {data.organization_id} does not exist",
                                   field="organization_id")
        with self.store.transaction():
            if self.store.customer_by_email(data.email):
                raise ConflictError(f"a customer with the email {data.email} exists",
                                    field="email")
            cid = self.store.insert_customer(data.email, data.name, data.organization_id,
                                             data.phone, to_db(self.clock()), data.project_ids)
        return existing(self.store.customer(cid))

    def list_organizations(self) -> list[Organization]:
        access.require_agent(self.scope(), "list organizations")
        return self.store.organizations()

    def create_organization(self, data: OrganizationCreate) -> Organization:
        access.require_agent(self.scope(), "create organizations")
        with self.store.transaction():
            self._check_organization_name(None, data.name)
            oid = self.store.insert_organization(data.name, data.domain)
            self._audit("organization", oid, data.name, "created",
                        self._changes({}, data.model_dump(exclude_none=True)))
        return existing(self.store.organization(oid))

    def _check_organization_name(self, org_id: int | None, name: str) -> None:
        if any(o.name.lower() == name.lower() and o.id != org_id
               for o in self.store.organizations()):
            raise ConflictError(f"an organization named {name} exists", field="name")

    def _organization(self, org_id: int) -> Organization:
        org = self.store.organization(org_id)
        if org is None:
            raise NotFound(f"organization {org_id} does not exist")
        return org

    def update_organization(self, org_id: int, data: OrganizationUpdate) -> Organization:
        access.require_admin(self.scope(), "change organizations")
        values = data.model_dump(exclude_unset=True)
        if values.get("name") is None:
            values.pop("name", None)
        with self.store.transaction():
            org = self._organization(org_id)
            if "name" in values:
                self._check_organization_name(org_id, values["name"])
            changes = self._changes(org.model_dump(), values)
            if changes:
                self.store.update_organization(org_id, values)
                self._audit("organization", org_id, org.name, "changed", changes)
        return existing(self.store.organization(org_id))

    def delete_organization(self, org_id: int) -> None:
        """Only an empty organization: no customers, tickets or projects."""
        access.require_admin(self.scope(), "delete organizations")
        with self.store.transaction():
            org = self._organization(org_id)
            usage = {k: v for k, v in self.store.organization_usage(org_id).items() if v}
            if usage:
                held = ", ".join(f"{v} {k}" for k, v in usage.items())
                raise ConflictError(f"organization {org.name} still has {held}; only an empty "
                                    "organization can be deleted", field="organization_id")
            self.store.delete_organization(org_id)
            self._audit("organization", org_id, org.name, "deleted")

    def list_projects(self) -> list[Project]:
        access.require_agent(self.scope(), "list projects")
        return self.store.projects()

    def create_project(self, data: ProjectCreate) -> Project:
        access.require_agent(self.scope(), "create projects")
        with self.store.transaction():
            if data.organization_id is not None:
                self._organization_field(data.organization_id)
            pid = self.store.insert_project(data.name, data.organization_id)
            self._audit("project", pid, data.name, "created",
                        self._changes({}, data.model_dump(exclude_none=True)))
        return self._project(pid)

    def _organization_field(self, org_id: int) -> None:
        if self.store.organization(org_id) is None:
            raise ValidationFailed(f"organization {org_id} does not exist",
                                   field="organization_id")

    def _project(self, project_id: int) -> Project:
        project = next((p for p in self.store.projects() if p.id == project_id), None)
        if project is None:
            raise NotFound(f"project {project_id} does not exist")
        return project

    def update_project(self, project_id: int, data: ProjectUpdate) -> Project:
        access.require_admin(self.scope(), "change projects")
        values = data.model_dump(exclude_unset=True)
        if values.get("name") is None:
            values.pop("name", None)
        with self.store.transaction():
            project = self._project(project_id)
            if values.get("organization_id") is not None:
                self._organization_field(values["organization_id"])
            changes = self._changes(project.model_dump(), values)
            if changes:
                self.store.update_project(project_id, values)
                self._audit("project", project_id, project.name, "changed", changes)
        return self._project(project_id)

    def delete_project(self, project_id: int) -> None:
        """Only a project no customer belongs to."""
        access.require_admin(self.scope(), "delete projects")
        with self.store.transaction():
            project = self._project(project_id)
            members = self.store.project_usage(project_id)
            if members:
                raise ConflictError(f"{members} customer(s) belong to project {project.name}; "
                                    "only an empty project can be deleted", field="project_id")
            self.store.delete_project(project_id)
            self._audit("project", project_id, project.name, "deleted")

    def list_tags(self) -> list[str]:
        return self.store.tag_names()

    def list_tag_details(self) -> list[Tag]:
        """Every tag with how many tickets carry it."""
        access.require_agent(self.scope(), "list tags")
        return self.store.tags()

    def _tag(self, tag_id: int) -> Tag:
        tag = self.store.tag(tag_id)
        if tag is None:
            raise NotFound(f"tag {tag_id} does not exist")
        return tag

    def rename_tag(self, tag_id: int, name: str) -> Tag:
        """Rename on every ticket; to a name another tag has: merge into it instead."""
        access.require_admin(self.scope(), "rename tags")
        name = " ".join(name.split())
        if not name or len(name) > 100 or "," in name:
            raise ValidationFailed("a tag is 1 to 100 characters, without commas", field="name")
        with self.store.transaction():
            tag = self._tag(tag_id)
            other = self.store.tag_by_name(name)
            if other is not None and other != tag_id:
                raise ConflictError(f"a tag named {name} exists: merge the two instead",
                                    field="name")
            self.store.rename_tag(tag_id, name)
            self.store.refresh_ticket_tags(self.store.tag_ticket_ids(tag_id))
            self._audit("tag", tag_id, tag.name, "renamed",
                        [EventData(field="name", old=tag.name, new=name)])
        return self._tag(tag_id)

    def merge_tags(self, source_id: int, target_id: int) -> Tag:
        """Every ticket tagged `source` is tagged `target` instead; `source` goes."""
        access.require_admin(self.scope(), "merge tags")
        if source_id == target_id:
            raise ValidationFailed("choose two different tags", field="target_id")
        with self.store.transaction():
            source, target = self._tag(source_id), self._tag(target_id)
            tickets = self.store.tag_ticket_ids(source_id)
            self.store.merge_tag(source_id, target_id)
            self.store.refresh_ticket_tags(tickets)
            self._audit("tag", target_id, target.name, "merged", [EventData(
                field="merged", old=source.name, new=target.name),
                EventData(field="tickets", new=str(len(tickets)))])
        return self._tag(target_id)

    def delete_tag(self, tag_id: int) -> None:
        """Take the tag off every ticket and forget it."""
        access.require_admin(self.scope(), "delete tags")
        with self.store.transaction():
            tag = self._tag(tag_id)
            tickets = self.store.tag_ticket_ids(tag_id)
            self.store.delete_tag(tag_id)
            self.store.refresh_ticket_tags(tickets)
            self._audit("tag", tag_id, tag.name, "deleted",
                        [EventData(field="tickets", old=str(len(tickets)))])
