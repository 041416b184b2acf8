"""Edit every field of a ticket from the keyboard: subject, description, tags, customer,
organization, priority, stage, assignee, team. Each change is one backend call naming the
version it saw.

Fields show customer text sanitized (`plain`): a field the agent leaves as shown is not
sent, so a subject with control characters is never rewritten by merely saving."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, TextArea

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from widgets import glyphs


class EditTicketScreen(DesklineModal):
    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")

    DEFAULT_CSS = """
    #edit-ticket .field { height: auto; }
    #edit-ticket .field > Label { width: 14; color: $foreground-muted; }
    #edit-ticket .field > Input, #edit-ticket .field > Select { width: 1fr; }
    #edit-ticket .field > TextArea { width: 1fr; height: 4; background: $boost; }
    """

    def __init__(self, ticket) -> None:
        super().__init__()
        self.ticket = ticket
        # What the fields show at first; a field still showing it is left alone.
        self.shown = {"subject": plain(ticket.subject, one_line=True),
                      "description": plain(ticket.description),
                      "organization": plain(ticket.organization_name or "", one_line=True)}
        self.organizations: list = []

    def compose(self) -> ComposeResult:
        t = self.ticket
        with Vertical(classes="dialog", id="edit-ticket"):
            yield Static(Text(f"Edit #{t.number}"), classes="dialog-title")
            yield _row("Subject", Input(self.shown["subject"], id="subject", compact=True))
            yield _row("Description", TextArea(self.shown["description"], id="description",
                                               compact=True, highlight_cursor_line=False))
            yield _row("Tags", Input(", ".join(t.tags), id="tags", compact=True,
                                     placeholder="comma separated"))
            yield _row("Customer", Input(t.customer_email or "", id="customer", compact=True,
                                         placeholder="email"))
            yield _row("Organization", Input(self.shown["organization"], id="organization",
                                             compact=True, placeholder="none"))
            yield _row("Priority", Select([(glyphs.priority(p), p) for p in (3, 2, 1, 0)],
                                          value=t.priority, allow_blank=False, id="priority",
                                          compact=True))
            yield _row("Stage", Select([(plain(t.stage_name, one_line=True), t.stage_id)],
                                       value=t.stage_id, allow_blank=False, id="stage",
                                       compact=True))
            yield _row("Assignee", Select([("unassigned", 0)], value=0, allow_blank=False,
                                          id="assignee", compact=True))
            yield _row("Team", Select([(plain(self.app.team_name(t.team_id), one_line=True),
                                        t.team_id)], value=t.team_id, allow_blank=False,
                                      id="team", compact=True))
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · tab moves"
                              " · → completes"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#subject", Input).focus()
        description = self.query_one("#description", TextArea)
        description.move_cursor(description.document.end)  # most edits add to the end
        self.run_worker(self._options(), exit_on_error=False)

    async def _options(self) -> None:
        t = self.ticket
        stages = await self.app.team_stages(t.team_id)
        agents = await self.app.agent_list()
        backend = await self.app.backend_ready()
        self.organizations = await backend.list_organizations()
        self.query_one("#organization", Input).suggester = SuggestFromList(
            [o.name for o in self.organizations], case_sensitive=False)
        stage = self.query_one("#stage", Select)
        stage.set_options([(plain(s.name, one_line=True) + (" (closing)" if s.closing else ""),
                            s.id) for s in stages])
        stage.value = t.stage_id
        assignee = self.query_one("#assignee", Select)
        assignee.set_options([("unassigned", 0)] + [(plain(a.name, one_line=True), a.id)
                                                    for a in agents])
        assignee.value = t.assignee_id or 0
        team = self.query_one("#team", Select)
        team.set_options([(plain(x.name, one_line=True), x.id) for x in self.app.teams])
        team.value = t.team_id

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from deskline.models import TicketUpdate

        t = self.ticket
        subject = self.query_one("#subject", Input).value.strip()
        description = self.query_one("#description", TextArea).text
        tags = [x.strip().lstrip("#") for x in self.query_one("#tags", Input).value.split(",")
                if x.strip()]
        priority = self.query_one("#priority", Select).value
        stage = self.query_one("#stage", Select).value
        assignee = self.query_one("#assignee", Select).value
        team = self.query_one("#team", Select).value
        customer = self.query_one("#customer", Input).value.strip()
        organization = self.query_one("#organization", Input).value.strip()
        fields = {}
        if subject and subject != self.shown["subject"]:
            fields["subject"] = subject
        if description.strip() != self.shown["description"].strip():
            fields["description"] = description.strip()
        if tags != list(t.tags):
            fields["tags"] = tags
        if priority != t.priority:
            fields["priority"] = priority
        if team != t.team_id:
            fields["team_id"] = team

        async def save(backend):
            ticket = t
            if organization != self.shown["organization"]:
                fields["organization_id"] = await self._organization_id(backend, organization)
            if customer and customer.lower() != (t.customer_email or "").lower():
                page = await backend.list_customers(text=customer, limit=20)
                found = [c for c in page.items if c.email.lower() == customer.lower()]
                if not found:  # an unknown sender becomes a customer, linked to the ticket
                    found = [await backend.create_customer(_new_customer(customer))]
                    self.app.notify(f"Created the customer {plain(found[0].email)}",
                                    markup=False)
                fields["customer_id"] = found[0].id
            if fields:
                ticket = await backend.update_ticket(ticket.id, ticket.version,
                                                     TicketUpdate(**fields))
            if stage != ticket.stage_id and team == t.team_id:
                ticket = await backend.move_ticket(ticket.id, ticket.version, stage)
            if (assignee or None) != ticket.assignee_id:
                ticket = await backend.assign_ticket(ticket.id, ticket.version, assignee or None)
            return ticket

        self.call(save, self.dismiss, "Saving the ticket")

    async def _organization_id(self, backend, name: str) -> int | None:
        """The organization named `name` (any case); None for an empty name (the ticket
        leaves its organization). An unknown name is refused before anything is saved."""
        if not name:
            return None
        from deskline.errors import ValidationFailed

        if not self.organizations:  # still loading, or it failed: ask now
            self.organizations = await backend.list_organizations()
        for org in self.organizations:
            if org.name.casefold() == name.casefold():
                return org.id
        raise ValidationFailed(f"no organization is named {name!r}; pick a suggested name, or "
                               "create it on the organizations screen", field="organization_id")


def _row(label: str, field) -> Horizontal:
    return Horizontal(Label(label), field, classes="field")


def _new_customer(email: str):
    """The customer to create for an email no customer has; a clear error if it is none."""
    from pydantic import ValidationError

    from deskline.errors import ValidationFailed
    from deskline.models import CustomerCreate

    try:
        return CustomerCreate(email=email)
    except ValidationError:
        raise ValidationFailed(f"{email} is not an email address",
                               field="customer_id") from None
