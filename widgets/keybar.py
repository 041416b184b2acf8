"""One line of key hints at the bottom of a screen: a single cheap widget (Textual's
Footer mounts a widget per key). While the app says it is not connected to its server, the
line starts with that state in words ("reconnecting…", "offline")."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

CONNECTION_NOTES = {"reconnecting": "⟳ reconnecting…", "offline": "✖ offline"}


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, hints: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints = hints
        self.connection = "connected"

    def on_mount(self) -> None:
        # The app may publish its connection state (a console on a server); the bar
        # only shows it, it never asks a backend.
        signal = getattr(self.app, "connection_changed", None)
        if signal is not None:
            self.connection = getattr(self.app, "connection_state", "connected")
            signal.subscribe(self, self.set_connection)

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
        for i, (keys, label) in enumerate(self.hints):
            if i:
                text.append("  ")
            text.append(keys, "bold reverse")
            text.append(" " + label)
        return text
