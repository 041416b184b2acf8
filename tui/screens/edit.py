"""Edit every field of a ticket from the keyboard: subject, tags, priority, stage, assignee,
team. Each change is one backend call naming the version it saw."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from widgets import glyphs


class EditTicketScreen(DesklineModal):
    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")

    def __init__(self, ticket) -> None:
        super().__init__()
        self.ticket = ticket

    def compose(self) -> ComposeResult:
        t = self.ticket
        with Vertical(classes="dialog"):
            yield Static(Text(f"Edit #{t.number}"), classes="dialog-title")
            yield Label("Subject")
            yield Input(t.subject, id="subject", compact=True)
            yield Label("Tags (comma separated)")
            yield Input(", ".join(t.tags), id="tags", compact=True)
            yield Label("Customer (email)")
            yield Input(t.customer_email or "", id="customer", compact=True)
            yield Label("Priority")
            yield Select([(glyphs.priority(p), p) for p in (3, 2, 1, 0)], value=t.priority,
                         allow_blank=False, id="priority", compact=True)
            yield Label("Stage")
            yield Select([(plain(t.stage_name, one_line=True), t.stage_id)], value=t.stage_id,
                         allow_blank=False, id="stage", compact=True)
            yield Label("Assignee")
            yield Select([("unassigned", 0)], value=0, allow_blank=False, id="assignee",
                         compact=True)
            yield Label("Team")
            yield Select([(plain(self.app.team_name(t.team_id), one_line=True), t.team_id)],
                         value=t.team_id, allow_blank=False, id="team", compact=True)
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · tab moves"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#subject", Input).focus()
        self.run_worker(self._options(), exit_on_error=False)

    async def _options(self) -> None:
        t = self.ticket
        stages = await self.app.team_stages(t.team_id)
        agents = await self.app.agent_list()
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
        tags = [x.strip().lstrip("#") for x in self.query_one("#tags", Input).value.split(",")
                if x.strip()]
        priority = self.query_one("#priority", Select).value
        stage = self.query_one("#stage", Select).value
        assignee = self.query_one("#assignee", Select).value
        team = self.query_one("#team", Select).value
        customer = self.query_one("#customer", Input).value.strip()
        fields = {}
        if subject and subject != t.subject:
            fields["subject"] = subject
        if tags != list(t.tags):
            fields["tags"] = tags
        if priority != t.priority:
            fields["priority"] = priority
        if team != t.team_id:
            fields["team_id"] = team

        async def save(backend):
            ticket = t
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
