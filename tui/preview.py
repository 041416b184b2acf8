"""The preview of a reply or comment before it is sent (ctrl+g on the ticket view):
its Markdown drawn as the customer's mail client shows the HTML part (a reply) or as the
thread shows it (a comment), by the same parser (`widgets/markdown_lines.py`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from widgets.markdown_lines import renderable


class MarkdownPreview(DesklineModal):
    BINDINGS = keymap.bindings("dialog")
    DEFAULT_CSS = """
    MarkdownPreview #preview-dialog { width: 76; }
    MarkdownPreview #preview-body { height: auto; max-height: 17; }
    """

    def __init__(self, kind: str, text: str, recipient: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.text = text
        self.recipient = recipient

    def compose(self) -> ComposeResult:
        if self.kind == "reply":
            title = "Preview of the reply"
            to = f"To {plain(self.recipient, one_line=True)}: " if self.recipient else ""
            hint = (f"{to}the mail's HTML part, as above; its text part is what you wrote, "
                    "as written.")
        else:
            title = "Preview of the internal comment"
            hint = "As the thread will show it; never mailed to the customer."
        with Vertical(classes="dialog", id="preview-dialog"):
            yield Static(Text(title), classes="dialog-title")
            with VerticalScroll(id="preview-body"):
                yield Static(renderable(self.text), id="preview-text")
            yield Static(Text(f"{hint} {keymap.key('dialog.cancel')} goes back to writing."),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#preview-body", VerticalScroll).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
