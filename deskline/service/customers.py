"""Use cases of issue 6 as a mixin of `Service`: editing and inviting customers, a
customer's tickets, closing (automatic and by the customer), ratings and reports.

The methods use the service's
helpers (`scope`, `_ticket`, `_write`, `_event`, `_advance_slas`, `_stage_mail`) and every
write is one transaction with its chatter event and its outbox mail, as there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    RATING_LABELS,
    AutoCloseResult,
    Customer,
    CustomerCreate,
    CustomerUpdate,
    EventData,
    InviteResult,
    Page,
    RatingCreate,
    Report,
    ReportFilter,
    Role,
    Stage,
    Team,
    Ticket,
    TicketCard,
)
from deskline.rules import closing, templates
from deskline.service.base import ServiceBase, _limit

DEFAULT_INVITATION = (
    "Hello {first_name},\n\nyou now have an account with our helpdesk. Write to us at any "
    "time by replying to this mail; we answer as soon as we can.\n\nYour support team"
)
DEFAULT_RATING_SUBJECT = "How did we do?"
DEFAULT_RATING_BODY = (
    "Hello {first_name},\n\nyour request #{number} \"{subject}\" is closed. How did we do? "
    "Reply with one word — satisfied, okay or dissatisfied — and anything you would like "
    "to add.\n\n{team}"
)
AUTO_CLOSE_BATCH = 200


def mail_configured(store) -> bool:
    """Whether outbound mail is set up: a sender address in the mail settings (`deskline
    mail settings --from ADDRESS`), an `smtp_host` setting, or $DESKLINE_SMTP_HOST."""
    import os

    return bool(store.mail_setting("from_address") or store.mail_setting("smtp_host")
                or os.environ.get("DESKLINE_SMTP_HOST"))


def _first_name(name: str | None) -> str:
    return (name or "").split()[0] if (name or "").split() else "there"


class CustomerUseCases(ServiceBase):
    # --- customers ---------------------------------------------------------------------

    def update_customer(self, customer_id: int, data: CustomerUpdate) -> Customer:
        """Change a customer; `organization_id` None (set explicitly) unassigns them."""
        access.require_agent(self.scope(), "change customers")
        current = self.store.customer(customer_id)
        if current is None:
            raise NotFound(f"customer {customer_id} does not exist")
        values = data.model_dump(exclude_unset=True)
        if values.get("email") is None:
            values.pop("email", None)
        elif values["email"].casefold() != current.email.casefold():
            if self.store.customer_by_email(values["email"]):
                raise ConflictError(f"a customer with the email {values['email']} exists",
                                    field="email")
        if "name" in values and values["name"] is None:
            values["name"] = ""
        org = values.get("organization_id")
        if org is not None and self.store.organization(org) is None:
            raise ValidationFailed(f"organization {org} does not exist", field="organization_id")
        known = {p.id for p in self.store.projects()}
        for pid in values.get("project_ids") or []:
            if pid not in known:
                raise ValidationFailed(f"project {pid} does not exist", field="project_ids")
        with self.store.transaction():
            self.store.update_customer(customer_id, values)
        return self.store.customer(customer_id)

    def invite_customer(self, data: CustomerCreate) -> InviteResult:
        """Create a customer and queue an invitation mail (kind 'invitation') when outbound
        mail is configured; otherwise create them and say plainly that nothing was sent."""
        access.require_agent(self.scope(), "invite customers")
        if self.store.customer_by_email(data.email):
            raise ConflictError(f"a customer with the email {data.email} exists", field="email")
        if data.organization_id is not None and not self.store.organization(data.organization_id):
            raise ValidationFailed(f"organization {data.organization_id} does not exist",
                                   field="organization_id")
        configured = mail_configured(self.store)
        now = to_db(self.clock())
        with self.store.transaction():
            cid = self.store.insert_customer(data.email, data.name, data.organization_id,
                                             data.phone, now, data.project_ids)
            if configured:
                subject, body = self._invitation(data)
                self.store.queue_mail(ticket_id=None, message_id=None, kind="invitation",
                                      to_addr=data.email, subject=subject, body=body,
                                      created_at=now, team_id=self._inviting_team())
        customer = self.store.customer(cid)
        if configured:
            note = f"Created {data.email}; the invitation is queued in the outbox."
        else:
            note = (f"Created {data.email}, but no invitation was sent: outbound mail is not "
                    "configured (deskline mail settings --from ADDRESS).")
        return InviteResult(customer=customer, invitation_queued=configured, note=note)

    def _inviting_team(self) -> int | None:
        """The team an invitation comes from, so that the customer's answer reaches it: the
        default team of mail intake if it has an alias, else the first public team with
        one, else the first team with one."""
        teams = [t for t in self.store.teams() if t.email_alias and not t.archived]
        default = self.store.mail_setting("default_team_id")
        for team in teams:
            if default and str(team.id) == default:
                return team.id
        public = [t for t in teams if t.visibility.value == "public"]
        return (public or teams)[0].id if teams else None

    def _invitation(self, data: CustomerCreate) -> tuple[str, str]:
        first = _first_name(data.name)
        template = next((t for t in self.store.templates() if t.name.lower() == "invitation"),
                        None)
        if template is not None:
            context = {"customer": {**data.model_dump(), "first_name": first}}
            try:
                return (templates.render_template(template.subject, context),
                        templates.render_template(template.body, context))
            except templates.TemplateError:
                pass
        return "Your helpdesk account", DEFAULT_INVITATION.format(first_name=first)

    def customer_tickets(self, customer_id: int, cursor: str | None = None,
                         limit: int = 50) -> Page[TicketCard]:
        """A customer's tickets the actor may see, newest first."""
        self.get_customer(customer_id)
        return self._tickets_of("customer_id", customer_id, cursor, limit)

    def organization_tickets(self, organization_id: int, cursor: str | None = None,
                             limit: int = 50) -> Page[TicketCard]:
        """An organization's tickets the actor may see, newest first."""
        if self.store.organization(organization_id) is None:
            raise NotFound(f"organization {organization_id} does not exist")
        return self._tickets_of("organization_id", organization_id, cursor, limit)

    def _tickets_of(self, column: Literal["customer_id", "organization_id"], owner_id: int,
                    cursor: str | None, limit: int) -> Page[TicketCard]:
        from deskline.store import keyset

        after = tuple(keyset.decode(cursor, 2)) if cursor else None
        items = self.store.tickets_of_page(self.scope(), column, owner_id, after,
                                           _limit(limit) + 1)
        return self._page(items, limit, lambda c: (to_db(c.created_at), c.id))

    # --- closing -----------------------------------------------------------------------

    def _close_into(self, ticket: Ticket, version: int, team: Team, stage: Stage,
                    body: str, now: datetime) -> None:
        """Move an open ticket into a closing stage, inside the caller's transaction."""
        self._write(ticket, version, {"stage_id": stage.id, "closed_at": to_db(now),
                                      "is_open": 0, "updated_at": to_db(now)})
        self._event(ticket.id, [EventData(field="stage", old=ticket.stage_name,
                                          new=stage.name)], body=body)
        self._advance_slas(ticket.id, team, stage, now)
        self._stage_mail(ticket.id, stage)
        self._rating_request(ticket.id)

    def _rating_request(self, ticket_id: int) -> bool:
        """Queue the rating request for a ticket that was just closed, when its team asks
        for ratings, the ticket has a customer with an email and was neither rated nor
        asked before. Inside the caller's transaction."""
        ticket = self.store.ticket(self._system_scope(), ticket_id)
        if ticket is None or not ticket.customer_email or ticket.rating is not None:
            return False
        team = self.store.team(ticket.team_id)
        if team is None or not team.ratings or self.store.mail_queued(ticket_id, "rating"):
            return False
        first = _first_name(ticket.customer_name)
        subject = f"[#{ticket.number}] {DEFAULT_RATING_SUBJECT}"
        body = DEFAULT_RATING_BODY.format(first_name=first, number=ticket.number,
                                          subject=ticket.subject, team=team.name)
        template = next((t for t in self.store.templates()
                         if t.name.lower() == "rating request"), None)
        if template is not None:
            context = {"ticket": ticket.model_dump(), "team": {"name": team.name},
                       "customer": {"name": ticket.customer_name or "",
                                    "email": ticket.customer_email, "first_name": first},
                       "agent": {"name": ticket.assignee_name or ""}}
            try:
                subject = f"[#{ticket.number}] " + templates.render_template(template.subject,
                                                                             context)
                body = templates.render_template(template.body, context)
            except templates.TemplateError:
                pass
        self.store.queue_mail(ticket_id=ticket_id, message_id=None, kind="rating",
                              to_addr=ticket.customer_email, subject=subject, body=body,
                              created_at=to_db(self.clock()))
        return True

    def auto_close(self) -> AutoCloseResult:
        """Close every ticket whose team's inactivity period has passed (admin; run by
        `deskline maintenance` and the server's schedule). A ticket changed meanwhile is
        skipped and looked at again on the next run."""
        access.require_admin(self.scope(), "run automatic closing")
        now = self.clock()
        system = self._system_scope()
        result = AutoCloseResult()
        stages = {s.id: s for s in self.store.stages()}
        for team in self.store.teams():
            cutoff = closing.inactivity_cutoff(team, now)
            target = closing.closing_stage(team, list(stages.values()))
            if cutoff is None or target is None:
                continue
            rows = self.store.inactive_tickets(team.id, to_db(cutoff))
            due = [r for r in rows if closing.due_for_auto_close(
                team, stages[r[2]], datetime.fromisoformat(r[3]), now)]
            body = f"Closed automatically after {team.auto_close_days} days without activity"
            for start in range(0, len(due), AUTO_CLOSE_BATCH):
                with self.store.transaction():
                    for tid, version, _stage, _updated in due[start:start + AUTO_CLOSE_BATCH]:
                        ticket = self.store.ticket(system, tid)
                        if ticket is None or ticket.version != version or \
                                ticket.closed_at is not None:
                            result.skipped += 1
                            continue
                        asked = self.store.mail_queued(tid, "rating")
                        self._close_into(ticket, version, team, target, body, now)
                        result.closed.append(tid)
                        if not asked and self.store.mail_queued(tid, "rating"):
                            result.rating_requests += 1
        return result

    def close_my_ticket(self, ticket_id: int, version: int) -> Ticket:
        """Close a ticket into its team's closing stage. A portal customer may close only
        their own tickets, and only when the team allows it; agents may close any they see."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        team = self.store.team(ticket.team_id)
        if scope.portal:
            if ticket.customer_id != self.actor.customer_id:
                raise PermissionDenied("you can only close tickets you opened")
            if not team.customers_may_close:
                raise PermissionDenied(f"team {team.name} does not let customers close "
                                       "their tickets; reply to ask the team to close it")
        if ticket.merged_into is not None or ticket.archived:
            raise ConflictError(f"ticket #{ticket.number} is archived or merged")
        self._check_version(ticket, version)
        if ticket.closed_at is not None:
            return ticket
        stage = closing.closing_stage(team, self.store.stages(team.id))
        if stage is None:
            raise ValidationFailed(f"team {team.name} has no closing stage", field="stage_id")
        body = "Closed by the customer" if scope.portal else "Closed"
        with self.store.transaction():
            self._close_into(ticket, version, team, stage, body, self.clock())
        return self._ticket(scope, ticket.id)

    # --- ratings -----------------------------------------------------------------------

    def rate_ticket(self, ticket_id: int, data: RatingCreate) -> Ticket:
        """Record the customer's answer (5/3/1) and their comment in the chatter. A portal
        customer rates their own tickets; an agent may record an answer given another way."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        team = self.store.team(ticket.team_id)
        if scope.portal and ticket.customer_id != self.actor.customer_id:
            raise PermissionDenied("you can only rate tickets you opened")
        if not team.ratings:
            raise ValidationFailed(f"team {team.name} does not ask for ratings", field="answer")
        if ticket.closed_at is None:
            raise ValidationFailed(f"ticket #{ticket.number} is not closed yet; it can be rated "
                                   "once it is", field="answer")
        value = closing.score(data.answer)
        now = to_db(self.clock())
        body = f"Rated {data.answer.value} ({value}/5)"
        if data.comment:
            body += f": {data.comment}"
        with self.store.transaction():
            self.store.update_ticket(ticket.id, None, {"rating": value, "rated_at": now,
                                                       "updated_at": now})
            self._event(ticket.id, [EventData(field="rating", old=RATING_LABELS.get(
                ticket.rating or 0), new=data.answer.value)], body=body)
        return self._ticket(scope, ticket.id)

    # --- reports -----------------------------------------------------------------------

    def report(self, filter: ReportFilter | None = None) -> Report:
        """The figures of the reports screen and `deskline report` over visible tickets."""
        from deskline.reports import build_report

        scope = self.scope()
        access.require_agent(scope, "see reports")
        filter = filter or ReportFilter()
        if filter.team_id is not None:
            self._team(scope, filter.team_id, field="team_id")
        if filter.agent_id is not None:
            agent = self.store.agent(filter.agent_id)
            if agent is None or agent.role is Role.portal:
                raise ValidationFailed(f"agent {filter.agent_id} does not exist",
                                       field="agent_id")
        if filter.since and filter.until and filter.until <= filter.since:
            raise ValidationFailed("the period must end after it starts", field="until")
        return build_report(self.store, scope, filter, self.clock())
