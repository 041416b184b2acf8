"""The command palette (ctrl+p): every action of the keymap, the themes, and a jump to any
ticket by number, to a team's board, or to a customer's tickets."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

import themes
from deskline.text import plain
from tui import keymap
from tui.navigation import PLACES

if TYPE_CHECKING:
    from tui.app import DesklineApp


def action_commands() -> list[tuple[str, keymap.KeySpec]]:
    """(text, spec) for every binding: what the palette lists."""
    seen: set[tuple[str, str]] = set()
    out = []
    for spec in keymap.SPECS:
        key = (spec.scope, spec.description)
        if key in seen:
            continue
        seen.add(key)
        out.append((f"{keymap.TITLES[spec.scope]}{spec.description} "
                    f"({keymap.display(spec.id)})", spec))
    return out


def highlight(matcher, candidate: str) -> Text:
    """The candidate as plain Text with the matched letters underlined: never markup
    (Textual's own `Matcher.highlight` parses the candidate as markup)."""
    text = Text(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            text.stylize("bold underline", offset, offset + 1)
    return text


class DesklineCommands(Provider):
    if TYPE_CHECKING:  # the palette runs in the DesklineApp
        @property
        def app(self) -> DesklineApp: ...

    def _commands(self):
        app = self.app
        for text, spec in action_commands():
            yield text, partial(app.run_spec, spec), f"binding id {spec.id}"
        for name, label, help_text in PLACES:
            yield label, partial(app.action_open_screen, name), help_text
        for name, label in themes.THEME_LABELS.items():
            yield f"Theme: {label}", partial(setattr, app, "theme", name), name
        for team in getattr(app, "teams", []):
            name = plain(team.name, one_line=True)
            yield f"Board: {name}", partial(app.open_board, team.id), "open the team's board"

    async def discover(self) -> Hits:
        for text, run, help_text in self._commands():
            yield DiscoveryHit(Text(text), run, help=help_text)
        for text, run, help_text in await self._views():
            yield DiscoveryHit(Text(text), run, help=help_text)

    async def startup(self) -> None:
        """The saved views' "View: …" entries, asked of the backend once per opening."""
        from tui.screens.views import view_commands

        self._view_entries = await view_commands(self.app)

    async def _views(self):
        return getattr(self, "_view_entries", [])

    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        number = query.strip().lstrip("#")
        if number.isdigit():
            yield Hit(100, Text(f"Open ticket #{number}"),
                      partial(app.open_ticket_screen, number=int(number)),
                      help="jump to the ticket with this number")
        for text, run, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlight(matcher, text), run, help=help_text)
        for text, run, help_text in await self._views():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlight(matcher, text), run, help=help_text)
        words = query.strip()
        backend = app.backend  # None until the helpdesk is open
        if len(words) >= 3 and not number.isdigit() and backend is not None:
            try:
                page = await backend.list_customers(text=words, limit=5)
            except Exception:
                return
            from tui.screens.search import SearchScreen

            for customer in page.items:
                label = f"Customer: {plain(customer.name, one_line=True)} " \
                        f"<{plain(customer.email, one_line=True)}>"
                yield Hit(0.5, Text(label), partial(app.push_screen, SearchScreen(customer.email)),
                          help="search this customer's tickets")
