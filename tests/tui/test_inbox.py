"""The notification inbox in the console at 80×24: the unread count in the key bar of every
screen, the inbox (hostile text shown as text), an entry opening its ticket at the message
that caused it, mark read and all read, the settings dialog, following a team from the
dashboard, the count and the bell following another writer live, and snapshots."""

from __future__ import annotations

import pytest

from tests.tui.helpers import HOSTILE, NOW, make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready
from tui.screens.inbox import InboxScreen
from tui.screens.inbox_settings import NotificationSettingsForm
from tui.screens.ticket import TicketScreen
from widgets.keybar import KeyBar

ADMIN = "admin@deskline.example"  # sees the hostile ticket (a private team's)


def _as(db, email):
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(db)
    return Service(store, resolve_agent(store, email), clock=lambda: NOW)


def _mention_alice(db, times: int = 1) -> list[int]:
    """The admin mentions Alice on the hostile ticket (and on others): the comments'
    ids."""
    admin = _as(db, ADMIN)
    try:
        hostile = next(h.ticket for h in admin.search("URGENT printer")
                       if h.ticket.subject == HOSTILE)
        ids = [admin.comment(hostile.id, "@alice.martin see this").id]
        cards = admin.board_page(hostile.team_id, hostile.stage_id, limit=times).items
        others = [c for c in cards if c.id != hostile.id][:times - 1]
        ids += [admin.comment(c.id, f"@alice.martin note {i}").id
                for i, c in enumerate(others)]
        return ids
    finally:
        admin.store.close()


@pytest.fixture
def inbox_db(demo_db):
    _mention_alice(demo_db, times=3)
    return demo_db


def _bar(app) -> str:
    return str(app.screen.query_one(KeyBar).render())


def _header(app) -> str:
    """The screen's first line: every screen's header carries the unread count."""
    return screen_text(app).splitlines()[0]


async def test_inbox_at_80x24(inbox_db):
    app = make_app(inbox_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app) and "✉ 3 unread" in _header(app))
        assert _header(app).rstrip().endswith("✉ 3 unread  f7")
        assert "Alice Martin" in _header(app) and "✉" not in _bar(app)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen.items)
        screen = app.screen
        text = screen_text(app)
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
        assert "mentioned you on #" in text and "[URGENT]" in text
        hostile = len(screen.items) - 1  # the first mention is the oldest
        assert "URGENT" in screen.items[hostile].text
        cause = screen.items[hostile].message_id
        await pilot.press("j", "j")  # down to the oldest
        assert screen.selected == hostile
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.chatter.messages
                       and app.screen.chatter.current is not None
                       and app.screen.chatter.current.id == cause)
        await wait_for(pilot, lambda: app.unread == 2 and "✉ 2 unread" in screen_text(app))
        assert "✉ 2 unread" in "".join(screen_text(app).splitlines()[:3])  # the header's
        assert "✉" not in _bar(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.items[hostile].read_at is not None
        await pilot.press("a")
        await wait_for(pilot, lambda: app.unread == 0 and "✉" not in _header(app))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, NotificationSettingsForm))
        await pilot.press("space", "tab", "space", "ctrl+s")  # mail for mentions, no bell
        await wait_for(pilot, lambda: app.screen is screen)
        [(args, _kw)] = app.holder["backend"].writes("update_notification_settings")
        assert [k.value for k in args[0].mail_kinds] == ["mention"] and not args[0].bell
        assert app.bell_on is False
        # Following the selected team's tickets from the dashboard.
        await pilot.press("escape")
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("F")
        await wait_for(pilot, lambda: app.holder["backend"].writes("follow_team"))
        [(args, _kw)] = app.holder["backend"].writes("follow_team")
        assert args[1] is True


async def test_unread_count_and_bell_follow_another_writer(demo_db):
    app = make_app(demo_db, email=ALICE)
    rings: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
        await wait_for(pilot, lambda: is_ready(app) and app.bell_on)
        assert app.unread == 0
        _mention_alice(demo_db)
        await wait_for(pilot, lambda: app.unread == 1 and "✉ 1 unread" in _header(app),
                       timeout=5)
        assert rings == [1]
        # News while the inbox is shown come into its list.
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen)
                       and len(app.screen.items) == 1)
        _mention_alice(demo_db)
        await wait_for(pilot, lambda: len(app.screen.items) == 2, timeout=5)
        assert rings == [1, 1]


async def _inbox(pilot):
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app) and app.unread == 3)
    await pilot.press("f7")
    await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen.items)
    await pilot.press("j")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_inbox_snapshot(snap_compare, inbox_db, size):
    assert snap_compare(make_app(inbox_db, email=ALICE), terminal_size=size,
                        run_before=_inbox)
