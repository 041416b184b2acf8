"""F1 / ?: the keys of the current screen and the ones that work everywhere."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from tui import keymap
from tui.base import DesklineModal


class HelpScreen(DesklineModal):
    BINDINGS = keymap.bindings("help")

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for scope in dict.fromkeys([self.scope, "app"]):
            table.add_row(Text(keymap.HEADINGS.get(scope, scope), style="underline"), Text(""))
            for spec in keymap.SPECS:
                if spec.scope == scope:
                    table.add_row(Text(keymap.display(spec.id)), Text(spec.description))
        with Vertical(classes="dialog"):
            yield Static(Text(f"Keys · {keymap.HEADINGS.get(self.scope, self.scope)}"),
                         classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(table)
            yield Static(Text("Remap any key in the config file: [keys] \"board.fold\" = "
                              f"\"z\". {keymap.key('app.palette')} lists every action. "
                              f"{keymap.key('help.close')} closes."),
                         classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
