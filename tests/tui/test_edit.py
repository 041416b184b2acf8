"""The ticket's header editor, driven by keys: description and organization, and fields
left as shown are not sent back (customer text is shown sanitized)."""

from __future__ import annotations

from deskline.text import plain
from tests.tui.helpers import HOSTILE, make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_ticket
from tui.screens.edit import EditTicketScreen


async def open_editor(pilot, app) -> EditTicketScreen:
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, EditTicketScreen)
                   and app.screen.organizations)
    return app.screen


async def test_description_and_organization_are_edited_from_the_keyboard(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 5)
        backend = app.holder["backend"]
        ticket = screen.ticket
        # The description is the first thing in the chatter.
        await pilot.press("home")
        assert "☰ Description · opened via" in screen_text(app)
        assert plain(ticket.description, one_line=True)[:30] in screen_text(app)
        organizations = await backend.list_organizations()
        target = next(o for o in organizations if o.id != ticket.organization_id)
        editor = await open_editor(pilot, app)
        assert "Organization" in screen_text(app) and "Description" in screen_text(app)
        # Subject → description (the cursor waits at its end): add a line.
        await pilot.press("tab", "enter", *"Called back: needs a new cable.")
        # Description → tags → customer → organization: type the start, take the suggestion.
        await pilot.press("tab", "tab", "tab", "ctrl+u", *target.name[:4].lower(), "right")
        assert editor.query_one("#organization").value == target.name
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: backend.writes("edit_ticket"))
        ((ticket_id, version, update), _kw), = backend.writes("edit_ticket")
        assert (ticket_id, version) == (ticket.id, ticket.version)
        assert update.model_dump(exclude_unset=True) == {
            "description": ticket.description.strip() + "\nCalled back: needs a new cable.",
            "organization_id": target.id}
        await wait_for(pilot, lambda: screen.ticket.organization_id == target.id)
        await pilot.press("home")
        text = screen_text(app)
        assert f"org: {target.name}" in text
        assert "Called back: needs a new cable." in text


def give_organization(path, number: int) -> str:
    """Put ticket `number` in the first organization; its name."""
    from deskline.models import TicketUpdate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    try:
        svc = Service(store, resolve_agent(store, None))
        org = svc.list_organizations()[0]
        ticket = svc.get_ticket_by_number(number)
        svc.update_ticket(ticket.id, ticket.version, TicketUpdate(organization_id=org.id))
        return org.name
    finally:
        store.close()


async def test_emptying_the_organization_takes_it_away(demo_db):
    name = give_organization(demo_db, 5)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 5)
        assert f"org: {name}" in screen_text(app)
        backend = app.holder["backend"]
        editor = await open_editor(pilot, app)
        assert editor.query_one("#organization").value == name
        field = editor.query_one("#organization")
        field.focus()
        await wait_for(pilot, lambda: editor.focused is field)
        await pilot.press("ctrl+u", "ctrl+s")
        await wait_for(pilot, lambda: backend.writes("edit_ticket"))
        update = backend.writes("edit_ticket")[0][0][2]
        assert update.model_dump(exclude_unset=True) == {"organization_id": None}
        await wait_for(pilot, lambda: screen.ticket.organization_id is None)
        assert "org:" not in screen_text(app)


async def test_an_unknown_organization_is_refused_and_the_dialog_stays(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_ticket(pilot, app, 5)
        backend = app.holder["backend"]
        editor = await open_editor(pilot, app)
        editor.query_one("#subject").value = "A new subject"
        editor.query_one("#organization").value = "No Such Company"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("no organization is named 'No Such Company'"
                                          in n.message for n in app._notifications))
        assert app.screen is editor  # still open: nothing typed is lost
        assert editor.query_one("#subject").value == "A new subject"
        assert not backend.writes("edit_ticket")


async def test_saving_a_hostile_ticket_untouched_sends_nothing(demo_db):
    """The fields show the subject and description sanitized; saving them as shown must
    not rewrite the ticket with the stand-ins."""
    app = make_app(demo_db)  # the admin sees the hostile ticket
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 401)
        backend = app.holder["backend"]
        editor = await open_editor(pilot, app)
        assert editor.query_one("#subject").value == plain(HOSTILE, one_line=True)
        assert editor.query_one("#description").text == plain(HOSTILE)
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        assert not backend.writes("edit_ticket")
        # Only the field the agent changed is sent.
        await open_editor(pilot, app)
        await pilot.press("tab", "f7", *"Printer on floor 2 is down")  # f7: select all
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: backend.writes("edit_ticket"))
        update = backend.writes("edit_ticket")[0][0][2]
        assert update.model_dump(exclude_unset=True) == {
            "description": "Printer on floor 2 is down"}
