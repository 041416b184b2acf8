"""Every agent's API tokens (admins): who, the prefix, label, dates, revoked; revoke any."""

from __future__ import annotations

from rich.text import Text

from deskline.text import plain
from tui import keymap
from tui.pickers import Confirm
from tui.screens.settings.form import DASH, SettingsList, when
from widgets.lines import truncate
from widgets.rows import Row


class TokenSettings(SettingsList):
    SCOPE = "tokens"
    BINDINGS = keymap.bindings("tokens")
    TITLE_TEXT = "Settings · API tokens"
    EMPTY = "(no API tokens: agents make them with `deskline token create`)"

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list = []

    def on_mount(self) -> None:
        self.load()

    def load(self, select_id: int | None = None) -> None:
        def show(tokens) -> None:
            # Live ones first, then newest: what an admin looks for.
            self.tokens = sorted(tokens, key=lambda t: (t.revoked_at is not None,
                                                        -t.created_at.timestamp(), -t.id))
            live = sum(1 for t in self.tokens if t.revoked_at is None)
            self.set_context(Text(f"{len(self.tokens)} tokens, {live} not revoked · "
                                  "agent, token, label, created, expires, last used"))
            self.set_rows([self._row(t) for t in self.tokens])
            if select_id is not None:
                self.rows.select(next((i for i, t in enumerate(self.tokens)
                                       if t.id == select_id), 0))
                self.show_details()

        self.call(lambda b: b.list_tokens(), show, "Loading the API tokens", group="load",
                  exclusive=True)

    def _row(self, t) -> Row:
        state = ("✗ revoked", "failed") if t.revoked_at else ("● live", "text")
        return [(f"{truncate(plain(t.agent_email, one_line=True), 26):<26} ", "strong"),
                (f"{plain(t.prefix, one_line=True)}… ", "text"),
                (f"{state[0]:<10}", state[1]),
                (f"{truncate(plain(t.label, one_line=True) or DASH, 14):<14} ", "dim"),
                (f"{when(t.created_at, '%Y-%m-%d')}  exp {when(t.expires_at, '%Y-%m-%d')}  "
                 f"used {when(t.last_used_at, '%Y-%m-%d')}", "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.tokens):
            return Text("")
        t = self.tokens[index]
        out = Text()
        out.append(f"{plain(t.prefix, one_line=True)}…", "bold")
        out.append(" of ")
        out.append(plain(t.agent_email, one_line=True), "bold")
        out.append(f"  · label: {plain(t.label, one_line=True) or DASH}")
        out.append(f"\nCreated {when(t.created_at)} · expires {when(t.expires_at)} · "
                   f"last used {when(t.last_used_at)}")
        out.append("\n" + (f"✗ Revoked {when(t.revoked_at)}" if t.revoked_at else
                           f"● Live · {keymap.display('tokens.revoke', True)} revokes it"))
        return out

    def action_revoke(self) -> None:
        i = self.selected
        if not 0 <= i < len(self.tokens):
            return
        token = self.tokens[i]
        name = f"{plain(token.prefix, one_line=True)}… of {plain(token.agent_email, one_line=True)}"
        if token.revoked_at is not None:
            self.say(f"{name} is already revoked.", problem=True)
            return

        def confirmed(yes) -> None:
            if yes:
                self.submit(lambda b: b.revoke_token(token.id), "Revoking the token",
                            self._revoked)

        self.app.push_screen(Confirm(f"Revoke the token {name}? Whatever uses it stops "
                                     "working at once.", "Revoke"), confirmed)

    def _revoked(self, token) -> None:
        self.say(f"Revoked {plain(token.prefix, one_line=True)}… of "
                         f"{plain(token.agent_email, one_line=True)}")
        self.load(select_id=token.id)

    def action_refresh(self) -> None:
        self.load()
