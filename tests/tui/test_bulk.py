"""Bulk actions in the console at 80×24: marks on the board and in search, the preview
with the tickets it must leave out, the action, and its undo."""

from __future__ import annotations

from deskline.local import resolve_agent
from deskline.models import TicketUpdate
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.tui.helpers import NOW, make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, open_board
from tui.pickers import Picker
from tui.screens.search import SearchScreen


def _behind_the_console(path, change) -> None:
    """Another writer on the file (an admin), as a colleague would be."""
    store = SqliteStore.open(path)
    try:
        change(Service(store, resolve_agent(store, None), clock=lambda: NOW))
    finally:
        store.close()


async def _choose(pilot, app, label: str) -> None:
    """Pick the entry of the shown picker whose label holds `label`."""
    def shown() -> bool:
        screen = app.screen
        return isinstance(screen, Picker) and any(label in t for t in screen.labels)

    await wait_for(pilot, shown)
    index = next(i for i, text in enumerate(app.screen.labels) if label in text)
    for _ in range(index):
        await pilot.press("down")
    await pilot.press("enter")


async def test_board_marks_preview_refusals_apply_and_undo(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        cards = board.column.cards[:3]
        await pilot.press("space")  # marks without moving: space then j marks the next one
        assert board.column.selected == 0
        await pilot.press("j", "space", "j", "space")
        assert list(board.marked) == [c.id for c in cards]
        assert "◆ 3 marked" in screen_text(app)

        def meanwhile(svc: Service) -> None:
            stale = svc.get_ticket(cards[1].id)
            svc.update_ticket(stale.id, stale.version, TicketUpdate(subject="Changed meanwhile"))
            hidden = next(t for t in svc.list_teams() if t.name == "Platform Escalations")
            gone = svc.get_ticket(cards[2].id)
            svc.update_ticket(gone.id, gone.version, TicketUpdate(team_id=hidden.id))

        _behind_the_console(demo_db, meanwhile)
        await pilot.press("b")
        await _choose(pilot, app, "Change the priority")
        low = 0 if cards[0].priority != 0 else 1
        await _choose(pilot, app, "low" if low == 0 else "medium")
        await wait_for(pilot, lambda: "will change" in screen_text(app))
        text = screen_text(app)
        assert "1 will change" in text and "2 left out" in text
        assert f"#{cards[1].number} changed since you saw it" in text
        assert f"ticket {cards[2].id} does not exist or is not visible" in text
        assert "U undoes it (once)" in text and "Apply to 1 tickets" in text
        backend = app.holder["backend"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: backend.writes("bulk_apply") and not board.marked)
        assert (await backend.get_ticket(cards[0].id)).priority == low
        await wait_for(pilot, lambda: any("1 changed" in n.message
                                          for n in app._notifications))

        await pilot.press("U")
        await wait_for(pilot, lambda: any("Undone: 1 put back" in n.message
                                          for n in app._notifications))
        assert (await backend.get_ticket(cards[0].id)).priority == cards[0].priority


async def test_mark_all_that_match_the_filter(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        await pilot.press("b")  # nothing marked yet: said, nothing opens
        await wait_for(pilot, lambda: any("Mark tickets first (space)" in n.message
                                          for n in app._notifications))
        await pilot.press("u")  # only unassigned
        await wait_for(pilot, lambda: all(c.count is not None for c in board.columns))
        total = sum(c.count or 0 for c in board.columns)
        await pilot.press("V")
        await wait_for(pilot, lambda: f"all {total:,} matching marked" in screen_text(app))
        await pilot.press("b")
        await _choose(pilot, app, "Add a tag")
        await pilot.press(*"triaged", "enter")
        await wait_for(pilot, lambda: "will change" in screen_text(app))
        assert f"Add #triaged · {total:,} tickets" in screen_text(app)
        await pilot.press("enter")
        backend = app.holder["backend"]
        await wait_for(pilot, lambda: backend.writes("bulk_apply") and not board.mark_all)
        request = backend.writes("bulk_apply")[0][0][0]
        assert request.match.filter.unassigned and not request.tickets
        await pilot.press("V")  # marks again, and again clears
        assert board.mark_all
        await pilot.press("V")
        assert not board.mark_all and "matching marked" not in screen_text(app)

        # Merge two marked cards into the one chosen; the preview says it has no undo.
        await pilot.press("g", "space", "j", "space", "b")
        keep = board.column.cards[1]
        await _choose(pilot, app, "Merge into one")
        await _choose(pilot, app, f"#{keep.number}")
        await wait_for(pilot, lambda: "will change" in screen_text(app))
        assert f"Merge into #{keep.number} · 2 tickets" in screen_text(app)
        assert "A merge cannot be undone." in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(backend.writes("bulk_apply")) == 2)
        assert backend.writes("bulk_apply")[1][0][0].target_id == keep.id


async def test_search_rows_are_marked_for_a_bulk_action(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        app.push_screen(SearchScreen("printer"))
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen)
                       and len(app.screen.hits) >= 2)
        search = app.screen
        await pilot.press("ctrl+t", "down", "ctrl+t")
        assert len(search.marked) == 2 and "◆ 2 marked" in screen_text(app)
        await pilot.press("ctrl+b")
        await _choose(pilot, app, "Archive")
        await wait_for(pilot, lambda: "will change" in screen_text(app))
        assert "Archive · 2 tickets" in screen_text(app)
        await pilot.press("enter")
        backend = app.holder["backend"]
        await wait_for(pilot, lambda: backend.writes("bulk_apply") and not search.marked)
        marked = [item.ticket_id for item in backend.writes("bulk_apply")[0][0][0].tickets]
        for tid in marked:
            assert (await backend.get_ticket(tid)).archived
