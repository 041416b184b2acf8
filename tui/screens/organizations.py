"""Organizations: the list, and one organization's customers and tickets (the tickets
that belong to it, `organization_tickets`, newest first, a page at a time)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from tui.screens.customers import NO_ORG, CustomerScreen, Directory, customer_row
from widgets.keybar import KeyBar
from widgets.pagedrows import PagedRows
from widgets.rows import RowList, card_row
from widgets.titleline import TitleLine

PAGE = 50


class OrganizationsScreen(DesklineScreen):
    SCOPE = "organizations"
    AUTO_FOCUS = "#organizations"
    BINDINGS = keymap.bindings("organizations")
    DEFAULT_CSS = """
    #organizations { height: 1fr; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.directory = Directory()
        self.organizations: list = []

    def compose(self) -> ComposeResult:
        yield TitleLine(Text("Organizations"), id="title")
        yield RowList("loading organizations…", id="organizations")
        yield KeyBar(keymap.hints("organizations"))

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        self.call(lambda b: self.directory.load(b), self._show, "Loading organizations")

    def _show(self, directory: Directory) -> None:
        self.organizations = sorted(directory.organizations.values(),
                                    key=lambda o: o.name.casefold())
        projects: dict[int, list[str]] = {}
        for p in directory.projects.values():
            if p.organization_id is not None:
                projects.setdefault(p.organization_id, []).append(plain(p.name, one_line=True))
        rows = []
        for org in self.organizations:
            row = [(plain(org.name, one_line=True), "strong")]
            if org.domain:
                row.append((f"  @{plain(org.domain, one_line=True)}", "dim"))
            if org.id in projects:
                row.append((f"  · projects: {', '.join(projects[org.id])}", "dim"))
            rows.append(row)
        rows_widget = self.query_one(RowList)
        rows_widget.empty = "(no organizations yet)"
        rows_widget.set_rows(rows, keep=True)
        self.query_one("#title", Static).update(
            Text(f"Organizations ({len(self.organizations)}) · "
                 f"{keymap.key('organizations.unassigned')}: customers with "
                 f"{NO_ORG}"))

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(RowList)
        rows.select(rows.selected + delta)

    def action_open(self) -> None:
        index = self.query_one(RowList).selected
        if 0 <= index < len(self.organizations):
            self.app.push_screen(OrganizationScreen(self.organizations[index], self.directory))

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.action_open()

    def action_unassigned(self) -> None:
        from tui.screens.customers import CustomersScreen

        self.app.push_screen(CustomersScreen(unassigned=True))

    def action_back(self) -> None:
        self.app.pop_screen()


class OrganizationScreen(DesklineScreen):
    """One organization: its customers (top) and their tickets (below); tab switches."""

    SCOPE = "organization"
    BINDINGS = keymap.bindings("organization")
    DEFAULT_CSS = """
    #org-customers { height: 1fr; padding: 0 1; }
    #org-tickets { height: 2fr; padding: 0 1; }
    """

    def __init__(self, organization, directory: Directory) -> None:
        super().__init__()
        self.organization = organization
        self.directory = directory
        self.customers: list = []
        self.customer_cursor: str | None = None
        self.tickets: list = []
        self.ticket_cursor: str | None = None
        self.tickets_loaded = False

    def compose(self) -> ComposeResult:
        org = self.organization
        title = Text("Organization · ")
        title.append(plain(org.name, one_line=True), "bold")
        if org.domain:
            title.append(f"  @{plain(org.domain, one_line=True)}")
        yield TitleLine(title, id="title")
        yield Static(Text("Customers"), id="org-customers-title", classes="section")
        yield PagedRows("(no customers in this organization)", id="org-customers")
        yield Static(Text("Its tickets, newest first"), id="org-tickets-title",
                     classes="section")
        yield PagedRows("(no tickets)", id="org-tickets")
        yield KeyBar(keymap.hints("organization"))

    def on_mount(self) -> None:
        self.query_one("#org-customers", PagedRows).focus()
        self.load_customers()
        self.load_tickets()

    def load_customers(self, more: bool = False) -> None:
        rows = self.query_one("#org-customers", PagedRows)
        cursor = self.customer_cursor if more else None

        def show(page) -> None:
            self.customers.extend(page.items)
            self.customer_cursor = page.next_cursor
            rows.set_page([customer_row(c, self.directory) for c in page.items],
                          page.next_cursor is not None, append=more)
            more_mark = "+" if page.next_cursor else ""
            self.query_one("#org-customers-title", Static).update(
                Text(f"Customers ({len(self.customers):,}{more_mark})"))

        self.call(lambda b: b.list_customers(organization_id=self.organization.id,
                                             cursor=cursor, limit=PAGE),
                  show, "Loading the organization's customers", group="org-customers",
                  failed=lambda exc: rows.set_page([], False, append=more))

    def load_tickets(self) -> None:
        rows = self.query_one("#org-tickets", PagedRows)
        append, cursor = self.tickets_loaded, self.ticket_cursor

        def show(page) -> None:
            self.tickets_loaded = True
            self.tickets.extend(page.items)
            self.ticket_cursor = page.next_cursor
            more = page.next_cursor is not None
            now = self.app.now()
            rows.set_page([card_row(c, now, team=self.app.team_name(c.team_id))
                           for c in page.items], more, append=append)
            self.query_one("#org-tickets-title", Static).update(Text(
                f"Its tickets, newest first ({len(self.tickets):,}{'+' if more else ''})"))

        self.call(lambda b: b.organization_tickets(self.organization.id, cursor=cursor,
                                                   limit=PAGE),
                  show, "Loading the organization's tickets", group="org-tickets",
                  failed=lambda exc: rows.set_page([], False, append=append))

    def on_paged_rows_need_more(self, event: PagedRows.NeedMore) -> None:
        if event.rows.id == "org-customers":
            if self.customer_cursor:
                self.load_customers(more=True)
        elif self.ticket_cursor:
            self.load_tickets()

    @property
    def _list(self) -> PagedRows:
        focused = self.focused
        if isinstance(focused, PagedRows):
            return focused
        return self.query_one("#org-customers", PagedRows)

    def action_cursor(self, delta: int) -> None:
        rows = self._list
        rows.select(rows.selected + delta)

    def action_switch(self) -> None:
        other = "#org-tickets" if self._list.id == "org-customers" else "#org-customers"
        self.query_one(other, PagedRows).focus()

    def action_open(self) -> None:
        rows = self._list
        if rows.id == "org-customers":
            if 0 <= rows.selected < len(self.customers):
                self.app.push_screen(CustomerScreen(self.customers[rows.selected],
                                                    self.directory))
        elif 0 <= rows.selected < len(self.tickets):
            self.app.open_ticket_screen(self.tickets[rows.selected].id)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        event.rows.focus()
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()
