"""Edit every field of a ticket from the keyboard: subject, description, tags, customer,
organization, priority, stage, assignee, team. Saving is one `edit_ticket` call naming the
version it saw: all the changes are written, or none.

Text fields are `widgets.safe_input` widgets: they show stored text sanitized, and a field
the agent leaves as shown is not sent, so a subject with control characters is never
rewritten by merely saving. Select labels are `Text` (a str label is parsed as markup)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Select, Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from widgets import glyphs
from widgets.safe_input import SafeInput, SafeTextArea


class EditTicketScreen(DesklineModal):
    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")

    DEFAULT_CSS = """
    #edit-ticket .field { height: auto; }
    #edit-ticket .field > Label { width: 14; color: $foreground-muted; }
    #edit-ticket .field > SafeInput, #edit-ticket .field > Select { width: 1fr; }
    #edit-ticket .field > SafeTextArea { width: 1fr; height: 4; background: $boost; }
    """

    def __init__(self, ticket) -> None:
        super().__init__()
        self.ticket = ticket
        self.organizations: list = []

    def compose(self) -> ComposeResult:
        t = self.ticket
        with Vertical(classes="dialog", id="edit-ticket"):
            yield Static(Text(f"Edit #{t.number}"), classes="dialog-title")
            yield _row("Subject", SafeInput(t.subject, id="subject", compact=True))
            yield _row("Description", SafeTextArea(t.description, id="description",
                                                   compact=True, highlight_cursor_line=False))
            yield _row("Tags", SafeInput(", ".join(t.tags), id="tags", compact=True,
                                         placeholder="comma separated"))
            yield _row("Customer", SafeInput(t.customer_email, id="customer", compact=True,
                                             placeholder="email"))
            yield _row("Organization", SafeInput(t.organization_name, id="organization",
                                                 compact=True, placeholder="none"))
            yield _row("Priority", Select([(Text(glyphs.priority(p)), p) for p in (3, 2, 1, 0)],
                                          value=t.priority, allow_blank=False, id="priority",
                                          compact=True))
            yield _row("Stage", Select([(_label(t.stage_name), t.stage_id)],
                                       value=t.stage_id, allow_blank=False, id="stage",
                                       compact=True))
            yield _row("Assignee", Select([(Text("unassigned"), 0)], value=0,
                                          allow_blank=False, id="assignee", compact=True))
            yield _row("Team", Select([(_label(self.app.team_name(t.team_id)), t.team_id)],
                                      value=t.team_id, allow_blank=False, id="team",
                                      compact=True))
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · tab moves"
                              " · → completes"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#subject", SafeInput).focus()
        description = self.query_one("#description", SafeTextArea)
        description.move_cursor(description.document.end)  # most edits add to the end
        self.run_worker(self._options(), exit_on_error=False)

    async def _options(self) -> None:
        t = self.ticket
        stages = await self.app.team_stages(t.team_id)
        agents = await self.app.agent_list()
        backend = await self.app.backend_ready()
        self.organizations = await backend.list_organizations()
        self.query_one("#organization", SafeInput).set_suggestions(
            o.name for o in self.organizations)
        stage = self.query_one("#stage", Select)
        stage.set_options([(_label(s.name, " (closing)" if s.closing else ""), s.id)
                           for s in stages])
        stage.value = t.stage_id
        assignee = self.query_one("#assignee", Select)
        assignee.set_options([(Text("unassigned"), 0)] + [(_label(a.name), a.id)
                                                          for a in agents])
        assignee.value = t.assignee_id or 0
        team = self.query_one("#team", Select)
        team.set_options([(_label(x.name), x.id) for x in self.app.teams])
        team.value = t.team_id

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from deskline.models import TicketEdit

        t = self.ticket
        # Only fields the agent edited are sent: an untouched one shows stand-ins for the
        # stored text's control characters, which must not replace it.
        subject = self.query_one("#subject", SafeInput)
        description = self.query_one("#description", SafeTextArea)
        tags_field = self.query_one("#tags", SafeInput)
        priority = self.query_one("#priority", Select).value
        stage = self.query_one("#stage", Select).value
        assignee = self.query_one("#assignee", Select).value
        team = self.query_one("#team", Select).value
        customer_field = self.query_one("#customer", SafeInput)
        customer = customer_field.value.strip() if customer_field.changed else ""
        organization = self.query_one("#organization", SafeInput)
        fields: dict[str, Any] = {}  # TicketEdit's fields, by name
        if subject.changed and subject.value.strip():
            fields["subject"] = subject.value.strip()
        if description.changed:
            fields["description"] = description.text.strip()
        tags = [x.strip().lstrip("#") for x in tags_field.value.split(",") if x.strip()]
        if tags_field.changed and tags != list(t.tags):
            fields["tags"] = tags
        if priority != t.priority:
            fields["priority"] = priority
        if team != t.team_id:
            fields["team_id"] = team
        elif stage != t.stage_id:  # the stages listed are the ticket's team's
            fields["stage_id"] = stage
        if (assignee or None) != t.assignee_id:
            fields["assignee_id"] = assignee or None
        if customer and customer.lower() != (t.customer_email or "").lower():
            fields["customer_email"] = customer  # the service finds or creates them

        async def save(backend):
            if organization.changed:
                fields["organization_id"] = await self._organization_id(
                    backend, organization.value.strip())
            if not fields:
                return t
            known = True
            if "customer_email" in fields:  # only to say so afterwards; the service decides
                page = await backend.list_customers(text=customer, limit=20)
                known = any(c.email.lower() == customer.lower() for c in page.items)
            ticket = await backend.edit_ticket(t.id, t.version, TicketEdit(**fields))
            if not known:
                self.app.notify(f"Created the customer {plain(ticket.customer_email or '')}",
                                markup=False)
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
        for org in self.organizations:  # as stored, or as shown (suggestions are sanitized)
            if name.casefold() in (org.name.casefold(), plain(org.name, one_line=True).casefold()):
                return org.id
        raise ValidationFailed(f"no organization is named {name!r}; pick a suggested name, or "
                               "create it on the organizations screen", field="organization_id")


def _label(name: str | None, suffix: str = "") -> Text:
    """A Select label from stored text: sanitized, and `Text` so it is never markup."""
    return Text(plain(name or "", one_line=True) + suffix)


def _row(label: str, field) -> Horizontal:
    return Horizontal(Label(label), field, classes="field")
