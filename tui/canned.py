"""The canned-reply picker of the composer: the agent's own replies and those of the
ticket's team, filtered as the agent types (name, team and text); the chosen one is
rendered for the ticket by the engine (`render_canned_reply`) and handed back to be
inserted at the cursor. A reply that cannot be rendered comes back as written, with a
warning: the customer is never kept waiting on a template."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal, describe_error
from widgets.lines import truncate
from widgets.safe_input import SafeInput

NONE_YET = "(no canned reply yet: \"Canned replies\" in the palette makes one)"
NO_MATCH = "(no canned reply matches)"


def owner(reply: Any) -> str:
    """Whose reply it is, as a list says it."""
    return (reply.team_name or "team") if reply.team_id is not None else "personal"


def reply_label(reply: Any, width: int = 68) -> Text:
    """One line of `width` cells (an option that wraps would hide the next one): the name,
    whose it is, the start of the text; all sanitized."""
    name = truncate(plain(reply.name, one_line=True), 28)
    whose = truncate(plain(owner(reply), one_line=True), 18)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(name, "bold")
    text.append(f"  · {whose}", "dim")
    rest = width - cell_len(text.plain) - 2
    text.append("  " + truncate(plain(" ".join(reply.body.split()), one_line=True), rest),
                "dim")
    return text


class CannedPicker(DesklineModal):
    """Choose a canned reply; typing filters, the arrows move, enter chooses."""

    BINDINGS = [*keymap.bindings("dialog"),
                Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]
    DEFAULT_CSS = """
    CannedPicker .dialog { width: 90%; max-width: 100; }
    CannedPicker #canned-options { height: auto; max-height: 12; }
    """

    def __init__(self, replies: list, title: str = "Insert a canned reply") -> None:
        super().__init__()
        self.replies = list(replies)
        self.title_text = title
        self.shown: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(plain(self.title_text, one_line=True)), classes="dialog-title")
            yield SafeInput("", placeholder="type to filter by name or text", id="filter")
            yield OptionList(id="canned-options")
            yield Static(Text(f"enter inserts it here, filled in for this ticket · "
                              f"{keymap.key('dialog.cancel')} cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(SafeInput).focus()

    def _fill(self, typed: str) -> None:
        words = typed.casefold().split()
        self.shown = [r for r in self.replies
                      if all(w in f"{r.name} {owner(r)} {r.body}".casefold() for w in words)]
        options = self.query_one(OptionList)
        options.clear_options()
        if not self.shown:
            empty = NONE_YET if not self.replies else NO_MATCH
            options.add_option(Option(Text(empty), disabled=True))
            return
        # The dialog's width (CSS below) less its borders, padding and the list's own.
        width = max(min(self.app.size.width * 9 // 10, 100) - 12, 30)
        options.add_options([Option(reply_label(r, width), id=str(i))
                             for i, r in enumerate(self.shown)])
        options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.shown:
            self.dismiss(self.shown[event.option_index])

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


def pick_canned(screen: Any, ticket_id: int, insert: Callable[[str | None], None]) -> None:
    """Offer the replies for the ticket; `insert(text)` gets the chosen one rendered, or
    None when the agent cancelled or nothing could be had."""
    app = screen.app

    async def render(reply: Any) -> None:
        try:
            backend = await app.backend_ready()
            rendered = await backend.render_canned_reply(reply.id, ticket_id)
        except Exception as exc:  # said, never a crash; the draft is untouched
            app.notify(describe_error(exc, "Canned reply"), severity="error", timeout=6,
                       markup=False)
            insert(None)
            return
        if rendered.problem:
            app.notify(f"{reply.name}: inserted as written ({rendered.problem})",
                       severity="warning", timeout=6, markup=False)
        insert(rendered.text)

    def chosen(reply: Any) -> None:
        if reply is None:
            insert(None)
        else:
            screen.run_worker(render(reply), exit_on_error=False)

    async def show() -> None:
        try:
            backend = await app.backend_ready()
            replies = await backend.list_canned_replies(ticket_id=ticket_id)
        except Exception as exc:
            app.notify(describe_error(exc, "Canned replies"), severity="error", timeout=6,
                       markup=False)
            insert(None)
            return
        app.push_screen(CannedPicker(replies), chosen)

    screen.run_worker(show(), exit_on_error=False)
