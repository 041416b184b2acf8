"""The new ticket form (from the dashboard, the board and the palette's place) and deleting
a ticket from the board, at 80×24."""

from __future__ import annotations

from textual.widgets import OptionList, Select

from tests.conftest import ADMIN
from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_board
from tui.pickers import Confirm
from tui.screens.board import BoardScreen
from tui.screens.new_ticket import NewTicketForm
from tui.screens.ticket import TicketScreen
from widgets.safe_input import SafeInput

SIZE = (80, 24)


async def open_form(pilot, keys=("N",)) -> NewTicketForm:
    await pilot.press(*keys)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, NewTicketForm))
    await pilot.pause()
    return pilot.app.screen


async def type_customer(pilot, form, text: str) -> None:
    form.query_one("#customer", SafeInput).focus()
    await pilot.press(*text)
    await wait_for(pilot, lambda: "customer:" in screen_text(pilot.app)
                   or form.matches or "new customer" in screen_text(pilot.app))


async def test_from_the_dashboard_a_new_email_creates_the_customer(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("right")  # Customer Care
        team_id = app.screen.figures[1].team_id
        form = await open_form(pilot)
        assert form.query_one("#team_id", Select).value == team_id
        first_open = next(s for s in await app.team_stages(team_id) if not s.closing)
        assert form.query_one("#stage_id", Select).value == first_open.id
        assert form.query_one("#channel", Select).value == "phone"
        await pilot.press(*"Caller cannot print")
        await type_customer(pilot, form, "new.caller@phone.example")
        await wait_for(pilot, lambda: "new customer" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.ticket is not None)
        ticket = app.screen.ticket
        assert ticket.subject == "Caller cannot print" and ticket.channel.value == "phone"
        assert ticket.team_id == team_id and ticket.stage_id == first_open.id
        backend = app.holder["backend"]
        [(args, _kw)] = backend.writes("create_customer")
        assert args[0].email == "new.caller@phone.example"
        assert ticket.customer_id is not None
        assert ticket.assignee_id is not None  # the team assigns automatically


async def test_customer_search_by_name_chooses_one_and_its_organization(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        form = await open_form(pilot)
        backend = app.holder["backend"]
        someone = next(c for c in (await backend.list_customers(limit=50)).items
                       if c.organization_id is not None)
        await pilot.press(*"Question by phone")
        await type_customer(pilot, form, someone.name.split()[0])
        assert form.matches
        index = next(i for i, c in enumerate(form.matches) if c.id == someone.id) \
            if any(c.id == someone.id for c in form.matches) else 0
        chosen = form.matches[index]
        matches = form.query_one("#customer-matches", OptionList)
        matches.focus()
        matches.highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        assert form.customer == chosen
        assert form.query_one("#organization_id", Select).value == (
            chosen.organization_id or Select.NULL)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.ticket is not None)
        assert app.screen.ticket.customer_id == chosen.id
        assert backend.writes("create_customer") == []


async def test_an_organization_changed_from_the_customers_goes_in_the_one_create_call(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        form = await open_form(pilot)
        backend = app.holder["backend"]
        someone = next(c for c in (await backend.list_customers(limit=50)).items
                       if c.organization_id is not None)
        other = next(o for o in form.organizations if o.id != someone.organization_id)
        await pilot.press(*"Calling for another company")
        await type_customer(pilot, form, someone.email)
        chosen = next(c for c in form.matches if c.id == someone.id)
        matches = form.query_one("#customer-matches", OptionList)
        matches.focus()
        matches.highlighted = form.matches.index(chosen)
        await pilot.press("enter")
        await pilot.pause()
        assert form.query_one("#organization_id", Select).value == someone.organization_id
        form.query_one("#organization_id", Select).value = other.id
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.ticket is not None)
        assert app.screen.ticket.organization_id == other.id
        [(args, _kw)] = backend.writes("create_ticket")
        assert args[0].organization_id == other.id
        assert args[0].customer_id == someone.id
        assert backend.writes("update_ticket") == []


async def test_an_empty_subject_is_refused_naming_the_field_and_typing_stays(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        form = await open_form(pilot)
        await type_customer(pilot, form, "someone@phone.example")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "✗ Subject" in screen_text(app))
        assert isinstance(app.screen, NewTicketForm)
        assert form.query_one("#customer", SafeInput).value == "someone@phone.example"
        assert app.focused is form.query_one("#subject", SafeInput)
        assert app.holder["backend"].writes("create_ticket") == []


async def test_from_the_board_the_team_and_the_columns_stage_are_preset(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        await pilot.press("l")
        stage_id = board.column.stage_id
        form = await open_form(pilot)
        assert form.query_one("#team_id", Select).value == board.team_id
        assert form.query_one("#stage_id", Select).value == stage_id
        await pilot.press(*"Walk-in: badge broken")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.ticket is not None)
        assert app.screen.ticket.stage_id == stage_id


async def test_the_palette_place_opens_the_form(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        app.action_open_screen("new_ticket")
        await wait_for(pilot, lambda: isinstance(app.screen, NewTicketForm))
        # Let the form's selects settle: leaving mid-mount races Textual's Select label.
        await pilot.pause()


async def test_an_admin_deletes_a_ticket_after_confirming(demo_db):
    app = make_app(demo_db, email=ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        card = board.column.current
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"#{card.number}" in screen_text(app)
        assert card.subject[:20] in screen_text(app)
        await pilot.press("enter")  # "Delete #…" is the first choice
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen)
                       and card.id not in [c.id for c in board.column.cards])
        [(args, _kw)] = app.holder["backend"].writes("delete_ticket")
        assert args == (card.id, card.version)


async def test_an_agent_is_told_deleting_is_for_admins(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert any("for admins" in str(n.message) for n in app._notifications)
        assert app.holder["backend"].writes("delete_ticket") == []
        assert board.column.cards


async def _form(pilot):
    await wait_for(pilot, lambda: is_ready(pilot.app))
    await pilot.press("right")
    await open_form(pilot)
    await pilot.press(*"Printer on fire")
    await pilot.pause()


def test_snapshot_of_the_form(snap_compare, demo_db):
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=SIZE, run_before=_form)
