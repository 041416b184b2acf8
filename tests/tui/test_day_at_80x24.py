"""An agent's day at 80×24 on a helpdesk whose every name is long and hostile: the
unread count in the header, the board's marks and keys, one line per agent in the
assign picker, one line per chosen value in the new-ticket form, the delete
confirmation's title."""

from __future__ import annotations

import pytest

from tests.tui.helpers import copy_db, make_app, screen_text, wait_for
from tests.tui.hostile import make_hostile
from tests.tui.test_pilot import is_ready
from tui.pickers import AgentPicker, Confirm
from tui.screens.board import BoardScreen
from tui.screens.new_ticket import NewTicketForm


@pytest.fixture
def hostile_db(demo_master, tmp_path):
    path = copy_db(demo_master, tmp_path / "hostile.db")
    found = make_hostile(path)
    _mention_admin(path, found.ticket_id)
    return path


def _mention_admin(path, ticket_id: int) -> None:
    """The hostile agent mentions the admin: one unread notification; the admin has a
    saved view of a long hostile name."""
    from deskline.models import VIEW_NAME_MAX, SavedViewCreate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore
    from tests.tui.hostile import hostile

    store = SqliteStore.open(path)
    try:
        admin = Service(store, resolve_agent(store, None))
        agent = next(a for a in admin.list_agents() if a.name.startswith("Agent "))
        Service(store, agent).comment(ticket_id, "@admin look")
        admin.create_view(SavedViewCreate(name=hostile("View", short=True)[:VIEW_NAME_MAX]))
    finally:
        store.close()


def _lines(app) -> list[str]:
    return screen_text(app).splitlines()


def _clean(text: str) -> None:
    assert not any(c in text for c in "\x1b\x9b\x9d\x07\x00")


async def test_hostile_names_at_80x24(hostile_db):
    app = make_app(hostile_db)  # the admin
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app) and app.unread == 1)
        assert _lines(app)[0].rstrip().endswith("✉ 1 unread  f7")
        views = next(line for line in _lines(app) if "Saved views" in line)
        assert "View ␛]52" in views and "… (" in views  # the name cut, its count shown
        # The hostile team (sorted last) on the board: its name gives way in the title to
        # the marks and their keys, and to the unread count.
        for _ in range(5):
            if "▶ Team ␛]52" in screen_text(app):
                break
            await pilot.press("right")
            await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen)
                       and app.screen.columns and app.screen.columns[0].cards)
        board = app.screen
        await pilot.press("space", "j", "space")
        await wait_for(pilot, lambda: len(board.marked) == 2)
        title = _lines(app)[0]
        assert "◆ 2 marked: M merge, b bulk" in title and title.rstrip().endswith("f7")
        await pilot.press("V")  # with marks: clears them, every card drawn unmarked
        await wait_for(pilot, lambda: not board.marked and "◆M" not in screen_text(app))
        await pilot.press("V")  # all that match: how many, and the keys
        await wait_for(pilot, lambda: "matching marked: b bulk" in _lines(app)[0]
                       and _lines(app)[0].rstrip().endswith("✉ 1 unread  f7"))
        await pilot.press("V")  # cleared
        await wait_for(pilot, lambda: not board.mark_all)
        assert "b bulk" in _lines(app)[-1]  # the key bar names the bulk key too
        _clean(screen_text(app))
        # The assign picker: one line per agent, the hostile name and address cut.
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker))
        await pilot.pause(0.2)
        text = screen_text(app)
        _clean(text)
        assert "away until 2026-03-03 <chloe.schmidt@" in text  # on Chloé's one line
        agent = next(line for line in text.splitlines() if "Agent ␛]52" in line)
        assert "<agent" in agent
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is board)
        # Deleting: the confirmation's title names number and subject on its one line.
        await pilot.press("k")  # back to the first card
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        title = next(line for line in _lines(app) if "Delete #" in line)
        assert "Subject ␛]52" in title and "…" in title
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is board)
        # A new ticket in the first column's stage: its hostile name stays on one line.
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, NewTicketForm))
        await pilot.pause(0.2)
        lines = _lines(app)
        stage = lines.index(next(line for line in lines if "┃ Stage " in line))
        assert "First ␛]52" in lines[stage + 1] and "┃ Priority" in lines[stage + 2]
        # Its choices too: one line each.
        from textual.widgets import Select

        app.screen.query_one("#stage_id", Select).focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        choices = [line for line in _lines(app) if "First ␛]52" in line or "Stage ␛]52" in line]
        assert len(choices) == 3  # the chosen one, then both hostile stages, a line each


async def test_down_from_the_typed_customer_goes_to_the_ones_found(demo_db):
    from textual.widgets import OptionList, Select

    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, NewTicketForm))
        form = app.screen
        await pilot.press(*"Printer on fire", "tab", *"kavya")
        await wait_for(pilot, lambda: len(form.matches) == 2)
        await pilot.press("down")
        assert isinstance(form.focused, OptionList)
        await pilot.press("enter")  # the first one found, and its organization
        await wait_for(pilot, lambda: form.customer is not None)
        assert form.customer.email.startswith("kavya.sato")
        chosen = form.query_one("#organization_id", Select).value
        assert chosen == form.customer.organization_id is not None


async def test_an_admin_deletes_the_ticket_from_its_view(demo_db):
    from tests.tui.test_pilot import open_ticket
    from tui.screens.ticket import TicketScreen

    app = make_app(demo_db)  # the admin
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 396)
        ticket = screen.ticket
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        title = next(line for line in _lines(app) if "Delete #396" in line)
        assert "It cannot be undone." in title  # the subject is cut before the warning is
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, (Confirm, TicketScreen)))
        [(args, _kw)] = app.holder["backend"].writes("delete_ticket")
        assert args == (ticket.id, ticket.version)
        assert not any("no longer visible" in str(n.message) for n in app._notifications)


def test_a_view_of_one_team_leaves_the_team_out_of_its_rows():
    from types import SimpleNamespace

    from tests.tui.helpers import NOW
    from tui.screens.views import view_row

    row = SimpleNamespace(number=7, priority=2, updated_at=NOW, subject="Printer",
                          team_name="Customer Care", stage_name="New", assignee_name=None)
    text = "".join(piece for piece, _style in view_row(row, NOW, team=False))
    assert "Printer · New · unassigned" in text and "Customer Care" not in text
    assert "Customer Care › New" in "".join(p for p, _s in view_row(row, NOW))
