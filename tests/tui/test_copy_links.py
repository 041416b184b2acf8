"""Copying the ticket number, the customer's email and a message; the http(s) addresses
of a ticket's messages listed, opened where a browser can show them, copied elsewhere."""

from __future__ import annotations

import pytest

from tests.tui.helpers import wait_for
from tests.tui.test_ticket_header import COMMENT, EMAIL, long_ticket_view
from tui import clipboard
from tui.link_picker import LinkPicker


@pytest.mark.parametrize(("env", "platform", "here"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
    ({}, "linux", False),
    ({}, "darwin", True),
    ({"DISPLAY": ":0", "SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}, "linux", False),
    ({"SSH_TTY": "/dev/pts/1"}, "darwin", False),
])
def test_a_browser_is_started_only_where_it_can_show_the_page(env, platform, here):
    assert clipboard.browser_here(env, platform) is here


async def test_copy_keys_and_the_links_of_a_ticket(demo_db, monkeypatch):
    notices: list[str] = []
    opened: list[str] = []
    async with long_ticket_view(demo_db) as (app, pilot, screen):
        monkeypatch.setattr(app, "notify", lambda message, **kw: notices.append(message))
        monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
        number = screen.ticket.number
        await pilot.press("y")
        assert app.clipboard == f"#{number}" and notices[-1].startswith("Copied the ticket")
        await pilot.press("Y")
        assert app.clipboard == EMAIL and EMAIL in notices[-1]
        bodies = [m.body for m in screen.chatter.messages]
        screen.chatter.select(bodies.index(COMMENT))
        await pilot.press("m")
        assert app.clipboard == COMMENT and notices[-1].startswith("Copied the message")
        screen.chatter.select(len(bodies) - 1)  # the reply with control bytes: as shown
        await pilot.press("m")
        assert "\x1b" not in app.clipboard and "␛" in app.clipboard

        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkPicker))
        assert app.screen.urls == ["https://status.example/incident?id=7",
                                   "https://wiki.example/printers_(3rd)", "https://e",
                                   "https://runbook.example/toner",
                                   "https://help.example/reset"]
        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.clipboard == "https://status.example/incident?id=7"

        monkeypatch.setattr(clipboard, "browser_here", lambda: False)
        await pilot.press("o", "down", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.clipboard == "https://wiki.example/printers_(3rd)" and not opened
        assert notices[-1].startswith("No browser on this machine: copied https://wiki")

        monkeypatch.setattr(clipboard, "browser_here", lambda: True)
        await pilot.press("o", "end", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert opened == ["https://help.example/reset"]
        assert notices[-1] == "Opening https://help.example/reset"
