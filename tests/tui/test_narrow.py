"""At 80×24 nothing that matters is cut off: the reply's address, a card's assignee, a
folded column's name; a customer known by address only shows as that address."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Static

from tests.tui.helpers import NOW, make_app, wait_for
from tests.tui.test_pilot import ALICE, is_ready
from tests.tui.test_snapshots import _board
from tui.screens.ticket import TicketScreen
from widgets.column import _people

LONG = "someone.with.a.rather.long.address@a-long-customer-domain.example"


def add_nameless(path) -> int:
    """A ticket from a customer who has an address and no name."""
    from deskline.local import resolve_agent
    from deskline.models import CustomerCreate, TicketCreate
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, None), clock=lambda: NOW)
    customer = svc.create_customer(CustomerCreate(email=LONG))
    team = svc.list_teams()[0]
    ticket = svc.create_ticket(TicketCreate(subject="Nameless", description="hello",
                                            team_id=team.id, customer_id=customer.id))
    store.close()
    return ticket.number


@pytest.mark.parametrize("room", [14, 19, 24, 33, 60])
def test_card_people_fit_and_keep_the_assignee(room):
    who, assignee = _people("Chloé Haddad", "Fatima Novak", room)
    assert cell_len(who) + 3 + cell_len(assignee) <= room
    assert assignee in ("@Fatima Novak", "@Fatima", "@FN")
    if room >= 33:
        assert (who, assignee) == ("Chloé Haddad", "@Fatima Novak")
    who, assignee = _people("Chloé Haddad", "", room)
    assert assignee in ("unassigned", "nobody")
    assert cell_len(who) + 3 + cell_len(assignee) <= room


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_board_cards_and_folded_columns_read_left_to_right(demo_db, size):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=size) as pilot:
        await _board(pilot)
        columns = app.screen.columns
        folded = [c for c in columns if c.folded]
        assert folded
        for column in folded:
            width = column.size.width
            head = column.render_line(0).text.strip()
            assert head.startswith("▸") and len(head) >= 4  # "▸Sol…" at least, sideways
            assert column.stage_name.startswith(head[1:].rstrip("…"))
            rest = [column.render_line(y).text.strip() for y in range(2, column.size.height)]
            assert not any(ch.isalpha() for line in rest for ch in line)  # no name downwards
            assert width <= 8
        for column in columns:
            if column.folded:
                continue
            for i, card in enumerate(column.cards[:3]):
                people = column._card(i, column.size.width)[2].text.rstrip()
                assert "…" not in people.split(" → ")[-1]
                if card.assignee_name:
                    first = card.assignee_name.split()[0]
                    assert "@" + first in people or people.endswith(
                        "@" + "".join(w[0] for w in card.assignee_name.split()))
                    if size[0] == 120:
                        assert people.endswith("@" + card.assignee_name)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_reply_address_fits_and_nameless_customer_is_its_address(demo_db, size):
    number = add_nameless(demo_db)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        app.open_ticket_screen(number=number)
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        await pilot.press("r")
        await pilot.pause()
        header = str(app.screen.query_one("#ticket-header", Static).render())
        assert f"customer: {LONG}" in header.replace("\n", "")
        assert "none <" not in header
        composer = app.screen.composer
        tabs = str(composer.query_one("#tabs", Static).render())
        assert cell_len(tabs) <= composer.size.width - 2
        assert "[Reply" in tabs and "Comment" in tabs
        if size[0] == 80:
            assert " to someone.with" in tabs and tabs.endswith("…")
        else:
            assert tabs.endswith(f" to {LONG}")
        await pilot.press("ctrl+t")
        await pilot.pause()
        tabs = str(composer.query_one("#tabs", Static).render())
        assert "internal" in tabs and cell_len(tabs) <= composer.size.width - 2
