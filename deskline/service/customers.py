"""Customers: editing and inviting them, and a customer's or an organization's tickets.
(Creating and listing customers are in directory.py with the other people.)"""

from __future__ import annotations

from typing import Literal

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    Customer,
    CustomerCreate,
    CustomerUpdate,
    InviteResult,
    Page,
    TicketCard,
)
from deskline.rules import templates
from deskline.service.base import ServiceBase, _limit, existing

DEFAULT_INVITATION = (
    "Hello {first_name},\n\nyou now have an account with our helpdesk. Write to us at any "
    "time by replying to this mail; we answer as soon as we can.\n\nYour support team"
)


def mail_configured(store) -> bool:
    """Whether outbound mail is set up: a sender address in the mail settings (`deskline
    mail settings --from ADDRESS`), an `smtp_host` setting, or $DESKLINE_SMTP_HOST."""
    import os

    return bool(store.mail_setting("from_address") or store.mail_setting("smtp_host")
                or os.environ.get("DESKLINE_SMTP_HOST"))


def first_name(name: str | None) -> str:
    """What a mail's greeting calls a customer: the first word of the name, else 'there'."""
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
        return existing(self.store.customer(customer_id))

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
        customer = existing(self.store.customer(cid))
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
        first = first_name(data.name)
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
