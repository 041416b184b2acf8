"""A console on a SQLite file (no server) follows the other writers of that file — mail
intake, another console, the command line — through the change log: the board moves cards
and the ticket view appends messages without `r`, and a ticket opened after a change shows
its latest thread at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.tui.helpers import make_app as _make_app
from tests.tui.helpers import open_local, screen_text, wait_for
from tui.screens.board import BoardScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.ticket import TicketScreen

ALICE = "alice.martin@deskline.example"
DMITRI = "dmitri.tanaka@deskline.example"
LIVE = 2.0  # seconds: what "live" means for a console polling its file


def make_app(db: Path, email: str):
    return _make_app(db, email=email, record=False)


def ready(app) -> bool:
    return isinstance(app.screen, DashboardScreen) and bool(app.screen.figures)


async def within(pilot, condition, seconds: float = LIVE) -> None:
    start = time.monotonic()
    await wait_for(pilot, condition, timeout=seconds + 4)
    took = time.monotonic() - start
    assert took < seconds, f"took {took:.2f}s"


async def open_ticket(pilot, ticket_id: int) -> TicketScreen:
    app = pilot.app
    app.open_ticket_screen(ticket_id)
    await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket
                   and app.screen.ticket.id == ticket_id and app.screen.chatter.messages)
    return app.screen


async def test_reopened_ticket_shows_the_latest_thread(demo_db):
    other = await open_local(demo_db, ALICE)
    app = make_app(demo_db, ALICE)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: ready(app))
            ticket_id = app.screen.my_cards[0].id
            screen = await open_ticket(pilot, ticket_id)
            before = [m.id for m in screen.chatter.messages]
            await pilot.press("escape")
            await wait_for(pilot, lambda: ready(app))
            await other.comment(ticket_id, "Written by another console")
            screen = await open_ticket(pilot, ticket_id)
            assert len(screen.chatter.messages) == len(before) + 1
            assert "Written by another console" in screen.chatter.messages[-1].body
    finally:
        await other.close()


async def test_events_of_another_writer_on_the_same_file(demo_db):
    """The contract of `LocalBackend.events()`: what another connection writes to the file
    comes out within ~2 s, shaped like the server's events; nothing without a change."""
    reader = await open_local(demo_db, ALICE)
    writer = await open_local(demo_db, ALICE)
    try:
        assert reader.live
        stream = reader.events()
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(1.2)  # a few polls with nothing new: nothing told
        assert not first.done()
        card = (await writer.my_tickets()).items[0]
        ticket = await writer.get_ticket(card.id)
        stages = [s for s in await writer.list_stages(ticket.team_id)
                  if s.id != ticket.stage_id and not s.closing]
        start = time.monotonic()
        await writer.comment(card.id, "From the other console")
        moved = await writer.move_ticket(card.id, ticket.version, stages[0].id)
        seen = [await asyncio.wait_for(first, 3)]
        while not any(e.type == "ticket.updated" and e.version == moved.version
                      for e in seen):
            seen.append(await asyncio.wait_for(anext(stream), 3))
        assert time.monotonic() - start < LIVE
        assert ("message.created", card.id) in [(e.type, e.id) for e in seen]
        assert all(e.event_id for e in seen)
        assert [e.event_id for e in seen] == sorted(e.event_id for e in seen)
        await stream.aclose()
    finally:
        await reader.close()
        await writer.close()


async def test_events_skip_what_the_agent_may_not_see(demo_db):
    """The server's rule (`service/changes.py`): a ticket of a team Dmitri is not in is
    never told to him."""
    reader = await open_local(demo_db, DMITRI)
    writer = await open_local(demo_db, ALICE)
    try:
        cards = (await writer.my_tickets(limit=200)).items
        seen = await reader.run(reader.service.visible_ticket_ids, [c.id for c in cards])
        hidden = next(c for c in cards if c.id not in seen)
        shown = next(c for c in cards if c.id in seen)
        stream = reader.events()
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.1)
        await writer.comment(hidden.id, "Not for Dmitri")
        await writer.comment(shown.id, "For Dmitri too")
        event = await asyncio.wait_for(first, 3)
        assert (event.type, event.id) == ("message.created", shown.id)
        await stream.aclose()
    finally:
        await reader.close()
        await writer.close()


async def test_board_and_ticket_follow_another_console(demo_db):
    """Another console moves a ticket and comments on it: this console's board moves the
    card, and its open ticket view appends the comment, without `r`."""
    other = await open_local(demo_db, ALICE)
    app = make_app(demo_db, ALICE)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: ready(app))
            team = next(t for t in app.teams if t.name == "Customer Care")
            app.open_board(team.id)
            await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen)
                           and app.screen.columns and app.screen.columns[0].cards
                           and app.screen.columns[1].count is not None)
            board = app.screen
            card = board.columns[0].cards[0]
            target = board.columns[1].stage_id
            await other.move_ticket(card.id, card.version, target)
            await within(pilot, lambda: card.id in [c.id for c in board.columns[1].cards]
                         and card.id not in [c.id for c in board.columns[0].cards])

            screen = await open_ticket(pilot, card.id)
            shown = len(screen.chatter.messages)
            await other.comment(card.id, "Seen without r")
            await within(pilot, lambda: len(screen.chatter.messages) == shown + 1)
            assert "Seen without r" in screen.chatter.messages[-1].body
            await wait_for(pilot, lambda: "Seen without r" in screen_text(app))
    finally:
        await other.close()


async def test_view_opened_while_the_thread_changes_shows_the_news(demo_db):
    """The view opens with the thread read just before: a message committed after that
    read, whose event came before the view listened, is still appended (it used to show
    only on the next open)."""
    other = await open_local(demo_db, ALICE)
    app = make_app(demo_db, ALICE)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: ready(app))
            ticket_id = app.screen.my_cards[0].id
            backend = app.backend
            read = backend.ticket_messages

            async def read_then_mail_arrives(*args, **kwargs):
                page = await read(*args, **kwargs)
                del backend.ticket_messages  # once
                await other.comment(ticket_id, "Arrived while opening")
                await asyncio.sleep(1.5)  # its event is told before the view exists
                return page

            backend.ticket_messages = read_then_mail_arrives
            screen = await open_ticket(pilot, ticket_id)
            await within(pilot, lambda: "Arrived while opening"
                         in screen.chatter.messages[-1].body)
    finally:
        await other.close()
