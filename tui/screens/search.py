"""Search across tickets and messages; enter opens the ticket (or picks it for a merge)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Input, Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from widgets.keybar import KeyBar
from widgets.rows import RowList, card_row
from widgets.safe_input import SafeInput
from widgets.titleline import TitleLine

MATCHED = {"number": "number", "email": "customer email", "subject": "subject",
           "message": "message"}


class SearchScreen(DesklineScreen):
    SCOPE = "search"
    BINDINGS = keymap.bindings("search")

    def __init__(self, text: str = "", *, pick: bool = False, title: str = "Search") -> None:
        super().__init__()
        self.text = text
        self.pick = pick
        self.title_text = title
        self.hits: list = []
        self.marked: dict[int, object] = {}  # ticket id -> card, for a bulk action
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TitleLine(Text(f"{plain(self.title_text, one_line=True)} · a number, a customer "
                             "email, or words"), id="title")
        # Filled with a customer's email from the palette: shown sanitized, searched as is.
        yield SafeInput(self.text, placeholder="#1042, jane@example.com, printer offline…",
                        id="search-input")
        # The store's rule (store/search.py), said before the first key.
        yield RowList("(type to search: subjects match word beginnings from the first"
                      " letter, messages whole words)", id="results")
        yield KeyBar(keymap.hints("search"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.query_one(RowList).can_focus = False
        if self.text:
            self._search()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = self.query_one("#search-input", SafeInput).result
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.25, self._search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_open()

    def _search(self) -> None:
        text = self.text.strip().lstrip("#") if self.text.strip().lstrip("#").isdigit() \
            else self.text.strip()
        rows = self.query_one(RowList)
        if not text:
            self.hits = []
            rows.set_rows([])
            return
        rows.empty = "searching…"
        rows.refresh()

        def show(hits) -> None:
            if text != (self.text.strip().lstrip("#") if self.text.strip().lstrip("#").isdigit()
                        else self.text.strip()):
                return
            self.hits = hits
            rows.empty = "(no ticket matches)"
            rows.set_rows([self._row(hit) for hit in hits])
            self.app.trace("search-results")

        self.call(lambda b: b.search(text, limit=100), show, "Searching", group="search",
                  exclusive=True)

    def _row(self, hit) -> list[tuple[str, str]]:
        row = card_row(hit.ticket, self.app.now(), team=self.app.team_name(hit.ticket.team_id))
        row.append((f"  [{MATCHED.get(hit.matched, hit.matched)}]", "dim"))
        if hit.snippet and hit.matched == "message":
            row.append((" “" + plain(hit.snippet, one_line=True) + "”", "dim"))
        if hit.ticket.id in self.marked:
            row.insert(0, ("◆ ", "strong"))
        return row

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(RowList)
        rows.select(rows.selected + delta)

    def action_open(self) -> None:
        if not self.hits:
            return
        hit = self.hits[self.query_one(RowList).selected]
        if self.pick:
            self.dismiss(hit.ticket.id)
        else:
            self.app.open_ticket_screen(hit.ticket.id)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.action_open()

    def action_back(self) -> None:
        if self.pick:
            self.dismiss(None)
        else:
            self.app.pop_screen()

    # --- bulk actions (tui/bulk.py) -----------------------------------------------------

    def _show_marks(self) -> None:
        self.query_one(RowList).set_rows([self._row(hit) for hit in self.hits], keep=True)
        title = f"{plain(self.title_text, one_line=True)} · a number, a customer email, or words"
        if self.marked:
            title = (f"{plain(self.title_text, one_line=True)} · ◆ {len(self.marked)} marked "
                     f"({keymap.key('search.bulk')} bulk action)")
        self.query_one("#title", Static).update(Text(title))

    def action_mark(self) -> None:
        if not self.hits:
            return
        card = self.hits[self.query_one(RowList).selected].ticket
        if self.marked.pop(card.id, None) is None:
            self.marked[card.id] = card
        self._show_marks()

    def action_bulk(self) -> None:
        from tui import bulk

        cards: list = list(self.marked.values())  # TicketCard (typed object here)
        teams = {c.team_id for c in cards}
        bulk.open_menu(self, bulk.Marked(tickets=[(c.id, c.version, c.number) for c in cards],
                                         team_id=teams.pop() if len(teams) == 1 else None),
                       self._bulk_done)

    def _bulk_done(self, outcome) -> None:
        from tui import bulk

        self.notify(bulk.summary(outcome), timeout=8, markup=False)
        self.marked.clear()
        self._show_marks()
        self._search()

    def action_undo_bulk(self) -> None:
        from tui import bulk

        bulk.undo(self, lambda _outcome: self._search())
