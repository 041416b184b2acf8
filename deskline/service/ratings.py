"""Ratings: the request mailed when a ticket closes, and the customer's answer."""

from __future__ import annotations

from deskline.clock import to_db
from deskline.errors import PermissionDenied, ValidationFailed
from deskline.models import RATING_LABELS, EventData, RatingCreate, Ticket, WebhookEvent
from deskline.rules import closing, templates
from deskline.service.base import ServiceBase, existing
from deskline.service.customers import first_name

DEFAULT_RATING_SUBJECT = "How did we do?"
DEFAULT_RATING_BODY = (
    "Hello {first_name},\n\nyour request #{number} \"{subject}\" is closed. How did we do? "
    "Reply with one word — satisfied, okay or dissatisfied — and anything you would like "
    "to add.\n\n{team}"
)


class RatingUseCases(ServiceBase):

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
        first = first_name(ticket.customer_name)
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

    def rate_ticket(self, ticket_id: int, data: RatingCreate) -> Ticket:
        """Record the customer's answer (5/3/1) and their comment in the chatter. A portal
        customer rates their own tickets; an agent may record an answer given another way."""
        scope = self.scope()
        ticket = self._ticket(scope, ticket_id)
        team = existing(self.store.team(ticket.team_id))
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
            self._webhook(WebhookEvent.rating_received, ticket.id, extra={"rating": {
                "answer": data.answer.value, "score": value, "comment": data.comment}})
        return self._ticket(scope, ticket.id)
