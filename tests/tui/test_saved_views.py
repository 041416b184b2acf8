"""Saved views in the console at 80×24: a board's filter named (a taken name refused,
naming the field, the typing kept), the dashboard's line, a cross-team view made in its
form, its list following live changes, and the palette's "View: …" entries."""

from __future__ import annotations

import re

from deskline.models import SavedViewCreate, TicketCreate, ViewFilter
from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_board, open_palette
from tui.pickers import Confirm, TextPrompt
from tui.screens.dashboard import DashboardScreen
from tui.screens.views import ViewForm, ViewScreen, ViewsScreen
from widgets.safe_input import SafeInput


async def test_a_board_filter_is_saved_as_a_view_and_a_taken_name_is_refused(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        await pilot.press("u")  # only unassigned
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"Care unassigned", "enter")
        backend = app.holder["backend"]
        await wait_for(pilot, lambda: backend.writes("create_view"))
        await wait_for(pilot, lambda: app.screen is board)
        saved = (await backend.list_views())[0]
        assert saved.name == "Care unassigned"
        assert saved.filter == ViewFilter(team_ids=[board.team_id], assignee="none")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"care UNASSIGNED", "enter")
        await wait_for(pilot, lambda: any(str(n.message).startswith("name: you already have")
                                          for n in app._notifications))
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))  # back, as typed
        assert "care UNASSIGNED" in screen_text(app)
        app.screen.query_one(SafeInput).value = "x" * 81  # too long
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("name: String should have at most 80" in
                                          str(n.message) for n in app._notifications))
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert len(backend.writes("create_view")) == 2  # the first and the taken name
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: re.search(r"Saved views \(v\): Care unassigned \(\d+\)",
                                                screen_text(app)))  # with its count


async def test_a_cross_team_view_is_made_in_its_form_and_its_list_follows_changes(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewForm))
        await pilot.press(*"Printers", "tab", *"Nowhere")  # a team that is not hers
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "no team 'Nowhere'" in screen_text(app))
        form = app.screen
        assert form.query_one("#f-team_ids").has_focus  # the field named, what was typed kept
        await pilot.press(*("backspace",) * 7)
        form.query_one("#f-text").focus()  # the last line: words
        await pilot.press(*"printer", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen)
                       and app.screen.views)
        assert app.screen.views[0].filter == ViewFilter(text="printer")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewScreen) and app.screen.items)
        view = app.screen
        assert len({r.team_id for r in view.items}) > 1  # across teams
        assert "View · Printers" in screen_text(app)
        assert "[URGENT] printer down [/]" in screen_text(app)  # hostile data shown as text
        # Another writer (the same file): the list follows the change log's events.
        backend = app.holder["backend"]
        care = next(t for t in app.teams if t.name == "Customer Care")
        ticket = await backend.create_ticket(TicketCreate(team_id=care.id,
                                                          subject="The printer [red]smokes"))
        await wait_for(pilot, lambda: view.items[0].id == ticket.id, timeout=5)
        await wait_for(pilot, lambda: "The printer [red]smokes" in screen_text(app))
        await pilot.press("g", "enter")  # the selection stayed on its ticket: to the top
        await wait_for(pilot, lambda: getattr(app.screen, "ticket", None) is not None
                       and app.screen.ticket.id == ticket.id)


async def test_views_are_renamed_deleted_and_opened_from_the_palette(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        backend = app.holder["backend"]
        kept = ViewFilter(assignee="me", priorities=[1], tags=["vip"])
        await backend.create_view(SavedViewCreate(name="Old name", filter=kept))
        await backend.create_view(SavedViewCreate(name="SLA failed [b]", filter=ViewFilter(
            sla="failed")))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen) and app.screen.views)
        await pilot.press("e")  # the first, by name: "Old name"
        await wait_for(pilot, lambda: isinstance(app.screen, ViewForm))
        await pilot.press(*("backspace",) * 8, *"Mine", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen)
                       and app.screen.views[0].name == "Mine")
        assert app.screen.views[0].filter == kept  # only renamed: "medium only" kept too
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen)
                       and [v.name for v in app.screen.views] == ["SLA failed [b]"])
        assert "SLA failed [b]" in screen_text(app)  # a name is text, never markup
        await open_palette(pilot)
        await pilot.press(*"view: sla")
        await wait_for(pilot, lambda: "View: SLA failed [b]" in screen_text(app))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewScreen) and app.screen.items)
        assert all(r.sla_status == "failed" for r in app.screen.items)
        await backend.delete_view(app.screen.view.id)  # from another console
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen))  # said, closed
        assert any("does not exist" in str(n.message) for n in app._notifications)
