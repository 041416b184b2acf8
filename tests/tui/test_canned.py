"""Canned replies in the console at 80×24: the composer's picker (its key and `::` at the
start of a line), rendered for the ticket and inserted at the cursor; the screen where an
agent keeps their own, with its refusals (a team's reply, a body that does not compile, a
name taken); an admin's team replies in Settings; snapshots of the picker."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ALICE
from tests.tui.helpers import HOSTILE, NOW, make_app, screen_text, wait_for
from tests.tui.test_pilot import is_ready
from tui.canned import CannedPicker
from tui.screens.canned import TEAM_ONLY, CannedEditor, CannedReplies, TeamCannedReplies
from tui.screens.ticket import TicketScreen

NUMBER = 386  # Customer Care, customer Olga Schmidt
HELLO = 'Hello {{ customer.first_name or "there" }}, about #{{ ticket.number }}.'


def seed(path: Path) -> None:
    """Alice's own reply, and two of Customer Care's (one with a hostile name)."""
    from deskline.models import CannedReplyCreate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    try:
        admin = Service(store, resolve_agent(store, None), clock=lambda: NOW)
        care = next(t for t in admin.list_teams() if t.name == "Customer Care")
        Service(store, resolve_agent(store, ALICE), clock=lambda: NOW).create_canned_reply(
            CannedReplyCreate(name="Hello", body=HELLO + "\n{{ agent.name }}"))
        admin.create_canned_reply(CannedReplyCreate(
            name="Refund steps", body="Refunds take 5 working days.", team_id=care.id))
        admin.create_canned_reply(CannedReplyCreate(name=HOSTILE, body=HOSTILE,
                                                    team_id=care.id))
    finally:
        store.close()


async def open_ticket(pilot) -> TicketScreen:
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    app.open_ticket_screen(number=NUMBER)
    await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket
                   and app.screen.chatter.messages)
    return app.screen


def problem(screen) -> str:
    return str(screen.query_one("#form-problem").render())


async def test_an_agent_inserts_and_keeps_canned_replies(demo_db):
    seed(demo_db)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await open_ticket(pilot)
        composer = ticket.composer
        # `::` at the start of a line opens the picker; typing filters; enter inserts the
        # reply rendered for this ticket where the `::` was.
        await pilot.press("r", *"Hi", "enter", ":", ":")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker))
        picker = app.screen
        assert [r.name for r in picker.shown] == ["Hello", HOSTILE, "Refund steps"]
        assert "\x1b" not in screen_text(app) and "[URGENT]" in screen_text(app)
        await pilot.press(*"hel")
        assert [r.name for r in picker.shown] == ["Hello"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is ticket and "Olga" in composer.text)
        assert composer.text == f"Hi\nHello Olga, about #{NUMBER}.\nAlice Martin"
        assert composer.area.has_focus
        # `::` inside a line is text; the key opens the picker anywhere, esc changes nothing.
        await pilot.press(" ", ":", ":")
        assert app.screen is ticket
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker))
        await pilot.press(*"zq")
        assert "(no canned reply matches)" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is ticket)
        assert composer.text.endswith("Alice Martin ::") and composer.area.has_focus
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker))
        await pilot.press(*"ref", "enter")
        await wait_for(pilot, lambda: composer.text.endswith("5 working days."))
        assert not app.backend.writes("reply")  # inserted, never sent

        # The palette's "Canned replies": her own, and the team's, which she may not change.
        app.action_open_screen("canned")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedReplies)
                       and app.screen.replies)
        screen = app.screen
        assert [r.name for r in screen.replies] == ["Hello", HOSTILE, "Refund steps"]
        await pilot.press("j", "e")
        assert TEAM_ONLY in screen_text(app) and app.screen is screen
        await pilot.press("d")
        assert app.screen is screen and not app.backend.writes("delete_canned_reply")

        # A new one: the body's problem is said with its field and line, then a taken name.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedEditor))
        editor = app.screen
        assert "For" not in screen_text(app)  # agents keep personal replies only
        name = editor.query_one("#name")
        name.value = "hello"
        body = editor.query_one("#body")
        body.load_text("Dear {{ customer.nickname }}")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "unknown placeholder" in problem(editor))
        assert "Text: line 1" in problem(editor) and body.has_focus
        body.load_text("Dear {{ customer.name }}")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Name:" in problem(editor))
        assert "already" in problem(editor) and app.screen is editor
        name.value = "Dear customer"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and len(screen.replies) == 4)
        assert "Saved the canned reply Dear customer" in screen_text(app)

        # Deleted after a confirmation.
        await pilot.press("k", "k", "k", "k", "d")  # the first row: Dear customer
        await wait_for(pilot, lambda: "Delete the canned reply Dear customer" in
                       screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.replies) == 3)


async def test_an_admin_keeps_the_teams_replies_in_settings(demo_db):
    seed(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        app.action_open_screen("team_canned")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamCannedReplies)
                       and app.screen.replies)
        screen = app.screen
        assert {r.team_name for r in screen.replies} == {"Customer Care"}
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedEditor))
        editor = app.screen
        assert "For" in screen_text(app)  # the first team, or "Only me"
        await pilot.press(*"Outage")
        editor.query_one("#body").load_text("We are on it, {{ customer.first_name }}.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and len(screen.replies) == 3)
        (args, _kw), = app.backend.writes("create_canned_reply")
        assert args[0].team_id == app.teams[0].id and args[0].name == "Outage"


async def _picker(pilot):
    await open_ticket(pilot)
    await pilot.press("r", ":", ":")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CannedPicker))
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_canned_picker(snap_compare, demo_db, size):
    seed(demo_db)
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=size,
                        run_before=_picker)
