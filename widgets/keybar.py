"""One line of key hints at the bottom of a screen: a single cheap widget (Textual's
Footer mounts a widget per key)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, hints: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints = hints

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, (keys, label) in enumerate(self.hints):
            if i:
                text.append("  ")
            text.append(keys, "bold reverse")
            text.append(" " + label)
        return text
