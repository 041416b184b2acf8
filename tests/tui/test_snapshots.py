"""SVG snapshots of every main screen at 80×24 and 120×40, and in the 16-colour theme.

Deterministic: the demo is built with a fixed seed and day, and the app's clock is that
day. Update after an intended change with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.tui.helpers import make_app, wait_for
from tests.tui.test_pilot import ALICE, is_ready
from tui.screens.board import BoardScreen
from tui.screens.merge import MergeScreen
from tui.screens.ticket import TicketScreen

SIZES = [(80, 24), (120, 40)]


async def _dashboard(pilot):
    await wait_for(pilot, lambda: is_ready(pilot.app))
    await pilot.pause()


async def _board(pilot):
    app = pilot.app
    await _dashboard(pilot)
    await pilot.press("right", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.columns
                   and all((c.cards or c.folded) and c.count is not None
                           for c in app.screen.columns))
    await pilot.press("j", "l")
    await pilot.pause()


def _ticket(number: int, keys: tuple[str, ...] = ()):
    async def run(pilot):
        app = pilot.app
        await _dashboard(pilot)
        app.open_ticket_screen(number=number)
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket
                       and app.screen.chatter.messages
                       and app.screen.chatter.selected == len(app.screen.chatter.messages) - 1)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()
    return run


async def _merge(pilot):
    app = pilot.app
    await _board(pilot)
    await pilot.press("h", "g", "space", "j", "space", "M")
    await wait_for(pilot, lambda: isinstance(app.screen, MergeScreen) and app.screen.preview)
    await pilot.press("down", "right")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=size, run_before=_dashboard)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board_with_folded_columns(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=size, run_before=_board)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ticket_reply_tab(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=size,
                        run_before=_ticket(386, ("r", *"Thanks, we are on it.")))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ticket_comment_tab(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=size,
                        run_before=_ticket(386, ("c", *"ask @bru")))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_merge(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db, email=ALICE), terminal_size=size, run_before=_merge)


def test_board_16_colours(snap_compare, demo_db):
    app = make_app(demo_db, email=ALICE, theme="deskline-ansi")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_board)


def test_ticket_16_colours(snap_compare, demo_db):
    app = make_app(demo_db, email=ALICE, theme="deskline-ansi")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ticket(386, ("c", *"note")))


def test_hostile_ticket(snap_compare, demo_db):
    assert snap_compare(make_app(demo_db), terminal_size=(80, 24), run_before=_ticket(401))


def test_light_dashboard(snap_compare, demo_db):
    app = make_app(demo_db, email=ALICE, theme="deskline-light")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_dashboard)


async def _template_editor(pilot):
    from tui.screens.settings.templates import TemplateEditor, TemplateSettings

    app = pilot.app
    await _dashboard(pilot)
    app.push_screen(TemplateSettings())
    await wait_for(pilot, lambda: isinstance(app.screen, TemplateSettings) and app.screen.templates)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TemplateEditor))
    await pilot.press("f4", *"386")
    await wait_for(pilot, lambda: "#386" in str(app.screen.query_one("#preview-text").render()))
    await pilot.pause()


async def _audit(pilot):
    from tui.screens.settings.audit import AuditSettings

    app = pilot.app
    await _dashboard(pilot)
    app.push_screen(AuditSettings())
    await wait_for(pilot, lambda: isinstance(app.screen, AuditSettings) and app.screen.entries
                   and app.focused is not None)
    await pilot.press("j")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_template_editor(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_template_editor)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_audit_trail(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_audit)
