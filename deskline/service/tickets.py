"""Ticket writes: create, edit, move, assign, follow, archive, delete, reply, comment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db
from deskline.errors import ConflictError, PermissionDenied, ValidationFailed
from deskline.models import (
    MAX_REPLY_FILES_BYTES,
    PRIORITY_LABELS,
    Agent,
    Customer,
    CustomerCreate,
    EventData,
    FileUpload,
    Message,
    MessageKind,
    Role,
    Team,
    Ticket,
    TicketCreate,
    TicketEdit,
    TicketUpdate,
    WebhookEvent,
)
from deskline.rules import assignment, mentions
from deskline.service.base import ServiceBase, existing
from deskline.text import media_type, safe_filename


class TicketUseCases(ServiceBase):

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
        if team.archived:
            raise ValidationFailed(f"team {team.name} is archived", field="team_id")
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
            if data.priority:  # the team judges urgency, not the customer
                raise PermissionDenied("a customer account cannot set the priority")
            customer_id = self.actor.customer_id
        customer = None
        if customer_id is not None:
            customer = self.store.customer(customer_id)
            if customer is None:
                raise ValidationFailed(f"customer {customer_id} does not exist",
                                       field="customer_id")
        organization_id = customer.organization_id if customer else None
        if "organization_id" in data.model_fields_set:
            if scope.portal:
                raise PermissionDenied("a customer account cannot set the organization")
            organization_id = data.organization_id
            if organization_id is not None and self.store.organization(organization_id) is None:
                raise ValidationFailed(f"organization {organization_id} does not exist",
                                       field="organization_id")
        if data.assignee_id is not None:
            self._assignable(data.assignee_id)
        stage = existing(self.store.stage(stage_id))  # one of the team's stages
        now = self.clock()
        with self.store.transaction():
            assignee = data.assignee_id if data.assignee_id is not None else \
                self._auto_assignee(team)
            closing = stage.closing
            tid = self.store.insert_ticket({
                "number": self.store.next_number(), "subject": data.subject,
                "description": data.description, "team_id": team.id, "stage_id": stage_id,
                "assignee_id": assignee, "customer_id": customer_id,
                "organization_id": organization_id,
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
            sentence = f"Ticket created in {stage.name}"
            if assignee:
                name = existing(self.store.agent(assignee)).name
                changes.append(EventData(field="assignee", new=name))
                sentence += f", assigned to {name}"
            mid = self._event(tid, changes, body=sentence)
            self._apply_slas(tid, team, stage_id, data.priority, tags, customer_id, now)
            self._stage_mail(tid, stage)
            self._notify_created(tid, mid, automatic=data.assignee_id is None)
            self._webhook(WebhookEvent.ticket_created, tid)
        return self._ticket(scope, tid)

    def update_ticket(self, ticket_id: int, version: int, data: TicketUpdate) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "edit tickets")
        values = data.model_dump(exclude_unset=True)
        edit = _Edit(ticket=ticket, scope=scope)
        for name, change in _FIELD_CHANGES:
            if name in values:
                change(self, edit, values[name])
        if not edit.changes:
            self._check_version(ticket, version)
            return ticket
        now = self.clock()
        with self.store.transaction():
            self._write(ticket, version, edit.columns)
            if edit.tags is not None:
                self.store.set_tags(ticket.id, self.store.tag_ids(edit.tags), edit.tags)
            if edit.team is not None:
                self._reassign_for_team(edit)
            mid = self._event(ticket.id, edit.changes)
            self._notify_changed(ticket, mid, automatic=True)  # only a team's rule assigns
            self._webhook_change(ticket, ticket.id)
            if {"priority", "customer_id", "team_id"} & edit.columns.keys() or \
                    edit.tags is not None:
                fresh = self._ticket(scope, ticket.id)
                self._apply_slas(ticket.id, existing(self.store.team(fresh.team_id)),
                                 fresh.stage_id,
                                 fresh.priority, fresh.tags, fresh.customer_id, now,
                                 keep=self.store.sla_rows(ticket.id))
        return self._ticket(scope, ticket.id)

    # One function per field of `TicketUpdate`: each checks the new value and adds its
    # columns and its tracked change to the edit; `_FIELD_CHANGES` runs them in order.

    def _change_text(self, edit: _Edit, name: str, value: str) -> None:
        if value == getattr(edit.ticket, name):
            return
        edit.columns[name] = value
        # A subject is short enough to show old → new; a description only that it changed.
        edit.changes.append(EventData(field=name, old=edit.ticket.subject, new=value)
                            if name == "subject" else EventData(field=name))

    def _change_subject(self, edit: _Edit, value: str) -> None:
        self._change_text(edit, "subject", value)

    def _change_description(self, edit: _Edit, value: str) -> None:
        self._change_text(edit, "description", value)

    def _change_priority(self, edit: _Edit, value: int | None) -> None:
        if value == edit.ticket.priority:
            return
        if value is None:
            raise ValidationFailed("priority cannot be empty", field="priority")
        edit.columns["priority"] = value
        edit.changes.append(EventData(field="priority", old=PRIORITY_LABELS[edit.ticket.priority],
                                      new=PRIORITY_LABELS[value]))

    def _change_customer(self, edit: _Edit, value: int | None) -> None:
        if value == edit.ticket.customer_id:
            return
        customer = None
        if value is not None:
            customer = self.store.customer(value)
            if customer is None:
                raise ValidationFailed(f"customer {value} does not exist", field="customer_id")
        edit.columns["customer_id"] = value
        # The customer's organization comes along unless the organization is set too.
        edit.columns.setdefault("organization_id", customer.organization_id if customer else None)
        edit.changes.append(EventData(field="customer", old=edit.ticket.customer_name,
                                      new=(customer.name or customer.email) if customer
                                      else None))

    def _change_organization(self, edit: _Edit, value: int | None) -> None:
        if value == edit.ticket.organization_id:
            return
        if value is not None and self.store.organization(value) is None:
            raise ValidationFailed(f"organization {value} does not exist",
                                   field="organization_id")
        edit.columns["organization_id"] = value
        edit.changes.append(EventData(field="organization",
                                      new=existing(self.store.organization(value)).name
                                      if value else None))

    def _change_team(self, edit: _Edit, value: int | None) -> None:
        ticket = edit.ticket
        if value == ticket.team_id:
            return
        if value is None:
            raise ValidationFailed("a ticket belongs to a team", field="team_id")
        team = self._team(edit.scope, value, field="team_id")
        if team.archived:
            raise ValidationFailed(f"team {team.name} is archived", field="team_id")
        if not team.stage_ids:
            raise ValidationFailed(f"team {team.name} has no stages", field="team_id")
        edit.team = team
        edit.columns["team_id"] = team.id
        edit.changes.append(EventData(field="team", old=ticket.team_name, new=team.name))
        if ticket.stage_id not in team.stage_ids:  # into the new team's first stage
            edit.columns["stage_id"] = team.stage_ids[0]
            edit.changes.append(EventData(field="stage", old=ticket.stage_name,
                                          new=existing(self.store.stage(team.stage_ids[0])).name))

    def _change_tags(self, edit: _Edit, value: list[str] | None) -> None:
        tags = list(dict.fromkeys(t.strip() for t in value or [] if t.strip()))
        if tags == edit.ticket.tags:
            return
        edit.tags = tags
        edit.changes.append(EventData(field="tags", old=", ".join(edit.ticket.tags) or None,
                                      new=", ".join(tags) or None))

    def _reassign_for_team(self, edit: _Edit) -> None:
        """A ticket that moved to a team with automatic assignment, whose assignee is no
        member there, goes to the member the team's rule picks; inside the transaction."""
        ticket, team = edit.ticket, existing(edit.team)  # called when the team changed
        if team.assignment.value == "manual" or ticket.assignee_id in team.member_ids:
            return
        assignee = self._auto_assignee(team)
        if assignee == ticket.assignee_id:
            return
        self.store.update_ticket(ticket.id, None, {"assignee_id": assignee})
        edit.changes.append(EventData(field="assignee", old=ticket.assignee_name,
                                      new=existing(self.store.agent(assignee)).name
                                      if assignee else None))
        if assignee:
            self.store.set_follower(ticket.id, assignee, True)

    def edit_ticket(self, ticket_id: int, version: int, data: TicketEdit) -> Ticket:
        """Change every header field that `data` sets in one transaction — the fields of
        `update_ticket`, then the stage (`move_ticket`), then the assignee
        (`assign_ticket`), each with its own rules and chatter event. A customer named by
        email is found, or created. When any part is refused nothing is written."""
        values = data.model_dump(exclude_unset=True)
        email = values.pop("customer_email", None)
        move = "stage_id" in values
        stage_id = values.pop("stage_id", None)
        assign = "assignee_id" in values
        assignee_id = values.pop("assignee_id", None)
        if move and stage_id is None:
            raise ValidationFailed("a ticket is always in a stage", field="stage_id")
        if email is not None and "customer_id" in values:
            raise ValidationFailed("name the customer by id or by email, not both",
                                   field="customer_email")
        with self.store.transaction():
            if email is not None:
                values["customer_id"] = self._customer_for_email(email).id
            ticket = self.update_ticket(ticket_id, version, TicketUpdate(**values))
            if move and stage_id != ticket.stage_id:
                ticket = self.move_ticket(ticket.id, ticket.version, stage_id)
            if assign and assignee_id != ticket.assignee_id:
                ticket = self.assign_ticket(ticket.id, ticket.version, assignee_id)
        return ticket

    def _customer_for_email(self, email: str) -> Customer:
        """The customer with this email (any case), else a new one: a sender typed into a
        ticket becomes a customer. Inside the caller's transaction."""
        try:
            data = CustomerCreate(email=email)
        except PydanticValidationError:
            raise ValidationFailed(f"{email} is not an email address",
                                   field="customer_email") from None
        return self.store.customer_by_email(data.email) or self.create_customer(data)

    def move_ticket(self, ticket_id: int, version: int, stage_id: int) -> Ticket:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "move tickets")
        team = existing(self.store.team(ticket.team_id))
        if stage_id not in team.stage_ids:
            raise ValidationFailed(f"stage {stage_id} is not a stage of team {team.name}",
                                   field="stage_id")
        if stage_id == ticket.stage_id:
            self._check_version(ticket, version)
            return ticket
        stage = existing(self.store.stage(stage_id))  # one of the team's stages
        now = self.clock()
        with self.store.transaction():
            self._write(ticket, version, {
                "stage_id": stage_id,
                "closed_at": (to_db(ticket.closed_at or now)) if stage.closing else None,
                "is_open": int(not stage.closing and not ticket.archived
                               and ticket.merged_into is None),
            })
            mid = self._event(ticket.id, [EventData(field="stage", old=ticket.stage_name,
                                                    new=stage.name)])
            self._notify_changed(ticket, mid)
            self._advance_slas(ticket.id, team, stage, now)
            self._stage_mail(ticket.id, stage)
            self._webhook_change(ticket, ticket.id)
            if stage.closing and ticket.closed_at is None:
                self._rating_request(ticket.id)  # ratings.py: teams with ratings on
        return self._ticket(scope, ticket.id)

    def customer_wrote(self, ticket_id: int, customer_id: int | None) -> bool:
        """The customer wrote to the ticket again (by mail or the portal): a closed ticket
        goes back to its team's first open stage, the change in the chatter in the
        customer's name. False when it stays as it is: open already, archived, merged,
        or a team without an open stage."""
        ticket = self.store.ticket(self._system_scope(), ticket_id)
        if ticket is None or ticket.closed_at is None or ticket.archived or \
                ticket.merged_into is not None:
            return False
        team = existing(self.store.team(ticket.team_id))
        stage = next((s for s in (existing(self.store.stage(i)) for i in team.stage_ids)
                      if not s.closing), None)
        if stage is None:
            return False
        with self.store.transaction():
            self._write(ticket, ticket.version,
                        {"stage_id": stage.id, "closed_at": None, "is_open": 1})
            self._event(ticket.id, [EventData(field="stage", old=ticket.stage_name,
                                              new=stage.name)],
                        "Reopened: the customer wrote again", customer_id=customer_id)
            self._advance_slas(ticket.id, team, stage, self.clock())
            self._webhook_change(ticket, ticket.id)
        return True

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
            mid = self._event(ticket.id, [EventData(field="assignee",
                                                    old=ticket.assignee_name, new=name)])
            self._notify_changed(ticket, mid)
            self._webhook_change(ticket, ticket.id)
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
            mid = self._event(ticket.id, [EventData(field="archived",
                                                    old=str(not archived).lower(),
                                                    new=str(archived).lower())])
            self._notify_changed(ticket, mid)
            self._webhook_change(ticket, ticket.id)
        return self._ticket(scope, ticket.id)

    def delete_ticket(self, ticket_id: int, version: int) -> None:
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_admin(scope, "delete tickets")
        self._check_version(ticket, version)
        with self.store.transaction():
            self._webhook(WebhookEvent.ticket_deleted, ticket.id, ticket=ticket)
            self.store.delete_ticket(ticket.id)

    def _refuse_merged(self, ticket: Ticket, what: str) -> None:
        """A merged ticket is archived and its thread lives in the target: a message
        written here would never be read there."""
        if ticket.merged_into is None:
            return
        target = self.store.ticket(self.scope(), ticket.merged_into)
        where = f"#{target.number}" if target else "another ticket"
        raise ValidationFailed(f"ticket #{ticket.number} was merged into {where}; write "
                               f"the {what} there", field="ticket_id")

    def reply(self, ticket_id: int, body: str, files: Sequence[FileUpload] = ()) -> Message:
        """A public answer, with `files` attached; mailed to the customer through the
        outbox."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        self._refuse_merged(ticket, "reply")
        body = body.strip()
        if not body and not files:
            raise ValidationFailed("the reply is empty", field="body")
        if sum(len(f.content) for f in files) > MAX_REPLY_FILES_BYTES:
            raise ValidationFailed("a reply's files may add up to 25 MB (what mail servers "
                                   "take); send the rest in another reply", field="files")
        now = to_db(self.clock())
        with self.store.transaction():
            if scope.portal:
                mid = self.store.insert_message(ticket.id, MessageKind.reply, body, now,
                                                customer_id=self.actor.customer_id)
            else:
                mid = self.store.insert_message(ticket.id, MessageKind.reply, body, now,
                                                agent_id=self.actor.id)
            self.store.insert_files(ticket.id, mid, [
                (safe_filename(f.filename, f.content_type, i), media_type(f.content_type),
                 f.content) for i, f in enumerate(files, 1)])
            if not scope.portal and ticket.customer_email:
                self.store.queue_mail(
                    ticket_id=ticket.id, message_id=mid, kind="reply",
                    to_addr=ticket.customer_email,
                    subject=f"Re: [#{ticket.number}] {ticket.subject}", body=body,
                    created_at=now)
            self.store.touch(ticket.id, now, 1)
            self._notify_message(ticket.id, mid, customer=(self.actor.name or self.actor.email)
                                 if scope.portal else None)
            self._webhook(WebhookEvent.reply_created, ticket.id, message_id=mid)
            if scope.portal:
                self.customer_wrote(ticket.id, self.actor.customer_id)
        return self._message(scope, ticket.id, mid)

    def comment(self, ticket_id: int, body: str) -> Message:
        """An internal note; `@mentions` resolve to agents, who then follow the ticket."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        access.require_agent(scope, "write internal comments")
        self._refuse_merged(ticket, "comment")
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
            self._notify_message(ticket.id, mid, mentioned)
            self._webhook(WebhookEvent.comment_created, ticket.id, message_id=mid)
        return self._message(scope, ticket.id, mid)


@dataclass
class _Edit:
    """What an `update_ticket` is building: the columns to write, the tracked changes, and
    the new team and tag list when they change."""

    ticket: Ticket
    scope: Scope
    columns: dict = field(default_factory=dict)
    changes: list[EventData] = field(default_factory=list)
    team: Team | None = None
    tags: list[str] | None = None


# Field of `TicketUpdate` → its change, in the order the chatter event lists them.
_FIELD_CHANGES: tuple[tuple[str, Callable[[TicketUseCases, _Edit, Any], None]], ...] = (
    ("subject", TicketUseCases._change_subject),
    ("description", TicketUseCases._change_description),
    ("priority", TicketUseCases._change_priority),
    ("customer_id", TicketUseCases._change_customer),
    ("organization_id", TicketUseCases._change_organization),
    ("team_id", TicketUseCases._change_team),
    ("tags", TicketUseCases._change_tags),
)
