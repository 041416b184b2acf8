"""Agents' Markdown in the console: internal comments drawn in the chatter, and the
preview of a reply before it is sent; customers' text stays as written."""

from __future__ import annotations

from tests.tui.helpers import screen_text, wait_for
from tests.tui.test_ticket_header import long_ticket_view
from tui.preview import MarkdownPreview

WRITTEN = ("# Steps\n**Restart** it <b>now</b> [x](javascript:alert(1))\n"
           "see [docs](https://docs.example/a) ![pic](https://img.example/p.png)\n"
           "- one\n[red]not red[/red] \x1b]52;c;aGVsbG8=\x07 end")


async def test_comments_are_drawn_and_a_reply_previewed(demo_db):
    async with long_ticket_view(demo_db) as (app, pilot, screen):
        chatter = screen.chatter
        # the description comes with the ticket, the messages with their own read
        await wait_for(pilot, lambda: any("javascript:alert(1)" in str(text)
                                          for _index, _role, text in chatter._lines))
        comment = next(i for i, m in enumerate(chatter.messages) if m.kind == "comment")

        def at_top() -> bool:  # (a scroll to the newest may still be on its way)
            chatter.scroll_to(y=0, animate=False, immediate=True)
            return chatter.scroll_offset.y == 0

        await wait_for(pilot, at_top)
        drawn = [chatter.render_line(y).text for y in range(len(chatter._lines))]
        rows = [text for index, _role, text in chatter._lines if index == comment]
        shown = [r if isinstance(r, str) else r[0] + "".join(s.text for s in r[1]) for r in rows]
        assert shown[1].startswith("┃ Checked: toner is fine, see the runbook "
                                   "(https://runbook.example/toner)"), shown
        assert any(line.startswith("┃  • one") for line in shown)
        assert not any("**" in line for line in shown)
        assert drawn and all(len(line) <= 80 for line in drawn)
        # customers' text (the description) and agents' replies stay as written
        assert any("javascript:alert(1)" in line for line in drawn)

        await pilot.press("r")
        screen.composer.set_text(WRITTEN)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, MarkdownPreview))
        await pilot.pause()
        box = app.screen.query_one("#preview-dialog").region
        text = "\n".join(line[box.x:box.right]
                         for line in screen_text(app).split("\n")[box.y:box.bottom])
        assert "Preview of the reply" in text and "To maximilian.hohenzollern@" in text
        assert "Restart it <b>now</b> [x](javascript:alert(1))" in text
        assert "see docs (https://docs.example/a) pic (https://img.example/p.png)" in text
        assert "[red]not red[/red] ␛]52;c;aGVsbG8=␇ end" in text
        assert "**" not in text and "\x1b" not in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.composer.area.has_focus and screen.composer.text == WRITTEN
