"""The addresses in a ticket's messages, to open or copy (`o` on the ticket view).

Only http(s) addresses are listed (`deskline.links`), each shown sanitized, and the
highlighted one in full below the list (with a host in another script also as xn--…),
so the agent sees exactly what would be opened before it is.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deskline import links
from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal


class LinkPicker(DesklineModal):
    """Dismissed with ("open", url), ("copy", url) or None."""

    SCOPE = "links"
    BINDINGS = keymap.bindings("links")

    def __init__(self, title: str, urls: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.urls = urls

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(plain(self.title_text, one_line=True)), classes="dialog-title")
            yield OptionList(*(Option(Text(plain(url, one_line=True), no_wrap=True,
                                           overflow="ellipsis")) for url in self.urls),
                             id="options")
            yield Static(id="link-full")
            yield Static(Text(f"{keymap.key('links.open')} opens (or copies where there is "
                              f"no browser) · {keymap.key('links.copy')} copies · "
                              f"{keymap.key('links.cancel')} cancels"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()
        self._show(0)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.urls):
            self.query_one("#link-full", Static).update(Text(links.shown(self.urls[index])))

    def _chosen(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        return self.urls[index] if index is not None and 0 <= index < len(self.urls) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("open", self.urls[event.option_index]))

    def action_open(self) -> None:
        url = self._chosen()
        self.dismiss(("open", url) if url else None)

    def action_copy(self) -> None:
        url = self._chosen()
        self.dismiss(("copy", url) if url else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
