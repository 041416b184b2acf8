"""Edit dialogs on hostile stored text (pilot): fields are prefilled sanitized, saving
without touching a field leaves the stored value byte for byte, and names made of markup
never crash the console (one notification path, no markup anywhere)."""

from __future__ import annotations

import pytest

from deskline.text import plain
from tests.tui.helpers import copy_db, make_app, screen_text, wait_for
from tests.tui.hostile import MARKUP, admin_service, make_markup
from tests.tui.test_pilot import is_ready, open_ticket
from tui.screens.customers import CustomerForm, CustomerScreen
from tui.screens.edit import EditTicketScreen
from widgets.safe_input import SafeInput, SafeTextArea


async def test_ticket_editor_prefills_sanitized_and_keeps_untouched_values(hostile):
    path, made = hostile
    v = made.values
    app = make_app(path)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, made.ticket_number)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditTicketScreen)
                       and app.screen.organizations)
        editor = app.screen
        subject = editor.query_one("#subject", SafeInput)
        assert subject.value == plain(v["subject"], one_line=True)
        assert editor.query_one("#description", SafeTextArea).text == plain(v["description"])
        assert plain(v["tag"], one_line=True) in editor.query_one("#tags", SafeInput).value
        assert editor.query_one("#organization", SafeInput).value == \
            plain(v["organization"], one_line=True)
        for field in editor.query(SafeInput):
            assert "\x1b" not in field.value and not field.changed
        assert "Subject ␛]52;c;SGVsbG8=␇" in screen_text(app)
        # Change the priority only: nothing else is sent, the stored text stays as it was.
        backend = app.holder["backend"]
        priority = editor.query_one("#priority")
        priority.value = 1
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: backend.writes("edit_ticket"))
        ((_id, _version, update), _kw), = backend.writes("edit_ticket")
        assert update.model_dump(exclude_unset=True) == {"priority": 1}
        await wait_for(pilot, lambda: screen.ticket.priority == 1)
    with admin_service(path) as svc:
        ticket = svc.get_ticket(made.ticket_id)
        assert ticket.subject == v["subject"] and ticket.description == v["description"]
        assert v["tag"] in ticket.tags
        assert ticket.organization_name == v["organization"]


async def test_customer_form_prefills_sanitized_and_saves_only_what_was_typed(hostile):
    path, made = hostile
    v = made.values
    app = make_app(path)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        backend = await app.backend_ready()
        customer = await backend.get_customer(made.customer_id)
        from tui.screens.customers import Directory

        directory = Directory()
        directory.organizations = {o.id: o for o in await backend.list_organizations()}
        directory.projects = {p.id: p for p in await backend.list_projects()}
        app.push_screen(CustomerScreen(customer, directory))
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerForm))
        form = app.screen
        name, phone = form.query_one("#name", SafeInput), form.query_one("#phone", SafeInput)
        assert name.value == plain(v["customer_name"], one_line=True)
        assert phone.value == plain(v["customer_phone"], one_line=True)
        assert form.query_one("#email", SafeInput).value == \
            plain(v["customer_email"], one_line=True)
        assert "AAA Eve ␛]52;c;SGVsbG8=␇" in screen_text(app)
        assert name.result == v["customer_name"]  # untouched: the stored bytes
        # Saving untouched changes nothing; then a new phone is the only change.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CustomerForm))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerForm))
        app.screen.query_one("#phone", SafeInput).value = "+49 30 1234"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CustomerForm))
        await pilot.pause(0.3)
    with admin_service(path) as svc:
        stored = svc.get_customer(made.customer_id)
        assert stored.name == v["customer_name"] and stored.email == v["customer_email"]
        assert stored.phone == "+49 30 1234"
        assert len(stored.project_ids) == 1


@pytest.mark.parametrize("markup", MARKUP)
async def test_markup_names_never_crash_the_console(demo_master, tmp_path, markup):
    path = copy_db(demo_master, tmp_path / "markup.db")
    made = make_markup(path, markup)
    app = make_app(path)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        assert f"Team {markup}" in screen_text(app)
        # The board: assign, priority, tag filter, a move (each notifies with a name).
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"First {markup}" in screen_text(app))
        await pilot.press("A")
        await wait_for(pilot, lambda: "Assign to" in screen_text(app))
        await pilot.press("end", "enter")  # the last agent: the one named with markup
        await pilot.pause(0.5)
        await pilot.press("p")
        await wait_for(pilot, lambda: "Priority" in screen_text(app))
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: f"Stage {markup}" in screen_text(app))
        await pilot.press("t")
        await wait_for(pilot, lambda: "Show only the tag" in screen_text(app))
        await pilot.press("end", "enter")
        await pilot.pause(0.5)
        await pilot.press("escape")
        # The ticket: the editor and a stage move.
        screen = await open_ticket(pilot, app, made.ticket_number)
        assert f"Subject {markup}" in screen_text(app)
        await pilot.press("greater_than_sign")  # notifies with the stage's name
        await pilot.pause(0.5)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditTicketScreen)
                       and app.screen.organizations)
        assert f"Agent {markup}" in screen_text(app)
        await pilot.press("escape")
        # Every notification path with a name in it.
        app.notify(f"Assigned to Agent {markup}", title=f"Team {markup}")
        screen.notify(f"Moved to Stage {markup}", markup=True)
        await pilot.pause(0.3)
        shown = list(app._notifications)
        assert f"Moved to Stage {markup}" in [n.message for n in shown]
        assert shown and not any(n.markup for n in shown)
        assert any(f"Stage {markup}" in n.message for n in shown[:-2])  # the moves' own
        # The palette: boards by team name, customers by name.
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"AAA Eve")
        await wait_for(pilot, lambda: f"Customer: AAA Eve {markup}" in screen_text(app))
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.is_running
