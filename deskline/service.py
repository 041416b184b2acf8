"""Use cases of the helpdesk, each one transaction with its chatter event and outbox mail.

A `Service` acts for one actor (an agent, an admin or a portal account); every read and
write is narrowed by that actor's `Scope`. The SQLite backend and the HTTP server both go
through this class, so a rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db, utcnow
from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    MERGE_FIELDS,
    PRIORITY_LABELS,
    Agent,
    AgentCreate,
    BoardColumn,
    BoardFilter,
    Customer,
    CustomerCreate,
    EventData,
    FieldValues,
    MailTemplate,
    MailTemplateCreate,
    MergePreview,
    MergeRequest,
    Message,
    MessageKind,
    Organization,
    OrganizationCreate,
    Page,
    PairScore,
    Project,
    ProjectCreate,
    Role,
    SearchHit,
    SlaPolicy,
    SlaPolicyCreate,
    SplitRequest,
    Stage,
    StageCreate,
    StageUpdate,
    Team,
    TeamCreate,
    TeamFigures,
    TeamUpdate,
    Ticket,
    TicketCard,
    TicketCreate,
    TicketUpdate,
    TimeOff,
)
from deskline.rules import assignment, mentions, similarity, sla, templates
from deskline.service_io import ServiceIo
from deskline.store import keyset
from deskline.store.sqlite import SqliteStore

MAX_PAGE = 200


def _limit(limit: int) -> int:
    if limit < 1 or limit > MAX_PAGE:
        raise ValidationFailed(f"a page holds 1 to {MAX_PAGE} items", field="limit")
    return limit


def snippet(text: str, query: str, width: int = 100) -> str:
    """One line of `text` around the first word of `query` it contains."""
    flat = " ".join(text.split())
    lower = flat.lower()
    at = -1
    for word in query.lower().split():
        at = lower.find(word.strip("#"))
        if at >= 0:
            break
    start = max(0, at - width // 3) if at >= 0 else 0
    piece = flat[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


class Service(ServiceIo):
    def __init__(self, store: SqliteStore, actor: Agent,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.actor = actor
        self.clock = clock

    # --- who and what is visible ------------------------------------------------------

    def scope(self) -> Scope:
        return access.scope_for(self.actor, self.store.teams())

    def me(self) -> Agent:
        return self.actor

    def _ticket(self, scope: Scope, ticket_id: int) -> Ticket:
        ticket = self.store.ticket(scope, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return ticket

    def _team(self, scope: Scope, team_id: int, field: str | None = None) -> Team:
        team = self.store.team(team_id)
        if team is None or not access.team_visible(scope, team_id):
            if field:
                raise ValidationFailed(f"team {team_id} does not exist", field=field)
            raise NotFound(f"team {team_id} does not exist")
        return team

    def _check_version(self, ticket: Ticket, version: int) -> None:
        if ticket.version != version:
            raise ConflictError(
                f"ticket #{ticket.number} was changed by someone else (you saw version "
                f"{version}, it is now {ticket.version}); reload it and try again",
                current_version=ticket.version,
            )

    def _write(self, ticket: Ticket, version: int, values: dict) -> None:
        self._check_version(ticket, version)
        values.setdefault("updated_at", to_db(self.clock()))
        if not self.store.update_ticket(ticket.id, version, values):
            raise ConflictError(f"ticket #{ticket.number} was changed by someone else; reload it",
                                current_version=None)

    def _event(self, ticket_id: int, changes: Sequence[EventData], body: str = "") -> int:
        body = body or "; ".join(f"{e.field}: {e.old or '—'} → {e.new or '—'}" for e in changes)
        now = to_db(self.clock())
        agent_id = None if self.actor.role is Role.portal else self.actor.id
        customer_id = self.actor.customer_id if self.actor.role is Role.portal else None
        mid = self.store.insert_message(ticket_id, MessageKind.event, body, now,
                                        agent_id=agent_id, customer_id=customer_id,
                                        events=changes)
        self.store.touch(ticket_id, now, 1)
        return mid

    # --- directory -----------------------------------------------------------------------

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

    # --- teams, stages, templates, SLA policies --------------------------------------

    def list_teams(self) -> list[Team]:
        scope = self.scope()
        return [t for t in self.store.teams() if access.team_visible(scope, t.id)]

    def get_team(self, team_id: int) -> Team:
        return self._team(self.scope(), team_id)

    def _check_team_refs(self, data: TeamCreate | TeamUpdate) -> None:
        agents = {a.id: a for a in self.store.agents()}
        for key in ("member_ids", "follower_ids"):
            for aid in getattr(data, key) or []:
                if aid not in agents or agents[aid].role is Role.portal:
                    raise ValidationFailed(f"agent {aid} does not exist", field=key)
        stage_ids = {s.id for s in self.store.stages()}
        for sid in data.stage_ids or []:
            if sid not in stage_ids:
                raise ValidationFailed(f"stage {sid} does not exist", field="stage_ids")

    def create_team(self, data: TeamCreate) -> Team:
        access.require_admin(self.scope(), "create teams")
        self._check_team_refs(data)
        if any(t.name.lower() == data.name.lower() for t in self.store.teams()):
            raise ConflictError(f"a team named {data.name} exists", field="name")
        with self.store.transaction():
            tid = self.store.save_team(None, data.model_dump(mode="json"))
        return self.store.team(tid)

    def update_team(self, team_id: int, data: TeamUpdate) -> Team:
        access.require_admin(self.scope(), "change teams")
        self._team(self.scope(), team_id)
        self._check_team_refs(data)
        values = data.model_dump(mode="json", exclude_unset=True)
        if "name" in values and any(t.name.lower() == values["name"].lower() and t.id != team_id
                                    for t in self.store.teams()):
            raise ConflictError(f"a team named {values['name']} exists", field="name")
        with self.store.transaction():
            self.store.save_team(team_id, values)
        return self.store.team(team_id)

    def list_stages(self, team_id: int | None = None) -> list[Stage]:
        if team_id is not None:
            self._team(self.scope(), team_id)
        return self.store.stages(team_id)

    def create_stage(self, data: StageCreate) -> Stage:
        access.require_admin(self.scope(), "create stages")
        self._check_stage_refs(data.team_ids, data.template_id)
        with self.store.transaction():
            sequence = data.sequence if data.sequence is not None else \
                self.store.next_stage_sequence()
            sid = self.store.insert_stage(data.name, sequence, data.closing, data.template_id)
            self.store.update_stage(sid, {"team_ids": data.team_ids})
        return self.store.stage(sid)

    def _check_stage_refs(self, team_ids: Iterable[int] | None, template_id: int | None) -> None:
        known = {t.id for t in self.store.teams()}
        for tid in team_ids or []:
            if tid not in known:
                raise ValidationFailed(f"team {tid} does not exist", field="team_ids")
        if template_id is not None and self.store.template(template_id) is None:
            raise ValidationFailed(f"template {template_id} does not exist", field="template_id")

    def update_stage(self, stage_id: int, data: StageUpdate) -> Stage:
        access.require_admin(self.scope(), "change stages")
        if self.store.stage(stage_id) is None:
            raise NotFound(f"stage {stage_id} does not exist")
        self._check_stage_refs(data.team_ids, data.template_id)
        values = data.model_dump(exclude_unset=True)
        with self.store.transaction():
            self.store.update_stage(stage_id, values)
            if "closing" in values:
                self._reclose_stage(stage_id, bool(values["closing"]))
        return self.store.stage(stage_id)

    def _reclose_stage(self, stage_id: int, closing: bool) -> None:
        """A stage newly marked closing closes its tickets; unmarked, it reopens them."""
        now = to_db(self.clock())
        if closing:
            self.store.conn.execute(
                "UPDATE tickets SET closed_at = coalesce(closed_at, ?), is_open = 0"
                " WHERE stage_id = ?", (now, stage_id))
        else:
            self.store.conn.execute(
                "UPDATE tickets SET closed_at = NULL, is_open = (archived = 0 AND merged_into"
                " IS NULL) WHERE stage_id = ?", (stage_id,))

    def reorder_stages(self, stage_ids: Sequence[int]) -> list[Stage]:
        access.require_admin(self.scope(), "reorder stages")
        known = {s.id for s in self.store.stages()}
        if set(stage_ids) != known or len(stage_ids) != len(known):
            raise ValidationFailed("name every stage exactly once, in the new order",
                                   field="stage_ids")
        with self.store.transaction():
            for position, sid in enumerate(stage_ids, start=1):
                self.store.update_stage(sid, {"sequence": position * 10})
        return self.store.stages()

    def delete_stage(self, stage_id: int) -> None:
        access.require_admin(self.scope(), "delete stages")
        if self.store.stage(stage_id) is None:
            raise NotFound(f"stage {stage_id} does not exist")
        if self.store.stage_ticket_count(stage_id):
            raise ConflictError("the stage still holds tickets; move them first")
        with self.store.transaction():
            self.store.conn.execute("DELETE FROM stages WHERE id = ?", (stage_id,))

    def create_template(self, data: MailTemplateCreate) -> MailTemplate:
        access.require_admin(self.scope(), "create mail templates")
        for field in ("subject", "body"):
            try:
                templates.check_template(getattr(data, field))
            except templates.TemplateError as exc:
                raise ValidationFailed(str(exc), field=field) from exc
        with self.store.transaction():
            tid = self.store.insert_template(data.name, data.subject, data.body)
        return self.store.template(tid)

    def list_sla_policies(self, team_id: int) -> list[SlaPolicy]:
        self._team(self.scope(), team_id)
        return self.store.sla_policies(team_id)

    def create_sla_policy(self, data: SlaPolicyCreate) -> SlaPolicy:
        scope = self.scope()
        access.require_admin(scope, "create SLA policies")
        team = self._team(scope, data.team_id, field="team_id")
        if data.target_stage_id not in team.stage_ids:
            raise ValidationFailed("the target stage is not one of the team's stages",
                                   field="target_stage_id")
        with self.store.transaction():
            pid = self.store.insert_sla_policy(data.model_dump())
        return next(p for p in self.store.sla_policies(data.team_id) if p.id == pid)

    # --- dashboard and board ---------------------------------------------------------

    def refresh_sla(self) -> int:
        """Fail the SLA clocks whose deadline passed; how many tickets changed."""
        now = to_db(self.clock())
        due = self.store.conn.execute(
            "SELECT 1 FROM ticket_slas WHERE status = 'ongoing' AND deadline < ? LIMIT 1", (now,)
        ).fetchone()
        if not due:
            return 0
        with self.store.transaction():
            return len(self.store.fail_overdue_slas(now))

    def dashboard(self) -> list[TeamFigures]:
        scope = self.scope()
        access.require_agent(scope, "see the dashboard")
        self.refresh_sla()
        teams = [t for t in self.store.teams() if access.team_visible(scope, t.id)]
        figures = self.store.team_figures(scope, [t.id for t in teams])
        return [
            TeamFigures(team_id=t.id, team_name=t.name,
                        **dict(zip(("open", "unassigned", "mine", "urgent", "sla_failed"),
                                   figures.get(t.id, (0, 0, 0, 0, 0)), strict=True)))
            for t in teams
        ]

    def my_tickets(self, cursor: str | None = None, limit: int = 50) -> Page[TicketCard]:
        scope = self.scope()
        after = tuple(keyset.decode(cursor, 2)) if cursor else None
        items = self.store.assigned_page(scope, self.actor.id, True, after, _limit(limit) + 1)
        return self._page(items, limit, lambda c: (to_db(c.created_at), c.id))

    @staticmethod
    def _page(items: list, limit: int, key: Callable) -> Page:
        more = len(items) > limit
        items = items[:limit]
        return Page(items=items, next_cursor=keyset.encode(*key(items[-1])) if more else None)

    def board_columns(self, team_id: int, filter: BoardFilter | None = None) -> list[BoardColumn]:
        scope = self.scope()
        self._team(scope, team_id)
        counts = self.store.column_counts(scope, team_id, filter)
        return [BoardColumn(stage=s, count=counts.get(s.id, 0))
                for s in self.store.stages(team_id)]

    def board_page(self, team_id: int, stage_id: int, filter: BoardFilter | None = None,
                   cursor: str | None = None, limit: int = 50) -> Page[TicketCard]:
        scope = self.scope()
        self._team(scope, team_id)
        after = tuple(keyset.decode(cursor, 3)) if cursor else None
        items = self.store.column_page(scope, team_id, stage_id, filter, after, _limit(limit) + 1)
        return self._page(items, limit, lambda c: (c.priority, to_db(c.created_at), c.id))

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        scope = self.scope()
        if not text.strip():
            return []
        found = self.store.search_ids(scope, text, _limit(limit))
        cards = {c.id: c for c in self.store.cards(scope, [tid for tid, _, _ in found])}
        return [SearchHit(ticket=cards[tid], matched=how, snippet=snippet(source, text))
                for tid, how, source in found if tid in cards]

    # --- tickets: reading ------------------------------------------------------------

    def get_ticket(self, ticket_id: int) -> Ticket:
        return self._ticket(self.scope(), ticket_id)

    def visible_ticket_ids(self, ticket_ids: Iterable[int]) -> set[int]:
        """Which of these tickets the actor may see (the server filters live events by it)."""
        return {c.id for c in self.store.cards(self.scope(), list(dict.fromkeys(ticket_ids)))}

    def get_ticket_by_number(self, number: int) -> Ticket:
        tid = self.store.ticket_id_by_number(number)
        if tid is None:
            raise NotFound(f"ticket #{number} does not exist")
        try:
            return self._ticket(self.scope(), tid)
        except NotFound:
            raise NotFound(f"ticket #{number} does not exist") from None

    def ticket_messages(self, ticket_id: int, cursor: str | None = None,
                        limit: int = 50) -> Page[Message]:
        scope = self.scope()
        self._ticket(scope, ticket_id)
        after = keyset.decode(cursor, 1)[0] if cursor else None
        items = self.store.messages_page(scope, ticket_id, after, _limit(limit) + 1)
        return self._page(items, limit, lambda m: (m.id,))

    # --- tickets: writing ------------------------------------------------------------

    def _assignable(self, agent_id: int, field: str = "assignee_id") -> Agent:
        agent = self.store.agent(agent_id)
        if agent is None or agent.role is Role.portal or not agent.active:
            raise ValidationFailed(f"agent {agent_id} does not exist or cannot take tickets",
                                   field=field)
        return agent

    def _auto_assignee(self, team: Team) -> int | None:
        if team.assignment.value == "manual" or not team.member_ids:
            return None
        agents = {a.id: a for a in self.store.agents(team.member_ids)}
        loads = self.store.team_loads(team.id, team.member_ids)
        candidates = [
            assignment.Candidate(agent_id=aid, total=loads.get(aid, (0, 0))[0],
                                 open=loads.get(aid, (0, 0))[1],
                                 time_off=tuple(agents[aid].time_off))
            for aid in team.member_ids
            if aid in agents and agents[aid].active and agents[aid].role is not Role.portal
        ]
        return assignment.choose_assignee(team.assignment, candidates, self.clock())

    def create_ticket(self, data: TicketCreate, *, customer_id: int | None = None) -> Ticket:
        """Open a ticket. `customer_id` lets mail intake name the sender as the customer."""
        scope = self.scope()
        team = self._team(scope, data.team_id, field="team_id")
        if not team.stage_ids:
            raise ValidationFailed(f"team {team.name} has no stages yet", field="team_id")
        stage_id = data.stage_id if data.stage_id is not None else team.stage_ids[0]
        if stage_id not in team.stage_ids:
            raise ValidationFailed(f"stage {stage_id} is not a stage of team {team.name}",
                                   field="stage_id")
        customer_id = customer_id if customer_id is not None else data.customer_id
        if scope.portal:
            if data.assignee_id is not None or data.stage_id is not None:
                raise PermissionDenied("a customer account cannot set the assignee or stage")
            customer_id = self.actor.customer_id
        customer = None
        if customer_id is not None:
            customer = self.store.customer(customer_id)
            if customer is None:
                raise ValidationFailed(f"customer {customer_id} does not exist",
                                       field="customer_id")
        if data.assignee_id is not None:
            self._assignable(data.assignee_id)
        stage = self.store.stage(stage_id)
        now = self.clock()
        with self.store.transaction():
            assignee = data.assignee_id if data.assignee_id is not None else \
                self._auto_assignee(team)
            closing = stage.closing
            tid = self.store.insert_ticket({
                "number": self.store.next_number(), "subject": data.subject,
                "description": data.description, "team_id": team.id, "stage_id": stage_id,
                "assignee_id": assignee, "customer_id": customer_id,
                "organization_id": customer.organization_id if customer else None,
                "priority": data.priority, "channel": data.channel.value,
                "created_at": to_db(now), "updated_at": to_db(now),
                "closed_at": to_db(now) if closing else None, "is_open": int(not closing),
            })
            tags = list(dict.fromkeys(t for t in data.tags if t))
            if tags:
                self.store.set_tags(tid, self.store.tag_ids(tags), tags)
            followers = {assignee} if assignee else set()
            if not scope.portal:
                followers.add(self.actor.id)
            for aid in followers:
                self.store.set_follower(tid, aid, True)
            changes = [EventData(field="stage", new=stage.name)]
            if assignee:
                changes.append(EventData(field="assignee", new=self.store.agent(assignee).name))
            self._event(tid, changes, body="Ticket created")
            self._apply_slas(tid, team, stage_id, data.priority, tags, customer_id, now)
            self._stage_mail(tid, stage)
        return self._ticket(scope, tid)

    def update_ticket(self, ticket_id: int, version: int, data: TicketUpdate) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "edit tickets")
        values = data.model_dump(exclude_unset=True)
        changes: list[EventData] = []
        columns: dict = {}
        team = None
        for field in ("subject", "description"):
            if field in values and values[field] != getattr(ticket, field):
                columns[field] = values[field]
                changes.append(EventData(field=field, old=getattr(ticket, field),
                                         new=values[field]) if field == "subject"
                               else EventData(field=field))
        if "priority" in values and values["priority"] != ticket.priority:
            if values["priority"] is None:
                raise ValidationFailed("priority cannot be empty", field="priority")
            columns["priority"] = values["priority"]
            changes.append(EventData(field="priority", old=PRIORITY_LABELS[ticket.priority],
                                     new=PRIORITY_LABELS[values["priority"]]))
        if "customer_id" in values and values["customer_id"] != ticket.customer_id:
            customer = None
            if values["customer_id"] is not None:
                customer = self.store.customer(values["customer_id"])
                if customer is None:
                    raise ValidationFailed(f"customer {values['customer_id']} does not exist",
                                           field="customer_id")
            columns["customer_id"] = values["customer_id"]
            columns.setdefault("organization_id", customer.organization_id if customer else None)
            changes.append(EventData(field="customer", old=ticket.customer_name,
                                     new=(customer.name or customer.email) if customer else None))
        if "organization_id" in values and values["organization_id"] != ticket.organization_id:
            org_id = values["organization_id"]
            if org_id is not None and self.store.organization(org_id) is None:
                raise ValidationFailed(f"organization {org_id} does not exist",
                                       field="organization_id")
            columns["organization_id"] = org_id
            changes.append(EventData(field="organization",
                                     new=self.store.organization(org_id).name if org_id else None))
        if "team_id" in values and values["team_id"] != ticket.team_id:
            if values["team_id"] is None:
                raise ValidationFailed("a ticket belongs to a team", field="team_id")
            team = self._team(scope, values["team_id"], field="team_id")
            if not team.stage_ids:
                raise ValidationFailed(f"team {team.name} has no stages", field="team_id")
            columns["team_id"] = team.id
            changes.append(EventData(field="team", old=ticket.team_name, new=team.name))
            if ticket.stage_id not in team.stage_ids:
                columns["stage_id"] = team.stage_ids[0]
                changes.append(EventData(field="stage", old=ticket.stage_name,
                                         new=self.store.stage(team.stage_ids[0]).name))
        new_tags = None
        if "tags" in values:
            new_tags = list(dict.fromkeys(t.strip() for t in values["tags"] or [] if t.strip()))
            if new_tags == ticket.tags:
                new_tags = None
            else:
                changes.append(EventData(field="tags", old=", ".join(ticket.tags) or None,
                                         new=", ".join(new_tags) or None))
        if not changes:
            self._check_version(ticket, version)
            return ticket
        now = self.clock()
        with self.store.transaction():
            self._write(ticket, version, columns)
            if new_tags is not None:
                self.store.set_tags(ticket.id, self.store.tag_ids(new_tags), new_tags)
            if team is not None and team.assignment.value != "manual" and \
                    ticket.assignee_id not in team.member_ids:
                assignee = self._auto_assignee(team)
                if assignee != ticket.assignee_id:
                    self.store.update_ticket(ticket.id, None, {"assignee_id": assignee})
                    changes.append(EventData(field="assignee", old=ticket.assignee_name,
                                             new=self.store.agent(assignee).name
                                             if assignee else None))
                    if assignee:
                        self.store.set_follower(ticket.id, assignee, True)
            self._event(ticket.id, changes)
            if {"priority", "customer_id", "team_id"} & columns.keys() or new_tags is not None:
                fresh = self._ticket(scope, ticket.id)
                self._apply_slas(ticket.id, self.store.team(fresh.team_id), fresh.stage_id,
                                 fresh.priority, fresh.tags, fresh.customer_id, now,
                                 keep=self.store.sla_rows(ticket.id))
        return self._ticket(scope, ticket.id)

    def move_ticket(self, ticket_id: int, version: int, stage_id: int) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "move tickets")
        team = self.store.team(ticket.team_id)
        if stage_id not in team.stage_ids:
            raise ValidationFailed(f"stage {stage_id} is not a stage of team {team.name}",
                                   field="stage_id")
        if stage_id == ticket.stage_id:
            self._check_version(ticket, version)
            return ticket
        stage = self.store.stage(stage_id)
        now = self.clock()
        with self.store.transaction():
            self._write(ticket, version, {
                "stage_id": stage_id,
                "closed_at": (to_db(ticket.closed_at or now)) if stage.closing else None,
                "is_open": int(not stage.closing and not ticket.archived
                               and ticket.merged_into is None),
            })
            self._event(ticket.id, [EventData(field="stage", old=ticket.stage_name,
                                              new=stage.name)])
            self._advance_slas(ticket.id, team, stage, now)
            self._stage_mail(ticket.id, stage)
            if stage.closing and ticket.closed_at is None:
                self._rating_request(ticket.id)  # service_io: teams with ratings on
        return self._ticket(scope, ticket.id)

    def assign_ticket(self, ticket_id: int, version: int, agent_id: int | None) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "assign tickets")
        name = self._assignable(agent_id).name if agent_id is not None else None
        if agent_id == ticket.assignee_id:
            self._check_version(ticket, version)
            return ticket
        with self.store.transaction():
            self._write(ticket, version, {"assignee_id": agent_id})
            if agent_id is not None:
                self.store.set_follower(ticket.id, agent_id, True)
            self._event(ticket.id, [EventData(field="assignee", old=ticket.assignee_name,
                                              new=name)])
        return self._ticket(scope, ticket.id)

    def assign_to_me(self, ticket_id: int, version: int) -> Ticket:
        return self.assign_ticket(ticket_id, version, self.actor.id)

    def follow_ticket(self, ticket_id: int, following: bool = True) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        with self.store.transaction():
            self.store.set_follower(ticket.id, self.actor.id, following)
        return self._ticket(scope, ticket.id)

    def archive_ticket(self, ticket_id: int, version: int, archived: bool = True) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "archive tickets")
        if ticket.archived == archived:
            self._check_version(ticket, version)
            return ticket
        if not archived and ticket.merged_into is not None:
            raise ConflictError(f"ticket #{ticket.number} was merged; open the ticket it was "
                                "merged into instead")
        with self.store.transaction():
            self._write(ticket, version, {
                "archived": int(archived),
                "is_open": int(not archived and ticket.closed_at is None),
            })
            self._event(ticket.id, [EventData(field="archived", old=str(not archived).lower(),
                                              new=str(archived).lower())])
        return self._ticket(scope, ticket.id)

    def delete_ticket(self, ticket_id: int, version: int) -> None:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "delete tickets")
        self._check_version(ticket, version)
        with self.store.transaction():
            self.store.delete_ticket(ticket.id)

    def reply(self, ticket_id: int, body: str) -> Message:
        """A public answer; mailed to the customer through the outbox."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        body = body.strip()
        if not body:
            raise ValidationFailed("the reply is empty", field="body")
        now = to_db(self.clock())
        with self.store.transaction():
            if scope.portal:
                mid = self.store.insert_message(ticket.id, MessageKind.reply, body, now,
                                                customer_id=self.actor.customer_id)
            else:
                mid = self.store.insert_message(ticket.id, MessageKind.reply, body, now,
                                                agent_id=self.actor.id)
                if ticket.customer_email:
                    self.store.queue_mail(
                        ticket_id=ticket.id, message_id=mid, kind="reply",
                        to_addr=ticket.customer_email,
                        subject=f"Re: [#{ticket.number}] {ticket.subject}", body=body,
                        created_at=now)
            self.store.touch(ticket.id, now, 1)
        return self._message(scope, ticket.id, mid)

    def comment(self, ticket_id: int, body: str) -> Message:
        """An internal note; `@mentions` resolve to agents, who then follow the ticket."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "write internal comments")
        body = body.strip()
        if not body:
            raise ValidationFailed("the comment is empty", field="body")
        mentioned = mentions.find_mentions(body, self.store.agents())
        now = to_db(self.clock())
        with self.store.transaction():
            mid = self.store.insert_message(ticket.id, MessageKind.comment, body, now,
                                            agent_id=self.actor.id)
            self.store.insert_mentions(mid, mentioned)
            for aid in mentioned:
                self.store.set_follower(ticket.id, aid, True)
            self.store.touch(ticket.id, now, 1)
        return self._message(scope, ticket.id, mid)

    def _message(self, scope: Scope, ticket_id: int, message_id: int) -> Message:
        page = self.store.messages_page(scope, ticket_id, message_id - 1, 1)
        return page[0]

    # --- SLA clocks and stage mail -----------------------------------------------------

    def _apply_slas(self, ticket_id: int, team: Team, stage_id: int, priority: int,
                    tags: Sequence[str], customer_id: int | None, now: datetime,
                    keep: Sequence[tuple] = ()) -> None:
        """Start clocks for the team's matching policies; keep finished or still-matching ones."""
        kept = {row[0]: row for row in keep}
        rows = []
        stage_seq = {s.id: s.sequence for s in self.store.stages(team.id)}
        for policy in self.store.sla_policies(team.id):
            old = kept.get(policy.id)
            if old is not None and (old[1] != "ongoing" or
                                    sla.policy_applies(policy, priority, tags, customer_id)):
                rows.append(old[:6])
                continue
            if not sla.policy_applies(policy, priority, tags, customer_id):
                continue
            reached = stage_seq.get(stage_id, 0) >= stage_seq.get(policy.target_stage_id, 1 << 30)
            if reached:
                rows.append((policy.id, "reached", None, 0.0, None, to_db(now)))
            elif stage_id in policy.excluded_stage_ids:
                rows.append((policy.id, "ongoing", None, 0.0, None, None))
            else:
                deadline = sla.add_working_hours(now, policy.hours, team.calendar)
                rows.append((policy.id, "ongoing", to_db(deadline), 0.0, to_db(now), None))
        for old in keep:
            if old[0] not in {r[0] for r in rows} and old[1] != "ongoing":
                rows.append(old[:6])
        self.store.replace_sla_rows(ticket_id, rows)

    def _advance_slas(self, ticket_id: int, team: Team, stage: Stage, now: datetime) -> None:
        """After a move: reach targets, pause in excluded stages, resume when leaving them."""
        current = self.store.sla_rows(ticket_id)
        if not current:
            return
        policies = {p.id: p for p in self.store.sla_policies(team.id)}
        stage_seq = {s.id: s.sequence for s in self.store.stages(team.id)}
        rows = []
        for row in current:
            policy_id, status, deadline, spent, running, _reached_at = row
            policy = policies.get(policy_id)
            if policy is None or status != "ongoing":
                rows.append(row)
                continue
            used = spent + (sla.working_hours_between(datetime.fromisoformat(running), now,
                                                      team.calendar) if running else 0.0)
            if stage.sequence >= stage_seq.get(policy.target_stage_id, 1 << 30):
                if deadline is not None:
                    outcome = sla.status_on_reach(datetime.fromisoformat(deadline), now).value
                else:  # reached while paused: judge by the working hours used
                    outcome = "reached" if used <= policy.hours else "failed"
                rows.append((policy_id, outcome, deadline, used, None, to_db(now)))
            elif stage.id in policy.excluded_stage_ids:
                rows.append((policy_id, "ongoing", None, used, None, None))
            elif running is None:  # leaving an excluded stage: the clock runs again
                deadline = sla.add_working_hours(now, max(policy.hours - used, 0.0),
                                                 team.calendar)
                rows.append((policy_id, "ongoing", to_db(deadline), used, to_db(now), None))
            else:
                rows.append(row)
        self.store.replace_sla_rows(ticket_id, rows)

    def _stage_mail(self, ticket_id: int, stage: Stage) -> None:
        """Queue the stage's template for the customer, rendered now."""
        if stage.template_id is None:
            return
        template = self.store.template(stage.template_id)
        ticket = self.store.ticket(self._system_scope(), ticket_id)
        if template is None or ticket is None or not ticket.customer_email:
            return
        customer = self.store.customer(ticket.customer_id)
        context = {
            "ticket": ticket.model_dump(),
            "customer": {**customer.model_dump(), "first_name": (customer.name.split() or [""])[0]},
            "team": {"name": ticket.team_name},
            "stage": stage.model_dump(),
            "agent": {"name": ticket.assignee_name or ""},
        }
        self.store.queue_mail(
            ticket_id=ticket_id, message_id=None, kind="stage_template",
            to_addr=ticket.customer_email,
            subject=f"[#{ticket.number}] " + templates.render_template(template.subject, context),
            body=templates.render_template(template.body, context),
            created_at=to_db(self.clock()))

    def _system_scope(self) -> Scope:
        return Scope(agent_id=0, role=Role.admin, all_teams=True, team_ids=frozenset(),
                     public_team_ids=frozenset(), customer_id=None)

    # --- merge and split -----------------------------------------------------------------

    def _field_value(self, ticket: Ticket, field: str) -> str | None:
        shown = {
            "customer_id": ticket.customer_name or ticket.customer_email,
            "assignee_id": ticket.assignee_name,
            "priority": PRIORITY_LABELS[ticket.priority],
            "stage_id": ticket.stage_name,
            "team_id": ticket.team_name,
        }
        if field in shown:
            return shown[field]
        return getattr(ticket, field)

    def merge_preview(self, ticket_ids: Sequence[int]) -> MergePreview:
        scope = self.scope()
        access.require_agent(scope, "merge tickets")
        ids = list(dict.fromkeys(ticket_ids))
        if len(ids) < 2:
            raise ValidationFailed("choose at least two different tickets to merge",
                                   field="ticket_ids")
        tickets = [self._ticket(scope, i) for i in ids]
        pairs = [PairScore(a=a.id, b=b.id, score=similarity.similarity(a, b))
                 for n, a in enumerate(tickets) for b in tickets[n + 1:]]
        fields = []
        for field in MERGE_FIELDS:
            values = {t.id: self._field_value(t, field) for t in tickets}
            fields.append(FieldValues(field=field, values=values,
                                      differs=len(set(values.values())) > 1))
        return MergePreview(tickets=tickets, pairs=pairs, fields=fields,
                            message_count=sum(t.message_count for t in tickets))

    def merge(self, request: MergeRequest) -> Ticket:
        scope = self.scope()
        access.require_agent(scope, "merge tickets")
        sources = list(dict.fromkeys(request.source_ids))
        if request.target_id in sources:
            raise ValidationFailed("a ticket cannot be merged into itself", field="source_ids")
        target = self._ticket(scope, request.target_id)
        tickets = {target.id: target} | {s: self._ticket(scope, s) for s in sources}
        for t in tickets.values():
            if t.merged_into is not None:
                raise ConflictError(f"ticket #{t.number} was already merged into another ticket")
            if t.id not in request.versions:
                raise ValidationFailed(f"the version you saw of ticket #{t.number} is missing",
                                       field="versions")
            self._check_version(t, request.versions[t.id])
        columns: dict = {}
        changes: list[EventData] = []
        for field, chosen in request.choices.items():
            if field not in MERGE_FIELDS:
                raise ValidationFailed(f"{field} cannot be chosen in a merge", field="choices")
            if chosen not in tickets:
                raise ValidationFailed(f"ticket {chosen} is not part of this merge",
                                       field="choices")
            value = getattr(tickets[chosen], field)
            if value != getattr(target, field):
                columns[field] = value
                changes.append(EventData(field=field.removesuffix("_id"),
                                         old=self._field_value(target, field),
                                         new=self._field_value(tickets[chosen], field)))
        team_id = columns.get("team_id", target.team_id)
        team = self._team(scope, team_id, field="choices")
        stage_id = columns.get("stage_id", target.stage_id)
        if stage_id not in team.stage_ids:
            stage_id = team.stage_ids[0]
        if stage_id != target.stage_id:
            stage = self.store.stage(stage_id)
            columns["stage_id"] = stage_id
            columns["closed_at"] = to_db(self.clock()) if stage.closing else None
            columns["is_open"] = int(not stage.closing and not target.archived)
        if "customer_id" in columns:
            customer = self.store.customer(columns["customer_id"]) if columns["customer_id"] \
                else None
            columns["organization_id"] = customer.organization_id if customer else None
        now = to_db(self.clock())
        with self.store.transaction():
            for sid in sources:
                source = tickets[sid]
                kept = [EventData(field=f.removesuffix("_id"), old=self._field_value(source, f))
                        for f in MERGE_FIELDS] + [EventData(field="tags",
                                                            old=", ".join(source.tags) or None)]
                self._event(target.id, kept, body=f"Merged #{source.number} into this ticket; "
                            f"its original values are kept here")
            self._write(target, request.versions[target.id], columns)
            if changes:
                self._event(target.id, changes)
            self.store.move_messages(None, sources, target.id)
            tags = list(dict.fromkeys(tag for t in tickets.values() for tag in t.tags))
            if tags != target.tags:
                self.store.set_tags(target.id, self.store.tag_ids(tags), tags)
            for aid in {a for t in tickets.values() for a in t.follower_ids}:
                self.store.set_follower(target.id, aid, True)
            for sid in sources:
                source = tickets[sid]
                self._write(source, request.versions[sid], {
                    "merged_into": target.id, "archived": 1, "is_open": 0, "updated_at": now})
                self._event(sid, [EventData(field="merged_into", new=f"#{target.number}")],
                            body=f"Merged into #{target.number}")
            self.store.recount_messages([target.id, *sources])
        return self._ticket(scope, target.id)

    def split(self, ticket_id: int, request: SplitRequest) -> Ticket:
        scope = self.scope()
        access.require_agent(scope, "split tickets")
        ticket = self._ticket(scope, ticket_id)
        chosen = list(dict.fromkeys(request.message_ids))
        found = self.store.message_rows(ticket.id, chosen)
        missing = set(chosen) - set(found)
        if missing:
            raise ValidationFailed(f"messages {sorted(missing)} are not part of ticket "
                                   f"#{ticket.number}", field="message_ids")
        left = self.store.conn.execute(
            "SELECT count(*) FROM messages WHERE ticket_id = ? AND kind != 'event'"
            f" AND id NOT IN ({','.join(str(int(i)) for i in chosen)})", (ticket.id,),
        ).fetchone()[0]
        if left == 0:
            raise ValidationFailed("splitting every message away would leave an empty ticket; "
                                   "keep at least one reply or comment", field="message_ids")
        self._check_version(ticket, request.version)
        team = self.store.team(ticket.team_id)
        now = self.clock()
        with self.store.transaction():
            self._write(ticket, request.version, {})
            new_id = self.store.insert_ticket({
                "number": self.store.next_number(),
                "subject": request.subject or f"Split from #{ticket.number}: {ticket.subject}",
                "description": "", "team_id": ticket.team_id, "stage_id": team.stage_ids[0],
                "assignee_id": ticket.assignee_id, "customer_id": ticket.customer_id,
                "organization_id": ticket.organization_id, "priority": ticket.priority,
                "channel": ticket.channel.value, "created_at": to_db(now),
                "updated_at": to_db(now), "split_from": ticket.id,
            })
            if ticket.tags:
                self.store.set_tags(new_id, self.store.tag_ids(ticket.tags), ticket.tags)
            for aid in ticket.follower_ids:
                self.store.set_follower(new_id, aid, True)
            self.store.move_messages(chosen, [ticket.id], new_id)
            new_number = self.store.conn.execute(
                "SELECT number FROM tickets WHERE id = ?", (new_id,)).fetchone()[0]
            self._event(new_id, [EventData(field="split_from", new=f"#{ticket.number}")],
                        body=f"Split from #{ticket.number}")
            self._event(ticket.id, [EventData(field="split_into", new=f"#{new_number}")],
                        body=f"Split {len(chosen)} message(s) into #{new_number}")
            self.store.recount_messages([ticket.id, new_id])
            self._apply_slas(new_id, team, team.stage_ids[0], ticket.priority, ticket.tags,
                             ticket.customer_id, now)
        return self._ticket(scope, new_id)
