"""SLA clocks through a ticket's life, and the mail a stage sends on arrival."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from deskline.clock import to_db
from deskline.models import (
    Stage,
    Team,
    Ticket,
)
from deskline.rules import sla, templates
from deskline.service.base import ServiceBase


class ClockUseCases(ServiceBase):

    def _apply_slas(self, ticket_id: int, team: Team, stage_id: int, priority: int,
                    tags: Sequence[str], customer_id: int | None, now: datetime,
                    keep: Sequence[tuple] = ()) -> None:
        """Start clocks for the team's matching policies; keep finished or still-matching ones."""
        stage_order = {s.id: s.sequence for s in self.store.stages(team.id)}
        rows = sla.starting_clocks(self.store.sla_policies(team.id), stage_order, stage_id,
                                   priority, tags, customer_id, now, team.calendar, keep)
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

    def _template_context(self, ticket: Ticket, stage: Stage | None) -> dict:
        """What a mail template sees (`rules.templates.PLACEHOLDERS` lists it)."""
        customer = self.store.customer(ticket.customer_id) if ticket.customer_id else None
        people = {**customer.model_dump(), "first_name": (customer.name.split() or [""])[0]} \
            if customer else {}
        return {
            "ticket": ticket.model_dump(),
            "customer": people,
            "team": {"name": ticket.team_name},
            "stage": stage.model_dump() if stage else {},
            "agent": {"name": ticket.assignee_name or ""},
        }

    def _stage_mail(self, ticket_id: int, stage: Stage) -> None:
        """Queue the stage's template for the customer, rendered now."""
        if stage.template_id is None:
            return
        template = self.store.template(stage.template_id)
        ticket = self.store.ticket(self._system_scope(), ticket_id)
        if template is None or ticket is None or not ticket.customer_email:
            return
        context = self._template_context(ticket, stage)
        self.store.queue_mail(
            ticket_id=ticket_id, message_id=None, kind="stage_template",
            to_addr=ticket.customer_email,
            subject=f"[#{ticket.number}] " + templates.render_template(template.subject, context),
            body=templates.render_template(template.body, context),
            created_at=to_db(self.clock()))
