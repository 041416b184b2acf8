"""Customers: the list (filtered by text, organization, project or "no organization"), a
customer's page with their tickets, editing, moving a customer into an organization, and
creating one (only the email is required) with or without an invitation mail.

The list is a keyset-paged Line-API widget (`PagedRows`): pages of customers arrive as the
selection nears the end. Organizations and projects are short lists, loaded once, to show
names instead of ids.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal, DesklineScreen
from widgets.keybar import KeyBar
from widgets.lines import truncate
from widgets.pagedrows import PagedRows
from widgets.rows import Row, card_row
from widgets.safe_input import SafeInput
from widgets.titleline import TitleLine

PAGE = 100
NO_ORG = "⊘ no organization"
ANY, NONE = 0, -1  # picker values: any organization / no organization


class Directory:
    """Organizations and projects by id, for names on rows (loaded once per screen)."""

    def __init__(self) -> None:
        self.organizations: dict[int, Any] = {}
        self.projects: dict[int, Any] = {}

    async def load(self, backend) -> Directory:
        self.organizations = {o.id: o for o in await backend.list_organizations()}
        self.projects = {p.id: p for p in await backend.list_projects()}
        return self

    def org_name(self, org_id: int | None) -> str:
        if org_id is None:
            return NO_ORG
        org = self.organizations.get(org_id)
        return plain(org.name, one_line=True) if org else f"organization {org_id}"

    def project_names(self, ids) -> str:
        return ", ".join(plain(self.projects[i].name, one_line=True) if i in self.projects
                         else f"project {i}" for i in ids)


def customer_row(customer, directory: Directory) -> Row:
    name = plain(customer.name, one_line=True) or "(no name)"
    row: Row = [(name, "strong"), (f" <{plain(customer.email, one_line=True)}>", "text")]
    if customer.organization_id is None:
        row.append(("  " + NO_ORG, "soon"))
    else:
        row.append(("  · " + directory.org_name(customer.organization_id), "dim"))
    if customer.project_ids:
        row.append((f"  · projects: {directory.project_names(customer.project_ids)}", "dim"))
    return row


def pick_organization(screen, directory: Directory, done, *, current: int | None = None,
                      title: str = "Move into the organization",
                      none_label: str = "No organization (unassign)") -> None:
    from tui.pickers import Picker

    options: list[tuple[str, Any]] = [(none_label, NONE)]
    options += [(o.name + (f"  ({o.domain})" if o.domain else ""), o.id)
                for o in sorted(directory.organizations.values(),
                                key=lambda o: o.name.casefold())]
    screen.app.push_screen(Picker(title, options, NONE if current is None else current), done)


class CustomersScreen(DesklineScreen):
    SCOPE = "customers"
    AUTO_FOCUS = "#customer-list"
    BINDINGS = keymap.bindings("customers")
    DEFAULT_CSS = """
    #customer-filter { margin: 0 1; background: $boost; }
    #customer-filters { height: 1; padding: 0 1; }
    #customer-list { height: 1fr; padding: 0 1; }
    #customer-status { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(self, *, text: str = "", organization_id: int | None = None,
                 project_id: int | None = None, unassigned: bool = False) -> None:
        super().__init__()
        self.text = text
        self.organization_id = organization_id
        self.project_id = project_id
        self.unassigned = unassigned
        self.directory = Directory()
        self.customers: list = []
        self.cursor: str | None = None
        self._generation = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TitleLine(Text("Customers"), id="title")
        yield SafeInput(self.text, placeholder="/ filter by name or email…",
                        id="customer-filter", compact=True)
        yield Static(self._filters(), id="customer-filters", classes="dim")
        yield PagedRows("(no customer matches)", id="customer-list")
        yield Static(Text(""), id="customer-status")
        yield KeyBar(keymap.hints("customers"))

    def on_mount(self) -> None:
        self.query_one(PagedRows).focus()
        self.call(lambda b: self.directory.load(b), self._directory_loaded,
                  "Loading organizations and projects", group="directory")
        self.load()

    def _directory_loaded(self, _directory) -> None:
        self.query_one("#customer-filters", Static).update(self._filters())
        rows = self.query_one(PagedRows)
        for i, customer in enumerate(self.customers):
            rows.replace_row(i, customer_row(customer, self.directory))

    # --- loading ----------------------------------------------------------------------

    def _filters(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("Showing: ")
        parts = []
        if self.unassigned:
            parts.append(NO_ORG)
        elif self.organization_id is not None:
            parts.append("organization " + self.directory.org_name(self.organization_id))
        if self.project_id is not None:
            parts.append("project " + self.directory.project_names([self.project_id]))
        if self.text.strip():
            parts.append(f"“{plain(self.text.strip(), one_line=True)}”")
        out.append(" · ".join(parts) if parts else "all customers", "bold")
        out.append(f"  ({len(self.customers):,}{'+' if self.cursor else ''} listed)")
        return out

    def load(self, *, more: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        rows = self.query_one(PagedRows)
        if not more:
            self.customers, self.cursor = [], None
            rows.reset("loading customers…")
        text = self.text.strip() or None
        cursor = self.cursor if more else None
        organization_id = None if self.unassigned else self.organization_id
        project_id, unassigned = self.project_id, self.unassigned

        def show(page) -> None:
            if generation != self._generation:
                return
            self.customers.extend(page.items)
            self.cursor = page.next_cursor
            rows.set_page([customer_row(c, self.directory) for c in page.items],
                          page.next_cursor is not None, append=more)
            self.query_one("#customer-filters", Static).update(self._filters())
            self.app.trace("customers-page")

        def failed(exc) -> None:
            if generation == self._generation:
                rows.set_page([], False, append=more)

        self.call(lambda b: b.list_customers(text=text, organization_id=organization_id,
                                             cursor=cursor, limit=PAGE, project_id=project_id,
                                             unassigned=unassigned),
                  show, "Loading customers", group="customers", exclusive=True, failed=failed)

    def on_paged_rows_need_more(self, event: PagedRows.NeedMore) -> None:
        if self.cursor:
            self.load(more=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value == self.text:
            return
        self.text = event.value
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.25, self.load)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(PagedRows).focus()

    @property
    def current(self):
        rows = self.query_one(PagedRows)
        return self.customers[rows.selected] if 0 <= rows.selected < len(self.customers) \
            else None

    # --- keys -------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(PagedRows)
        rows.select(rows.selected + delta)

    def action_top(self) -> None:
        self.query_one(PagedRows).select(0)

    def action_filter(self) -> None:
        self.query_one("#customer-filter", Input).focus()

    def action_organization(self) -> None:
        def chosen(value) -> None:
            if value is None:
                return
            self.unassigned = value == NONE
            self.organization_id = value if value not in (ANY, NONE) else None
            self.load()

        from tui.pickers import Picker

        options: list[tuple[str, Any]] = [("Any organization", ANY), (NO_ORG, NONE)]
        options += [(o.name, o.id) for o in sorted(self.directory.organizations.values(),
                                                   key=lambda o: o.name.casefold())]
        current = NONE if self.unassigned else (self.organization_id or ANY)
        self.app.push_screen(Picker("Show the customers of", options, current), chosen)

    def action_project(self) -> None:
        from tui.pickers import Picker

        def chosen(value) -> None:
            if value is None:
                return
            self.project_id = value or None
            self.load()

        options: list[tuple[str, Any]] = [("Any project", ANY)]
        options += [(p.name, p.id) for p in self.directory.projects.values()]
        self.app.push_screen(Picker("Show the members of the project", options,
                                    self.project_id or ANY), chosen)

    def action_unassigned(self) -> None:
        self.unassigned = not self.unassigned
        if self.unassigned:
            self.organization_id = None
        self.load()

    def action_clear(self) -> None:
        self.unassigned, self.organization_id, self.project_id = False, None, None
        self.text = ""
        with self.prevent(Input.Changed):
            self.query_one("#customer-filter", Input).value = ""
        self.load()

    def action_open(self) -> None:
        customer = self.current
        if customer is not None:
            self.app.push_screen(CustomerScreen(customer, self.directory))

    def on_row_list_chosen(self, event) -> None:
        self.action_open()

    def action_new(self) -> None:
        self.app.push_screen(CustomerForm(None, self.directory), self._created)

    def action_invite(self) -> None:
        self.app.push_screen(CustomerForm(None, self.directory, invite=True), self._created)

    def action_edit(self) -> None:
        customer = self.current
        if customer is not None:
            self.app.push_screen(CustomerForm(customer, self.directory), self._edited)

    def action_move(self) -> None:
        customer = self.current
        if customer is None:
            return

        def chosen(value) -> None:
            if value is None:
                return
            org_id = None if value == NONE else value
            if org_id == customer.organization_id:
                return
            move_customer(self, customer, org_id, self._edited)

        pick_organization(self, self.directory, chosen, current=customer.organization_id)

    def _created(self, result) -> None:
        if result is None:
            return
        customer = getattr(result, "customer", result)  # InviteResult or Customer
        self.show_status(outcome_text(result))
        self.customers.insert(0, customer)
        rows = self.query_one(PagedRows)
        rows.rows.insert(0, customer_row(customer, self.directory))
        rows.set_page([], rows.more, append=True)
        rows.select(0)

    def _edited(self, customer) -> None:
        if customer is None:
            return
        index = next((i for i, c in enumerate(self.customers) if c.id == customer.id), None)
        if index is None:
            return
        rows = self.query_one(PagedRows)
        gone = (self.unassigned and customer.organization_id is not None) or (
            self.organization_id is not None and customer.organization_id != self.organization_id)
        if gone:  # no longer matches the filter (e.g. moved out of "no organization")
            del self.customers[index]
            del rows.rows[index]
            rows.set_page([], rows.more, append=True)
            rows.select(min(index, len(rows.rows) - 1))
            self.query_one("#customer-filters", Static).update(self._filters())
        else:
            self.customers[index] = customer
            rows.replace_row(index, customer_row(customer, self.directory))
        self.show_status(Text(f"✓ Saved {plain(customer.email, one_line=True)} · "
                              f"{self.directory.org_name(customer.organization_id)}"))

    def show_status(self, text: Text) -> None:
        self.query_one("#customer-status", Static).update(text)

    def action_back(self) -> None:
        if self.focused is self.query_one("#customer-filter", Input):
            self.query_one(PagedRows).focus()
        else:
            self.app.pop_screen()


def move_customer(screen, customer, org_id: int | None, done) -> None:
    from deskline.models import CustomerUpdate

    update = CustomerUpdate(organization_id=org_id)  # None set explicitly: unassign

    def moved(result) -> None:
        name = screen.directory.org_name(org_id) if org_id else NO_ORG
        screen.app.notify(f"{plain(result.email, one_line=True)} → {name}", timeout=4,
                          markup=False)
        done(result)

    screen.call(lambda b: b.update_customer(customer.id, update), moved,
                "Moving the customer")


def invite_label(on: bool) -> str:
    return ("Send an invitation mail: YES (through the outbox)" if on else
            "Send an invitation mail: no (create only)") + " · space toggles"


def outcome_text(result) -> Text:
    """What creating a customer did, said plainly: created, invitation queued or not."""
    if hasattr(result, "invitation_queued"):
        email = plain(result.customer.email, one_line=True)
        if result.invitation_queued:
            text = Text("✉ Invitation queued: ", style="bold")
            text.append(f"{email} was created and the invitation mail is in the outbox.")
        else:
            text = Text("✗ No invitation sent: ", style="bold reverse")
            text.append(plain(result.note, one_line=True))
        return text
    return Text(f"✓ Created {plain(result.email, one_line=True)} (no invitation: created only)")


class CustomerScreen(DesklineScreen):
    """One customer: their details and their tickets, newest first."""

    SCOPE = "customer"
    AUTO_FOCUS = "#customer-tickets"
    BINDINGS = keymap.bindings("customer")
    DEFAULT_CSS = """
    #customer-details { height: auto; padding: 0 1; background: $panel; }
    #customer-tickets { height: 1fr; padding: 0 1; }
    """

    def __init__(self, customer, directory: Directory | None = None) -> None:
        super().__init__()
        self.customer = customer
        self.directory = directory or Directory()
        self.tickets: list = []
        self.cursor: str | None = None

    def compose(self) -> ComposeResult:
        yield TitleLine(self._title(), id="title")
        yield Static(self._details(), id="customer-details")
        yield Static(Text("Tickets, newest first"), classes="section")
        yield PagedRows("(no tickets from this customer)", id="customer-tickets")
        yield KeyBar(keymap.hints("customer"))

    def on_mount(self) -> None:
        self.query_one(PagedRows).focus()
        if not self.directory.organizations:
            self.call(lambda b: self.directory.load(b), lambda _d: self._refresh_header(),
                      "Loading organizations", group="directory")
        self.load()

    def _title(self) -> Text:
        c = self.customer
        return Text(f"Customer · {plain(c.name, one_line=True) or '(no name)'} "
                    f"<{plain(c.email, one_line=True)}>")

    def _details(self) -> Text:
        c = self.customer
        out = Text()
        out.append("Organization: ", "bold")
        out.append(self.directory.org_name(c.organization_id))
        out.append("   Phone: ", "bold")
        out.append(plain(c.phone or "–", one_line=True))
        out.append("\nProjects: ", "bold")
        out.append(self.directory.project_names(c.project_ids) or "none")
        out.append(f"   Customer since {c.created_at:%Y-%m-%d}")
        return out

    def _refresh_header(self) -> None:
        self.query_one("#title", Static).update(self._title())
        self.query_one("#customer-details", Static).update(self._details())

    def load(self, more: bool = False) -> None:
        rows = self.query_one(PagedRows)
        cursor = self.cursor if more else None
        if not more:
            self.tickets = []
            rows.reset("loading tickets…")
        customer_id = self.customer.id

        def show(page) -> None:
            self.tickets.extend(page.items)
            self.cursor = page.next_cursor
            now = self.app.now()
            rows.set_page([card_row(c, now, team=self.app.team_name(c.team_id))
                           for c in page.items], page.next_cursor is not None, append=more)

        self.call(lambda b: b.customer_tickets(customer_id, cursor=cursor, limit=PAGE), show,
                  "Loading the customer's tickets", group="tickets", exclusive=True,
                  failed=lambda exc: rows.set_page([], False, append=more))

    def on_paged_rows_need_more(self, event: PagedRows.NeedMore) -> None:
        if self.cursor:
            self.load(more=True)

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(PagedRows)
        rows.select(rows.selected + delta)

    def action_top(self) -> None:
        self.query_one(PagedRows).select(0)

    def action_open(self) -> None:
        rows = self.query_one(PagedRows)
        if 0 <= rows.selected < len(self.tickets):
            self.app.open_ticket_screen(self.tickets[rows.selected].id)

    def on_row_list_chosen(self, event) -> None:
        self.action_open()

    def _changed(self, customer) -> None:
        if customer is None:
            return
        self.customer = customer
        self._refresh_header()
        for screen in self.app.screen_stack:
            if isinstance(screen, CustomersScreen):
                screen._edited(customer)

    def action_edit(self) -> None:
        self.app.push_screen(CustomerForm(self.customer, self.directory), self._changed)

    def action_move(self) -> None:
        def chosen(value) -> None:
            if value is None:
                return
            org_id = None if value == NONE else value
            if org_id != self.customer.organization_id:
                move_customer(self, self.customer, org_id, self._changed)

        pick_organization(self, self.directory, chosen,
                          current=self.customer.organization_id)

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


class CustomerForm(DesklineModal):
    """Create (customer None) or edit a customer. Creating needs only the email; "send an
    invitation" creates and invites through the outbox."""

    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")

    def __init__(self, customer, directory: Directory, *, invite: bool = False) -> None:
        super().__init__()
        self.customer = customer
        self.directory = directory
        self.invite = invite

    def compose(self) -> ComposeResult:
        from textual.widgets import Checkbox, Label, Select

        c = self.customer
        orgs = sorted(self.directory.organizations.values(), key=lambda o: o.name.casefold())
        with Vertical(classes="dialog"):
            title = "New customer" if c is None else \
                f"Edit {plain(c.email, one_line=True)}"
            yield Static(Text(title), classes="dialog-title")
            yield Label("Email (required)")
            yield SafeInput(c.email if c else "", id="email", compact=True,
                            placeholder="jane@example.com")
            yield Label("Name")
            yield SafeInput(c.name if c else "", id="name", compact=True)
            yield Label("Phone")
            yield SafeInput(c.phone if c else "", id="phone", compact=True)
            yield Label("Organization")
            yield Select([(Text(NO_ORG), NONE)] + [(Text(plain(o.name, one_line=True)), o.id)
                                                   for o in orgs],
                         value=(c.organization_id or NONE) if c else NONE,
                         allow_blank=False, id="organization", compact=True)
            if self.directory.projects:
                yield Label("Projects (names, comma separated)")
                names = self.directory.project_names(c.project_ids) if c else ""
                known = ", ".join(plain(p.name, one_line=True)
                                  for p in self.directory.projects.values())
                yield SafeInput(names, id="projects", compact=True,
                                placeholder=truncate(f"e.g. {known}", 66))
            if c is None:
                yield Checkbox(invite_label(self.invite), self.invite, id="invite",
                               compact=True)
            yield Static(Text(f"{keymap.display('edit.save')} saves · "
                              f"{keymap.key('edit.cancel')} cancels · "
                              "tab moves"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#email", Input).focus()

    def on_checkbox_changed(self, event) -> None:
        # The box's look alone (a coloured X) would be the only signal: say it in words.
        event.checkbox.label = invite_label(event.value)

    def _projects(self) -> list[int] | None:
        """The project ids named in the projects field; None when a name is unknown."""
        if not self.directory.projects:
            return []
        field = self.query_one("#projects", SafeInput)
        if self.customer is not None and not field.changed:
            return list(self.customer.project_ids)
        # Names as stored or as shown (a name with control characters shows stand-ins).
        by_name = {p.name.casefold(): p.id for p in self.directory.projects.values()}
        by_name |= {plain(p.name, one_line=True).casefold(): p.id
                    for p in self.directory.projects.values()}
        out = []
        for name in field.value.split(","):
            if not name.strip():
                continue
            pid = by_name.get(name.strip().casefold())
            if pid is None:
                self.app.notify(f"No project named “{plain(name.strip(), one_line=True)}”.",
                                severity="error", timeout=6, markup=False)
                self.query_one("#projects", Input).focus()
                return None
            out.append(pid)
        return list(dict.fromkeys(out))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from pydantic import ValidationError
        from textual.widgets import Checkbox, Select

        from deskline.models import CustomerCreate, CustomerUpdate

        email_field = self.query_one("#email", SafeInput)
        name_field = self.query_one("#name", SafeInput)
        phone_field = self.query_one("#phone", SafeInput)
        email = email_field.value.strip()
        name = name_field.value.strip()
        phone = phone_field.value.strip() or None
        org = self.query_one("#organization", Select).value
        org_id = None if org in (NONE, Select.BLANK) else org
        projects = self._projects()
        if projects is None:
            return
        if not email:
            self.app.notify("An email is required.", severity="error", timeout=5, markup=False)
            self.query_one("#email", Input).focus()
            return
        c = self.customer
        new: CustomerCreate | None = None  # a new customer, or
        changes: CustomerUpdate | None = None  # the fields of `c` the agent changed
        try:
            if c is None:
                new = CustomerCreate(email=email, name=name, phone=phone,
                                      organization_id=org_id, project_ids=projects)
            else:
                # Only what the agent edited: an untouched field shows stand-ins for the
                # stored text's control characters, which must not replace it.
                fields: dict[str, Any] = {}
                if email_field.changed and email.casefold() != c.email.casefold():
                    fields["email"] = email
                if name_field.changed and name != c.name:
                    fields["name"] = name
                if phone_field.changed and phone != c.phone:
                    fields["phone"] = phone
                if org_id != c.organization_id:
                    fields["organization_id"] = org_id
                if sorted(projects) != sorted(c.project_ids):
                    fields["project_ids"] = projects
                changes = CustomerUpdate(**fields)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(x) for x in problem.get("loc", ())) or "value"
            self.app.notify(f"{where}: {plain(problem.get('msg', 'not valid'))}",
                            severity="error", timeout=6, markup=False)
            return
        if new is not None:
            invite = self.query_one("#invite", Checkbox).value
            if invite:
                self.call(lambda b: b.invite_customer(new), self.dismiss,
                          "Creating and inviting the customer")
            else:
                self.call(lambda b: b.create_customer(new), self.dismiss,
                          "Creating the customer")
        elif c is not None and changes is not None and changes.model_fields_set:
            self.call(lambda b: b.update_customer(c.id, changes), self.dismiss,
                      "Saving the customer")
        else:  # nothing changed
            self.dismiss(None)
