"""The title line at the top of a screen, with the agent's unread notifications at its
right end ("✉ 3 unread f7") whenever there are any: the header of every screen says it,
so an agent deep in a board or a ticket sees new work arrive.

Screens keep updating it as a `Static` (`query_one("#title", Static).update(text)`); the
count comes from the app's `unread_changed` signal and the inbox key from its keymap, so
the widget never asks a backend."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static


def unread_badge(app: Any) -> Text | None:
    """" ✉ N unread f7 " for `app`'s unread count, or None when there is nothing unread."""
    count = getattr(app, "unread", 0)
    if not count:
        return None
    key = getattr(app, "inbox_key", None)  # the app's keymap, as remapped
    badge = Text(f" ✉ {count:,} unread ", "bold reverse")
    if callable(key):
        badge.append(f" {key()}", "bold")
    return badge


def follow_unread(widget: Widget, repaint: Any) -> None:
    """Call `repaint()` whenever the app's unread count changes (apps without an inbox,
    such as a bare test app, have no signal: nothing to follow)."""
    signal = getattr(widget.app, "unread_changed", None)
    if signal is not None:
        signal.subscribe(widget, lambda _count: repaint())


class TitleLine(Static):
    """A one-line title; its right end shows the unread badge when there is one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_class("shows-unread")  # the key bar leaves the count to it

    def on_mount(self) -> None:
        follow_unread(self, self.refresh)

    def render(self) -> Any:
        badge = unread_badge(self.app)
        content = self.content
        if badge is None or not isinstance(content, (Text, str)):
            return super().render()
        width = self.content_size.width
        title = content.copy() if isinstance(content, Text) else Text(content)
        title.no_wrap = True
        # The title gives way (with an ellipsis) before the badge does.
        room = max(width - badge.cell_len - 1, 0)
        title.truncate(room, overflow="ellipsis", pad=True)
        return Text.assemble(title, " ", badge, no_wrap=True, overflow="crop")
