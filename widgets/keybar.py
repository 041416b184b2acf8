"""One line of key hints at the bottom of a screen: a single cheap widget (Textual's
Footer mounts a widget per key). While the app says it is not connected to its server, the
line starts with that state in words ("reconnecting…", "offline"). The agent's unread
notifications ("✉ 3 unread f7") are in the screen's header (widgets/titleline.py); on a
screen without such a header the line starts with them instead."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from widgets.titleline import unread_badge

CONNECTION_NOTES = {"reconnecting": "⟳ reconnecting…", "offline": "✖ offline"}


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, hints: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints = hints
        self.connection = "connected"
        self.unread = 0

    def on_mount(self) -> None:
        # The app may publish its connection state (a console on a server); the bar
        # only shows it, it never asks a backend.
        signal = getattr(self.app, "connection_changed", None)
        if signal is not None:
            self.connection = getattr(self.app, "connection_state", "connected")
            signal.subscribe(self, self.set_connection)
        unread = getattr(self.app, "unread_changed", None)
        if unread is not None:
            self.unread = getattr(self.app, "unread", 0)
            unread.subscribe(self, self.set_unread)

    def set_unread(self, count: int) -> None:
        if count != self.unread:
            self.unread = count
            self.refresh()

    def set_connection(self, state: str) -> None:
        if state != self.connection:
            self.connection = state
            self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        note = CONNECTION_NOTES.get(self.connection)
        if note:
            text.append(f" {note} ", "bold reverse")
            text.append("  ")
        badge = unread_badge(self.app) if self.unread else None
        if badge is not None and not self.screen.query(".shows-unread"):
            text.append_text(badge)
            text.append("  ")
        width = self.content_size.width or 78
        hints = list(self.hints)
        # The last hint (the palette, which lists every action) stays when the line is
        # short; the ones before it go, last first. Whole hints only: a key without its
        # label (or half a key) says nothing.
        last = hints.pop() if hints else None
        room = width - (_cells(last) + 2 if last is not None else 0)
        shown: list[tuple[str, str]] = []
        for hint in hints:
            if shown and text.cell_len + sum(_cells(h) + 2 for h in shown) + _cells(hint) > room:
                break
            shown.append(hint)
        if last is not None:
            shown.append(last)
        for i, (keys, label) in enumerate(shown):
            if i:
                text.append("  ")
            text.append(keys, "bold reverse")
            text.append(" " + label)
        return text


def _cells(hint: tuple[str, str]) -> int:
    keys, label = hint
    return cell_len(keys) + 1 + cell_len(label)
