"""Customers and organizations screens: keys pressed, what shows, what the backend got."""

from __future__ import annotations

import sqlite3

import pytest

from deskline.models import CustomerCreate, CustomerUpdate
from tests.tui.helpers import NOW, Recorder, make_app, screen_text, wait_for
from tests.tui.test_pilot import is_ready, open_palette
from tui.screens.customers import CustomerScreen, CustomersScreen
from tui.screens.organizations import OrganizationScreen, OrganizationsScreen
from tui.screens.ticket import TicketScreen

SIZES = [(80, 24), (120, 40)]
EVIL = "[b]Evil[/b] \x1b]52;c;aGk=\x07Corp"


class Everything(Recorder):
    """Records reads too: what the screens asked the backend for."""

    READS: set = set()


def add_customers(path) -> None:
    """A customer whose name is markup and terminal control, without organization."""
    from deskline.local import resolve_agent
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, None), clock=lambda: NOW)
    svc.create_customer(CustomerCreate(email="zz.evil@hostile.example", name=EVIL))
    store.close()


async def start(pilot, key: str = "c"):
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    app.backend = spy = Everything(app.backend)
    await pilot.press(key)
    return spy


async def customers_loaded(pilot):
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen)
                   and app.screen.customers and app.screen.directory.organizations)
    await pilot.pause()
    return app.screen


def last(spy, name):
    return spy.writes(name)[-1]


async def test_list_filters_by_text_organization_project_and_no_organization(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        screen = await customers_loaded(pilot)
        assert "Showing: all customers" in screen_text(app)
        assert "⊘ no organization" in screen_text(app)  # unassigned read as text

        await pilot.press("slash", *"costa")
        await wait_for(pilot, lambda: last(spy, "list_customers")[1]["text"] == "costa"
                       and all("costa" in c.email for c in screen.customers))
        await pilot.press("enter")  # back to the list
        await wait_for(pilot, lambda: isinstance(app.focused,
                                                 type(screen.query_one("#customer-list"))))
        assert "“costa”" in screen_text(app)

        await pilot.press("u")
        await wait_for(pilot, lambda: last(spy, "list_customers")[1]["unassigned"] is True)
        await wait_for(pilot, lambda: screen.customers and all(
            c.organization_id is None for c in screen.customers))

        await pilot.press("c")  # clear
        await wait_for(pilot, lambda: last(spy, "list_customers")[1] == dict(
            cursor=None, limit=100, text=None, organization_id=None, project_id=None,
            unassigned=False))

        await pilot.press("o")
        await wait_for(pilot, lambda: "Show the customers of" in screen_text(app))
        orgs = sorted(screen.directory.organizations.values(), key=lambda o: o.name.casefold())
        used = {r[0] for r in sqlite3.connect(demo_db).execute(
            "SELECT organization_id FROM customers")}
        index, org = next((i, o) for i, o in enumerate(orgs) if o.id in used)
        # Options: any organization, no organization, then the organizations by name.
        await pilot.press(*["down"] * (index + 2), "enter")
        await wait_for(pilot, lambda: last(spy, "list_customers")[1]["organization_id"]
                       == org.id and screen.customers)
        assert all(c.organization_id == org.id for c in screen.customers)
        assert f"organization {org.name}" in screen_text(app)

        await pilot.press("c", "p")
        await wait_for(pilot, lambda: "Show the members of the project" in screen_text(app))
        members = {r[0] for r in sqlite3.connect(demo_db).execute(
            "SELECT project_id FROM customer_projects")}
        projects = list(screen.directory.projects.values())
        index, project = next((i, p) for i, p in enumerate(projects) if p.id in members)
        await pilot.press(*["down"] * (index + 1), "enter")
        await wait_for(pilot, lambda: last(spy, "list_customers")[1]["project_id"] == project.id
                       and screen.customers)
        assert all(project.id in c.project_ids for c in screen.customers)


async def test_list_pages_with_keyset_cursors(demo_db):
    from tui.screens import customers as module

    app = make_app(demo_db)
    module_page = module.PAGE
    module.PAGE = 25
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            spy = await start(pilot)
            screen = await customers_loaded(pilot)
            assert len(screen.customers) == 25 and screen.cursor
            for _ in range(10):
                await pilot.press("pagedown")
            await wait_for(pilot, lambda: len(screen.customers) > 25)
            calls = spy.writes("list_customers")
            assert calls[0][1]["cursor"] is None and calls[1][1]["cursor"] == screen_cursor(calls)
            ids = [c.id for c in screen.customers]
            assert ids == sorted(set(ids))  # no duplicates, in keyset order
    finally:
        module.PAGE = module_page


def screen_cursor(calls):
    return calls[1][1]["cursor"]


async def test_move_unassigned_customer_into_an_organization(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        screen = await customers_loaded(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.unassigned and screen.customers
                       and screen.customers[0].organization_id is None)
        first, second = screen.customers[0], screen.customers[1]
        count = len(screen.customers)
        await pilot.press("m")
        await wait_for(pilot, lambda: "Move into the organization" in screen_text(app))
        await pilot.press("down", "enter")  # the first organization by name
        await wait_for(pilot, lambda: spy.writes("update_customer"))
        acme = min(screen.directory.organizations.values(), key=lambda o: o.name.casefold())
        assert spy.writes("update_customer") == [((first.id, CustomerUpdate(
            organization_id=acme.id)), {})]
        # Moved out of "no organization": gone from this list, the next one selected.
        await wait_for(pilot, lambda: len(screen.customers) == count - 1)
        assert screen.current.id == second.id
        assert f"Saved {first.email} · Acme Logistics" in screen_text(app)
        row = sqlite3.connect(demo_db).execute(
            "SELECT organization_id FROM customers WHERE id = ?", (first.id,)).fetchone()
        assert row == (acme.id,)


async def test_create_customer_with_only_an_email(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        screen = await customers_loaded(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: "New customer" in screen_text(app))
        await pilot.press("f5")  # no email: refused, nothing sent
        await pilot.pause()
        assert not spy.writes("create_customer")
        await pilot.press(*"New.Person@Example.com", "f5")
        await wait_for(pilot, lambda: spy.writes("create_customer"))
        (data,), _ = spy.writes("create_customer")[0]
        assert data.model_dump() == CustomerCreate(email="New.Person@Example.com").model_dump()
        assert data.email.casefold() == "new.person@example.com"
        assert not spy.writes("invite_customer")
        await wait_for(pilot, lambda: f"Created {data.email}" in screen_text(app))
        assert "no invitation" in screen_text(app)
        assert screen.customers[0].email == data.email


async def test_create_and_invite_says_no_invitation_was_sent_without_mail(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        await customers_loaded(pilot)
        await pilot.press("I")
        await wait_for(pilot, lambda: "Send an invitation mail" in screen_text(app))
        await pilot.press(*"jo@example.org", "tab", *"Jo Bloggs", "ctrl+s")
        await wait_for(pilot, lambda: spy.writes("invite_customer"))
        (data,), _ = spy.writes("invite_customer")[0]
        assert (data.email, data.name) == ("jo@example.org", "Jo Bloggs")
        await wait_for(pilot, lambda: "No invitation sent" in screen_text(app))
        assert "not configured" in screen_text(app)


async def test_create_and_invite_queues_the_invitation_when_mail_is_configured(demo_db):
    conn = sqlite3.connect(demo_db)
    conn.execute("INSERT INTO mail_settings (key, value) VALUES ('from_address', "
                 "'help@deskline.example')")
    conn.commit()
    conn.close()
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        await customers_loaded(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: "Send an invitation mail" in screen_text(app))
        await pilot.press(*"kim@example.org")
        app.screen.query_one("#invite").focus()
        await pilot.press("space", "f5")
        await wait_for(pilot, lambda: "Invitation queued" in screen_text(app))
        assert spy.writes("invite_customer")
        mails = sqlite3.connect(demo_db).execute(
            "SELECT kind, to_addr FROM outbox WHERE kind = 'invitation'").fetchall()
        assert mails == [("invitation", "kim@example.org")]


async def test_edit_customer_sends_only_what_changed(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        screen = await customers_loaded(pilot)
        customer = screen.current
        await pilot.press("e")
        await wait_for(pilot, lambda: f"Edit {customer.email}" in screen_text(app))
        await pilot.press("tab")
        app.screen.query_one("#name").value = "Renamed Person"
        await pilot.press("f5")
        await wait_for(pilot, lambda: spy.writes("update_customer"))
        assert spy.writes("update_customer") == [((customer.id, CustomerUpdate(
            name="Renamed Person")), {})]
        await wait_for(pilot, lambda: "Renamed Person" in screen_text(app))


async def test_customer_page_lists_tickets_and_opens_one(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        screen = await customers_loaded(pilot)
        customer = screen.current
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerScreen)
                       and app.screen.tickets)
        page = app.screen
        assert last(spy, "customer_tickets")[0] == (customer.id,)
        text = screen_text(app)
        assert customer.email in text and f"#{page.tickets[0].number}" in text
        created = [t.created_at for t in page.tickets]
        assert created == sorted(created, reverse=True)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        assert app.screen.ticket.id == page.tickets[1].id


async def test_customer_page_moves_the_customer(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot)
        screen = await customers_loaded(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.customers
                       and screen.customers[0].organization_id is None)
        customer = screen.customers[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerScreen))
        assert "Organization: ⊘ no organization" in screen_text(app)
        await pilot.press("m", "down", "enter")
        await wait_for(pilot, lambda: spy.writes("update_customer"))
        await wait_for(pilot, lambda: "Organization: Acme Logistics" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        assert customer.id not in [c.id for c in screen.customers]


async def test_customer_text_is_shown_as_text(demo_db):
    add_customers(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        screen = await customers_loaded(pilot)
        await pilot.press("slash", *"zz.evil")
        await wait_for(pilot, lambda: len(screen.customers) == 1
                       and "<zz.evil@hostile.example>" in screen_text(app))
        text = screen_text(app)
        assert "[b]Evil[/b]" in text and "\x1b" not in text and "\x07" not in text


async def test_organizations_list_customers_and_merged_tickets(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await start(pilot, "o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrganizationsScreen)
                       and app.screen.organizations)
        orgs = app.screen.organizations
        assert orgs[0].name in screen_text(app)
        used = {r[0] for r in sqlite3.connect(demo_db).execute(
            "SELECT organization_id FROM customers")}
        index, org = next((i, o) for i, o in enumerate(orgs) if o.id in used)
        await pilot.press(*["j"] * index, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrganizationScreen)
                       and app.screen.customers and app.screen.tickets)
        org_screen = app.screen
        assert last(spy, "list_customers")[1]["organization_id"] == org.id
        assert all(c.organization_id == org.id for c in org_screen.customers)
        # Its tickets, newest first: the first page, then the next as the selection nears
        # the end.
        expected = (await app.backend.organization_tickets(org.id, limit=200)).items
        assert [t.id for t in org_screen.tickets] == [t.id for t in expected][:50]
        assert last(spy, "organization_tickets")[0] == (org.id,)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        assert app.screen.ticket.id == expected[0].id


async def test_organizations_u_lists_customers_without_organization(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, "o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrganizationsScreen))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen)
                       and app.screen.customers)
        assert all(c.organization_id is None for c in app.screen.customers)


async def _customers(pilot):
    await start(pilot)
    await customers_loaded(pilot)
    await pilot.press("j", "j")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_customers_snapshot(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_customers)


async def test_palette_opens_the_screens_and_f1_lists_their_keys(demo_db):
    from tui.screens.reports import ReportsScreen

    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_palette(pilot)
        await pilot.press(*"Open: Reports")
        await wait_for(pilot, lambda: "Open: Reports" in screen_text(app))
        await pilot.pause(0.3)  # let the fuzzy search settle on its best match
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("escape")
        await open_palette(pilot)
        await pilot.press(*"Open: Customers without")
        await wait_for(pilot, lambda: "Open: Customers without organization"
                       in screen_text(app))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen)
                       and app.screen.unassigned and app.screen.customers)
        await pilot.press("f1")
        await wait_for(pilot, lambda: "Keys · Customers" in screen_text(app))
        text = screen_text(app)
        assert "Move into an organization…" in text and "Only customers without" in text


async def test_customer_keys_can_be_remapped(demo_db):
    app = make_app(demo_db, keys={"customers.move": "v"})
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        await customers_loaded(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: "Move into the organization" in screen_text(app))
