"""Two consoles on one real server (uvicorn on 127.0.0.1): each sees the other's work live
through the event stream, presence shows who else has a ticket open, and a second reply
asks first."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from deskline.server.run import start_in_thread
from tests.server_support import make_token
from tests.tui.helpers import NOW, screen_text, wait_for
from tui.pickers import Confirm
from tui.screens.board import BoardScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.ticket import TicketScreen

ALICE = "alice.martin@deskline.example"  # agent: Customer Care and Billing
DMITRI = "dmitri.tanaka@deskline.example"  # agent: Customer Care and Platform Escalations
LIVE = 1.0  # seconds: what "live" means here


@pytest.fixture
def server(demo_db: Path):
    server = start_in_thread(demo_db)
    try:
        yield server
    finally:
        server.stop()


def remote_app(server, db: Path, email: str, tmp_path: Path):
    from deskline.config import Config
    from deskline.remote import RemoteBackend
    from tui.app import DesklineApp

    token = make_token(db, email)

    async def opener():
        return await RemoteBackend.open(server.url, token)

    return DesklineApp(opener, config=Config(theme="deskline-dark"), now=lambda: NOW,
                       drafts_path=tmp_path / f"drafts-{email}.json")


async def within(pilot, condition, seconds: float = LIVE) -> float:
    """Wait until `condition()` holds; fail unless it did within `seconds`."""
    start = time.monotonic()
    await wait_for(pilot, condition, timeout=seconds + 4)
    took = time.monotonic() - start
    assert took < seconds, f"took {took:.2f}s"
    return took


# Each console runs in a task of its own: Textual keeps the active app in a context
# variable, so an app driven from another app's task would act as the other one. The two
# scripts meet at named steps.


class Steps:
    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self.shared: dict = {}

    def _event(self, name: str) -> asyncio.Event:
        return self._events.setdefault(name, asyncio.Event())

    def done(self, name: str) -> None:
        self._event(name).set()

    async def wait(self, name: str) -> None:
        await asyncio.wait_for(self._event(name).wait(), 20)


def ready(app) -> bool:
    return isinstance(app.screen, DashboardScreen) and bool(app.screen.figures)


async def open_board(pilot, team_name: str) -> BoardScreen:
    app = pilot.app
    await wait_for(pilot, lambda: ready(app))
    team = next(t for t in app.teams if t.name == team_name)
    app.open_board(team.id)
    await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.columns
                   and app.screen.columns[0].cards and app.screen.columns[1].count is not None)
    return app.screen


async def open_ticket(pilot, ticket_id: int) -> TicketScreen:
    app = pilot.app
    app.open_ticket_screen(ticket_id)
    await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket
                   and app.screen.chatter.messages)
    return app.screen


async def alice(pilot, steps: Steps, server) -> None:
    app = pilot.app
    board = await open_board(pilot, "Customer Care")
    assert app.connection_state == "connected"
    assert "reconnecting" not in screen_text(app) and "offline" not in screen_text(app)
    await steps.wait("dmitri: board open")
    card = board.columns[0].cards[0]
    steps.shared.update(card=card, target=board.columns[1].stage_id)
    await pilot.press("greater_than_sign")
    await wait_for(pilot, lambda: card.id in [c.id for c in board.columns[1].cards])
    steps.done("alice: moved")

    await steps.wait("dmitri: saw the move")
    screen = await open_ticket(pilot, card.id)
    steps.done("alice: ticket open")
    await steps.wait("dmitri: ticket open")
    await within(pilot, lambda: "viewing: Dmitri Tanaka" in screen_text(app))
    steps.done("alice: saw dmitri")

    await steps.wait("dmitri: writing")
    await within(pilot, lambda: "replying: Dmitri Tanaka" in screen_text(app))
    await pilot.press("r", *"Hello from Alice", "ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
    assert "Dmitri Tanaka is replying to" in screen_text(app)
    assert "Send anyway" in screen_text(app)
    await pilot.press("escape")  # not now: nothing is sent, the draft stays
    await wait_for(pilot, lambda: app.screen is screen)
    assert screen.composer.text == "Hello from Alice"
    assert not any("Reply sent" in n.message for n in app._notifications)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
    await pilot.press("enter")  # the first option: send anyway
    await wait_for(pilot, lambda: any("Reply sent" in n.message for n in app._notifications))
    steps.done("alice: replied")

    await steps.wait("dmitri: saw the reply")
    await wait_for(pilot, lambda: screen.chatter.has_focus)  # sent: back in the thread
    steps.shared["stage"] = screen.ticket.stage_id
    await pilot.press("greater_than_sign")
    await wait_for(pilot, lambda: screen.ticket.stage_id != steps.shared["stage"])
    steps.done("alice: moved the ticket")

    await steps.wait("dmitri: saw the header")
    await asyncio.to_thread(server.stop)
    steps.done("server stopped")
    await within(pilot, lambda: "reconnecting…" in screen_text(app), seconds=5)
    assert app.connection_state == "reconnecting"


async def dmitri(pilot, steps: Steps) -> None:
    app = pilot.app
    board = await open_board(pilot, "Customer Care")
    steps.done("dmitri: board open")

    await steps.wait("alice: moved")
    card, target = steps.shared["card"], steps.shared["target"]
    column = next(c for c in board.columns if c.stage_id == target)
    await within(pilot, lambda: card.id in [c.id for c in column.cards]
                 and card.id not in [c.id for c in board.columns[0].cards])
    assert f"#{card.number}" in screen_text(app)
    steps.done("dmitri: saw the move")

    await steps.wait("alice: ticket open")
    screen = await open_ticket(pilot, card.id)
    steps.done("dmitri: ticket open")
    await within(pilot, lambda: "viewing: Alice Martin" in screen_text(app))
    await steps.wait("alice: saw dmitri")
    await pilot.press("r", *"On it")
    steps.done("dmitri: writing")

    await steps.wait("alice: replied")
    await within(pilot, lambda: screen.chatter.messages[-1].body == "Hello from Alice")
    ids = [m.id for m in screen.chatter.messages]
    assert len(ids) == len(set(ids))
    assert "Hello from Alice" in screen_text(app)
    steps.done("dmitri: saw the reply")

    await steps.wait("alice: moved the ticket")
    await within(pilot, lambda: screen.ticket.stage_id != steps.shared["stage"])
    assert screen.ticket.stage_name in screen_text(app)
    steps.done("dmitri: saw the header")

    await steps.wait("server stopped")
    await within(pilot, lambda: "reconnecting…" in screen_text(app), seconds=5)


async def test_two_consoles_see_each_other_live(server, demo_db, tmp_path):
    steps = Steps()

    async def console(email: str, script) -> None:
        app = remote_app(server, demo_db, email, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await script(pilot)

    tasks = [asyncio.create_task(console(ALICE, lambda p: alice(p, steps, server))),
             asyncio.create_task(console(DMITRI, lambda p: dmitri(p, steps)))]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
