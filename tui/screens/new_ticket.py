"""A new ticket from the console (a phone call, a walk-in): subject, customer found by name
or email as it is typed (a new email creates the customer), organization (the customer's,
changeable), team, stage (the team's first open one), priority, tags, channel, description.
Saving makes one `create_ticket` call, the organization shown included — automatic
assignment and SLA apply as for mail — and opens the ticket. Built like the settings forms
(`tui/screens/settings/form.py`): it fits 80×24, a refusal names the field and what was
typed stays."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui.screens.settings.form import FieldProblem, SettingsForm, field, shown, split_list
from widgets import glyphs
from widgets.safe_input import SafeInput, SafeTextArea

SEARCH_DELAY = 0.25  # seconds after the last key before the customers are asked for
MATCHES = 5


def _label(customer) -> str:
    return f"{shown(customer.name)} <{shown(customer.email)}>" if customer.name \
        else shown(customer.email)


def _looks_like_email(text: str) -> bool:
    local, _, domain = text.partition("@")
    return bool(local) and "." in domain and " " not in text


class NewTicketForm(SettingsForm):
    """Opened by `open_new_ticket`, which fetches what the choices need first."""

    TALL = True
    LABELS: dict[str, str] = {
        "subject": "Subject", "customer": "Customer (name or email)",
        "organization_id": "Organization", "team_id": "Team", "stage_id": "Stage",
        "priority": "Priority", "tags": "Tags (comma separated)", "channel": "Channel",
        "description": "Description", "customer_id": "Customer (name or email)",
    }
    DEFAULT_CSS = """
    NewTicketForm #customer-matches { height: auto; max-height: 5; }
    NewTicketForm #customer-note { color: $foreground-muted; }
    NewTicketForm Select { width: 100%; }
    """

    def __init__(self, teams: list, stages: dict[int, list], organizations: list,
                 tags: list[str], team_id: int, stage_id: int | None = None) -> None:
        super().__init__()
        self.title_text = "New ticket"
        self.teams = teams
        self.stages = stages  # team id -> its stages, in order
        self.organizations = organizations
        self.tags = tags
        self.team_id = team_id
        self.stage_id = stage_id if stage_id is not None else self._first_open(team_id)
        self.customer = None  # the customer chosen from the matches
        self.matches: list = []
        self._search_timer: Any = None

    def _first_open(self, team_id: int) -> int | None:
        stages = self.stages.get(team_id, [])
        return next((s.id for s in stages if not s.closing),
                    stages[0].id if stages else None)

    def _stage_options(self, team_id: int) -> list[tuple[Text, int]]:
        return [(Text(shown(s.name) + (" (closing)" if s.closing else "")), s.id)
                for s in self.stages.get(team_id, [])]

    def fields(self) -> ComposeResult:
        from deskline.models import Channel

        yield from field("Subject", SafeInput("", id="subject", compact=True))
        yield from field("Customer (name or email)", SafeInput(
            "", placeholder="type a name or an email; a new email creates the customer",
            id="customer", compact=True))
        yield OptionList(id="customer-matches", compact=True)
        yield Static(Text(""), id="customer-note")
        yield from field("Organization", Select(
            [(Text(shown(o.name)), o.id) for o in self.organizations], prompt="(none)",
            allow_blank=True, id="organization_id", compact=True))
        yield from field("Team", Select(
            [(Text(shown(t.name)), t.id) for t in self.teams], value=self.team_id,
            allow_blank=False, id="team_id", compact=True))
        stage_options = self._stage_options(self.team_id)
        yield from field("Stage", Select(
            stage_options, value=self.stage_id if stage_options else Select.NULL,
            allow_blank=not stage_options, id="stage_id", compact=True))
        yield from field("Priority", Select(
            [(Text(glyphs.priority(p)), p) for p in range(4)], value=0, allow_blank=False,
            id="priority", compact=True))
        yield from field("Tags (comma separated)", SafeInput(
            "", suggestions=self.tags, id="tags", compact=True))
        yield from field("Channel", Select(
            [(Text(c.value), c.value) for c in Channel], value=Channel.phone.value,
            allow_blank=False, id="channel", compact=True))
        yield from field("Description", SafeTextArea("", id="description"))

    def on_mount(self) -> None:
        self.query_one("#customer-matches", OptionList).display = False
        self.query_one("#subject", SafeInput).focus()

    # --- the customer, searched as it is typed -------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "customer":
            return
        if self.customer is not None and event.value != _label(self.customer):
            self.customer = None  # typed over the chosen one: search again
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._search)

    def _search(self) -> None:
        self._search_timer = None
        text = self.query_one("#customer", SafeInput).value.strip()
        if self.customer is not None:
            return
        if not text:
            self._show_matches([], text)
            return

        async def search(backend):
            return text, (await backend.list_customers(text=text, limit=MATCHES)).items

        def found(result) -> None:
            asked, items = result
            if asked == self.query_one("#customer", SafeInput).value.strip():
                self._show_matches(items, asked)

        self.submit(search, "Searching the customers", found,
                    failed=lambda exc: self._note(f"search failed: {exc}"))

    def _show_matches(self, items: list, text: str) -> None:
        self.matches = items
        matches = self.query_one("#customer-matches", OptionList)
        matches.clear_options()
        matches.add_options([Option(Text(_label(c))) for c in items])
        matches.display = bool(items)
        exact = next((c for c in items if c.email.casefold() == text.casefold()), None)
        if exact is not None:
            self._choose(exact)
        elif items:
            self._note(f"{len(items)} found: ↓ or enter goes to them, enter chooses one"
                       + (" (or save: a new customer with this email)"
                          if _looks_like_email(text) else ""))
        elif _looks_like_email(text):
            self._note(f"new customer: {shown(text)} is created on save")
        elif text:
            self._note("no customer found: type an email to create one")
        else:
            self._note("")

    def on_key(self, event: events.Key) -> None:
        # Down from the typed name goes to what was found, as in any search box.
        matches = self.query_one("#customer-matches", OptionList)
        if event.key == "down" and self.focused is self.query_one("#customer", SafeInput) \
                and matches.display and self.matches:
            event.stop()
            event.prevent_default()
            matches.focus()
            matches.highlighted = 0

    def _note(self, text: str) -> None:
        self.query_one("#customer-note", Static).update(Text(text))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "customer-matches" and event.option_index < len(self.matches):
            event.stop()
            self._choose(self.matches[event.option_index])
            self.query_one("#organization_id", Select).focus()

    def _choose(self, customer) -> None:
        self.customer = customer
        box = self.query_one("#customer", SafeInput)
        if box.value != _label(customer):
            box.value = _label(customer)
        self.query_one("#customer-matches", OptionList).display = False
        organization = self.query_one("#organization_id", Select)
        known = {o.id for o in self.organizations}
        if customer.organization_id in known:
            organization.value = customer.organization_id
        else:
            organization.clear()
        self._note(f"customer: {_label(customer)}")

    # --- team and stage -----------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "team_id" or event.value == self.team_id \
                or not isinstance(event.value, int):
            return
        self.team_id = event.value
        stage = self.query_one("#stage_id", Select)
        options = self._stage_options(self.team_id)
        stage.set_options(options)
        first = self._first_open(self.team_id)
        if first is not None:
            stage.value = first

    # --- saving -------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "customer" and self.matches and self.customer is None:
            self.query_one("#customer-matches", OptionList).focus()
            return
        self.action_save()

    def action_save(self) -> None:
        from pydantic import ValidationError

        from deskline.models import CustomerCreate, TicketCreate

        def value(widget_id: str) -> Any:
            chosen = self.query_one(f"#{widget_id}", Select).value
            return None if chosen is Select.NULL else chosen

        try:
            data = TicketCreate(
                subject=self.query_one("#subject", SafeInput).value.strip(),
                description=self.query_one("#description", SafeTextArea).text,
                team_id=value("team_id"), stage_id=value("stage_id"),
                priority=value("priority") or 0,
                tags=split_list(self.query_one("#tags", SafeInput).value),
                channel=value("channel"))
        except ValidationError as exc:
            self.invalid(exc)
            return
        typed = self.query_one("#customer", SafeInput).value.strip()
        customer = self.customer
        new_email = None
        if customer is None and typed:
            if not _looks_like_email(typed):
                self.show_problem("customer", "choose one of the customers found, or type "
                                  "an email to create a customer")
                return
            new_email = typed
        organization_id = value("organization_id")

        async def create(backend):
            nonlocal customer
            if customer is None and new_email is not None:
                found = (await backend.list_customers(text=new_email, limit=MATCHES)).items
                customer = next((c for c in found
                                 if c.email.casefold() == new_email.casefold()), None)
                if customer is None:
                    try:
                        customer = await backend.create_customer(CustomerCreate(
                            email=new_email, organization_id=organization_id))
                    except ValidationError as exc:
                        raise FieldProblem("customer", str(exc.errors()[0].get("msg", exc))
                                           .removeprefix("Value error, ")) from exc
            # the organization as shown, the customer's or the one chosen: one write
            return await backend.create_ticket(data.model_copy(update={
                "customer_id": customer.id if customer else None,
                "organization_id": organization_id}))

        self.submit(create, "Creating the ticket")


async def _load(app, backend, team_id: int) -> dict:
    teams = [t for t in app.teams if not getattr(t, "archived", False)]
    stages = {t.id: await app.team_stages(t.id) for t in teams}
    return {"teams": teams, "stages": stages,
            "organizations": await backend.list_organizations(),
            "tags": await backend.list_tags()}


def open_new_ticket(screen, team_id: int | None = None, stage_id: int | None = None) -> None:
    """The form, for `team_id` (default: the screen's team, else the first team) with
    `stage_id` preset; the ticket opens once saved."""
    app = screen.app
    teams = [t for t in app.teams if not getattr(t, "archived", False)]
    if team_id is None:
        team_id = getattr(screen, "team_id", None)
    if team_id is None or team_id not in {t.id for t in teams}:
        if not teams:
            app.notify("No team to open a ticket in.", severity="warning", timeout=4,
                       markup=False)
            return
        team_id = teams[0].id
    chosen_team: int = team_id

    def show(loaded: dict) -> None:
        def saved(ticket) -> None:
            if ticket is not None:
                app.ticket_changed.publish(ticket)
                app.notify(f"#{ticket.number} created: {plain(ticket.subject, one_line=True)}",
                           timeout=4, markup=False)
                app.open_ticket_screen(ticket.id)

        app.push_screen(NewTicketForm(loaded["teams"], loaded["stages"],
                                      loaded["organizations"], loaded["tags"], chosen_team,
                                      stage_id), saved)

    screen.call(lambda backend: _load(app, backend, chosen_team), show,
                "Loading teams, stages and organizations")
