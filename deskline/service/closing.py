"""Closing: a ticket moved into its team's closing stage, automatically after the team's
days without activity, or by the customer (or an agent) at once."""

from __future__ import annotations

from datetime import datetime

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, PermissionDenied, ValidationFailed
from deskline.models import AutoCloseResult, EventData, Stage, Team, Ticket
from deskline.rules import closing
from deskline.service.base import ServiceBase, existing

AUTO_CLOSE_BATCH = 200


class ClosingUseCases(ServiceBase):

    def _close_into(self, ticket: Ticket, version: int, team: Team, stage: Stage,
                    body: str, now: datetime) -> None:
        """Move an open ticket into a closing stage, inside the caller's transaction."""
        self._write(ticket, version, {"stage_id": stage.id, "closed_at": to_db(now),
                                      "is_open": 0, "updated_at": to_db(now)})
        mid = self._event(ticket.id, [EventData(field="stage", old=ticket.stage_name,
                                                new=stage.name)], body=body)
        self._notify_changed(ticket, mid)
        self._advance_slas(ticket.id, team, stage, now)
        self._stage_mail(ticket.id, stage)
        self._rating_request(ticket.id)
        self._webhook_change(ticket, ticket.id)

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
        team = existing(self.store.team(ticket.team_id))
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
