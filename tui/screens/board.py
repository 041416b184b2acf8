"""The board of one team: a virtual column per stage, keyboard triage, marks for merge."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from deskline.text import plain
from tui import keymap, triage
from tui.base import DesklineScreen
from widgets import glyphs
from widgets.column import TicketColumn
from widgets.keybar import KeyBar
from widgets.lines import truncate
from widgets.titleline import TitleLine

PAGE = 60
TEAM_CELLS = 20  # of the team's name in the title


class BoardScreen(DesklineScreen):
    SCOPE = "board"
    AUTO_FOCUS = ""
    BINDINGS = keymap.bindings("board")

    def __init__(self, team_id: int, preset: str | None = None, pages: dict | None = None) -> None:
        super().__init__()
        self._pages = dict(pages or {})  # stage id -> first page, fetched before the screen
        self.team_id = team_id
        self.filter: dict = {"text": None, "mine": preset == "mine",
                             "unassigned": preset == "unassigned", "tag": None,
                             "priority": None, "project": None}
        self.project_name = ""  # the name of filter["project"], for the title
        self.columns: list[TicketColumn] = []
        self.active = 0
        self.marked: dict[int, object] = {}  # ticket id -> card, in marking order
        self.mark_all = False  # every ticket that matches the filter is marked (bulk)
        self._marked_set: set[int] = set()  # their ids; every column holds this one set
        self.folded: set[int] = set()  # stage ids folded or unfolded by hand: toggled
        self.cursors: dict[int, str | None] = {}
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield TitleLine(Text(f"{plain(self.app.team_name(self.team_id), one_line=True)} · "
                          "loading the board…"), id="title")
        stages = self.app.cached_stages(self.team_id)
        # With the stages known (fetched at start), the columns are in the first frame.
        with Horizontal(id="columns"):
            if stages is not None:
                self.columns = self._make_columns(stages)
                yield from self.columns
        yield KeyBar(keymap.hints("board"))

    def _make_columns(self, stages) -> list[TicketColumn]:
        made = []
        for stage in stages:
            folded = stage.closing != (stage.id in self.folded)
            column = TicketColumn(stage.id, stage.name, None, closing=stage.closing,
                                  folded=folded, now=self.app.now)
            column.marked = self._marked_ids
            made.append(column)
        return made

    def on_mount(self) -> None:
        self.app.trace("board-mount")
        self.app.ticket_changed.subscribe(self, self._on_ticket_changed)
        # Live updates (a server): the app refetches what events name and publishes it on
        # ticket_changed like our own changes; here only what vanished and `reset`.
        self.app.ticket_removed.subscribe(self, self._on_ticket_removed)
        self.app.server_event.subscribe(self, self._on_server_event)
        if self.columns:
            self._start()
        else:
            async def stages(backend):
                return await self.app.team_stages(self.team_id)

            async def mount(stages) -> None:
                self.columns = self._make_columns(stages)
                await self.query_one("#columns", Horizontal).mount_all(self.columns)
                self._start()

            self.call(stages, mount, "Loading the stages")

    def _start(self) -> None:
        if not self.columns:  # a new team: say why the board is empty and what to do
            note = Static(self._no_stages(), id="no-stages", classes="dim")
            note.styles.padding = (1, 1)
            self.query_one("#columns", Horizontal).mount(note)
        self.active = next((i for i, c in enumerate(self.columns) if not c.folded), 0)
        self.call_after_refresh(self.app.trace, "board-frame")
        self._activate(self.active)
        self._paint_title()
        self.load()

    def _no_stages(self) -> Text:
        from tui.screens.settings import is_admin

        text = Text("This team has no stages yet, so its board has no columns. ",
                    style="bold")
        if is_admin(self.app):
            text.append(f"Press {keymap.key('board.back')}, then "
                        f"{keymap.display('dashboard.settings', first=True)} "
                        "for the settings: in Stages, a stage's form ticks the teams that "
                        "use it (or the team's form ticks its stages).")
        else:
            text.append("An admin puts stages on it in the settings.")
        return text

    def on_unmount(self) -> None:
        self.app.ticket_changed.unsubscribe(self)
        self.app.ticket_removed.unsubscribe(self)
        self.app.server_event.unsubscribe(self)

    # --- loading ---------------------------------------------------------------------

    def _board_filter(self):
        from deskline.models import BoardFilter

        f = self.filter
        if not any(f.values()) and f["priority"] is None:
            return None
        return BoardFilter(text=f["text"] or None, mine=f["mine"], unassigned=f["unassigned"],
                           tag=f["tag"], priority=f["priority"], project_id=f["project"])

    def load(self) -> None:
        """(Re)load every column: first pages of the unfolded ones, then the counts."""
        self._generation += 1
        generation = self._generation
        self.cursors = {}
        pages, self._pages = self._pages, {}
        for column in self.columns:
            page = pages.get(column.stage_id)
            if page is not None and not column.folded:
                self.cursors[column.stage_id] = page.next_cursor
                column.set_cards(page.items, page.next_cursor is not None)
            else:
                column.reset()
                if not column.folded:
                    self._load_page(column, generation)
        board_filter = self._board_filter()

        def counted(columns) -> None:
            if generation != self._generation:
                return
            counted_columns = {c.stage.id: c for c in columns}
            for column in self.columns:
                found = counted_columns.get(column.stage_id)
                column.set_count(found.count if found else 0, bool(found and found.capped))
            if self.mark_all:  # the title says how many "all that match" are
                self._paint_title()
            self.call_after_refresh(self.app.trace, "board-counts")

        def count() -> None:
            self.call(lambda b: b.board_columns(self.team_id, board_filter), counted,
                      "Counting the board", group="board-counts", exclusive=True)

        # Counting a big column takes longer than a page: after the cards' first frame.
        self.call_after_refresh(count)
        self._paint_title()

    @property
    def _marked_ids(self) -> set[int]:
        return self._marked_set

    def _load_page(self, column: TicketColumn, generation: int | None = None) -> None:
        generation = generation or self._generation
        cursor = self.cursors.get(column.stage_id)
        append = column.stage_id in self.cursors
        board_filter = self._board_filter()
        column.fetching = True

        async def fetch(backend):
            self.app.trace(f"page-ask-{column.stage_id}")
            page = await backend.board_page(self.team_id, column.stage_id, board_filter,
                                            cursor=cursor, limit=PAGE)
            self.app.trace(f"page-got-{column.stage_id}")
            return page

        def show(page) -> None:
            if generation != self._generation:
                return
            self.cursors[column.stage_id] = page.next_cursor
            column.set_cards(page.items, page.next_cursor is not None, append=append)
            if not append:
                self.call_after_refresh(self.app.trace, "board-page")

        def failed(_exc) -> None:
            column.fetching = False

        self.call(fetch, show, f"Loading {column.stage_name}",
                  group=f"page-{column.stage_id}-{generation}", failed=failed)

    def on_ticket_column_need_more(self, event: TicketColumn.NeedMore) -> None:
        column = event.column
        if column.folded or not column.more:
            column.fetching = False
            return
        if column.stage_id in self.cursors and self.cursors[column.stage_id] is None:
            column.more = False
            column.fetching = False
            return
        if column.stage_id not in self.cursors and column.cards:
            column.fetching = False
            return
        self._load_page(column)

    def _paint_title(self) -> None:
        f = self.filter
        parts = []
        if f["text"]:
            parts.append(f"text “{plain(f['text'], one_line=True)}”")
        if f["mine"]:
            parts.append("mine")
        if f["unassigned"]:
            parts.append("unassigned")
        if f["tag"]:
            parts.append("#" + plain(f["tag"], one_line=True))
        if f["priority"] is not None:
            parts.append(glyphs.priority(f["priority"]))
        if f["project"] is not None:
            parts.append("project " + plain(self.project_name, one_line=True))
        text = Text()
        # A long team name gives way to the filter and the marks (and the unread count).
        text.append(truncate(plain(self.app.team_name(self.team_id), one_line=True),
                             TEAM_CELLS), "bold")
        marks = self.mark_all or bool(self.marked)
        if not marks:  # 80 columns keep the marks and their keys instead
            text.append(" · board")
        if parts:
            text.append(" · filter: " + ", ".join(parts))
        elif not marks:
            text.append(" · all tickets")
        if self.mark_all:
            text.append(f" · ◆ all {self._match_label()} matching marked: "
                        f"{keymap.key('board.bulk')} bulk", "bold")
        elif self.marked:
            text.append(f" · ◆ {len(self.marked)} marked: {keymap.key('board.merge')} merge, "
                        f"{keymap.key('board.bulk')} bulk", "bold")
        self.query_one("#title", Static).update(text)

    # --- moving around ----------------------------------------------------------------

    @property
    def column(self) -> TicketColumn | None:
        return self.columns[self.active] if self.columns else None

    def _activate(self, index: int) -> None:
        for i, column in enumerate(self.columns):
            column.set_active(i == index)
        self.active = index

    def action_column(self, delta: int) -> None:
        if not self.columns:
            return
        index = max(0, min(self.active + delta, len(self.columns) - 1))
        self._activate(index)
        column = self.columns[index]
        if column.folded:
            return
        if column.stage_id not in self.cursors and not column.fetching:
            self._load_page(column)

    def action_cursor(self, delta: int) -> None:
        column = self.column
        if column is not None and not column.folded:
            column.select(column.selected + delta)

    def action_top(self) -> None:
        column = self.column
        if column is not None:
            column.select(0)

    def action_fold(self) -> None:
        column = self.column
        if column is None:
            return
        self.folded ^= {column.stage_id}
        column.set_folded(not column.folded)
        if not column.folded and column.stage_id not in self.cursors:
            self._load_page(column)
        self.notify(f"{column.stage_name} {'folded' if column.folded else 'unfolded'} "
                    "(this view only; nothing is closed)", timeout=3, markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def action_open(self) -> None:
        column = self.column
        card = column.current if column is not None and not column.folded else None
        if card is not None:
            self.app.open_ticket_screen(card.id)

    # --- changing tickets ---------------------------------------------------------------

    def _selected(self):
        column = self.column
        if column is None or column.folded or column.current is None:
            self.notify("No ticket selected.", severity="warning", timeout=3)
            return None
        return column.current

    def _apply(self, ticket, what: str) -> None:
        """Show a changed ticket where it now belongs, without reloading the board."""
        self.app.ticket_changed.publish(ticket)
        self.notify(what, timeout=3, markup=False)

    def action_move(self, delta: int) -> None:
        card = self._selected()
        if card is None:
            return
        ids = [c.stage_id for c in self.columns]
        here = ids.index(card.stage_id) if card.stage_id in ids else self.active
        there = here + delta
        if not 0 <= there < len(ids):
            self.notify("No stage further that way.", severity="warning", timeout=3)
            return
        target = self.columns[there]
        self.call(lambda b: b.move_ticket(card.id, card.version, target.stage_id),
                  lambda t: self._apply(t, f"#{t.number} → {plain(target.stage_name)}"),
                  f"Moving #{card.number}", failed=lambda e: self._reload_card(card.id))

    def action_assign_me(self) -> None:
        card = self._selected()
        if card is not None:
            triage.take(self, card, lambda t: self._apply(t, f"#{t.number} assigned to you"),
                        f"Assigning #{card.number}", lambda e: self._reload_card(card.id))

    def action_assign(self) -> None:
        card = self._selected()
        if card is not None:
            triage.assign(self, card, lambda t: self._apply(
                t, f"#{t.number} → {plain(t.assignee_name or 'unassigned')}"),
                f"Assigning #{card.number}", lambda e: self._reload_card(card.id))

    def action_priority(self) -> None:
        card = self._selected()
        if card is not None:
            triage.set_priority(self, card, lambda t: self._apply(
                t, f"#{t.number}: {glyphs.priority(t.priority)}"),
                f"Changing #{card.number}", lambda e: self._reload_card(card.id))

    def action_new_ticket(self) -> None:
        """The new ticket form, in this team and the focused column's stage."""
        from tui.screens.new_ticket import open_new_ticket

        column = self.column
        open_new_ticket(self, self.team_id, column.stage_id if column is not None else None)

    def action_delete(self) -> None:
        """Admins: delete the selected ticket, once confirmed by its number and subject."""
        card = self._selected()
        if card is None:
            return
        from tui.screens.settings import is_admin

        triage.delete(self, card, self._deleted, lambda _e: self._reload_card(card.id),
                      admin=is_admin(self.app))

    def _deleted(self, card) -> None:
        self.app.ticket_removed.publish(card.id)
        self.notify(f"#{card.number} deleted", timeout=3, markup=False)

    def _reload_card(self, ticket_id: int) -> None:
        self.call(lambda b: b.get_ticket(ticket_id), self.app.ticket_changed.publish,
                  "Reloading the ticket")

    def wants_event(self, event) -> bool:
        """Should the app fetch the ticket an event names? Not when a card already shows
        that version (our own change coming back), nor for a new message (cards do not
        show messages)."""
        if event.type == "message.created":
            return False
        return not any(c.id == event.id and event.version is not None
                       and c.version >= event.version
                       for column in self.columns for c in column.cards)

    def _on_server_event(self, event) -> None:
        if event.type == "reset":  # the server lost track of what we missed: reload
            self.load()

    def _on_ticket_removed(self, ticket_id: int) -> None:
        """A ticket was deleted or is no longer visible: its card goes."""
        for column in self.columns:
            if column.remove_ticket(ticket_id) is not None:
                column.select(column.selected)
        if self.marked.pop(ticket_id, None) is not None:
            self._marked_ids.discard(ticket_id)
            self._paint_title()

    def _on_ticket_changed(self, ticket) -> None:
        """Any screen (or another agent, through the event stream) changed a ticket: put
        its card where it belongs now."""
        if any(c.id == ticket.id and c.version > ticket.version
               for column in self.columns for c in column.cards):
            return  # a late answer: the board already shows a newer version
        card = ticket.card()
        board_filter = self._board_filter()
        old_column = None
        was_selected = False
        for column in self.columns:
            current = column.current
            if column.remove_ticket(ticket.id) is not None:
                old_column = column
                was_selected = current is not None and current.id == ticket.id
        if old_column is None and board_filter is not None and not board_filter.on_card:
            return  # not on this filtered board, and only the store can match text/project
        if ticket.id in self.marked:
            self.marked[ticket.id] = card
        gone = (ticket.team_id != self.team_id or ticket.archived or ticket.merged_into
                or not self._passes(card, board_filter))
        if gone:
            self.marked.pop(ticket.id, None)
            self._marked_ids.discard(ticket.id)
            self._paint_title()
            return
        for column in self.columns:
            if column.stage_id == ticket.stage_id:
                column.insert(card, select=was_selected and column is old_column)
        if old_column is not None:
            old_column.select(old_column.selected)

    def _passes(self, card, board_filter) -> bool:
        """Whether the card belongs on this board's filter (the model says: BoardFilter)."""
        me = self.app.me
        return board_filter is None or board_filter.matches(card, me.id if me else None)

    # --- filters and marks ------------------------------------------------------------

    def action_filter(self) -> None:
        from tui.pickers import TextPrompt

        def done(text) -> None:
            if text is not None:
                self.filter["text"] = text.strip() or None
                self.load()

        self.app.push_screen(TextPrompt("Filter the board", "Words in the subject or "
                                        "description; empty clears the text filter.",
                                        self.filter["text"] or ""), done)

    def action_toggle_filter(self, name: str) -> None:
        self.filter[name] = not self.filter[name]
        if name == "mine" and self.filter["mine"]:
            self.filter["unassigned"] = False
        if name == "unassigned" and self.filter["unassigned"]:
            self.filter["mine"] = False
        self.load()

    def action_filter_tag(self) -> None:
        from tui.pickers import pick_tag

        def done(tag) -> None:
            if tag is not None:
                self.filter["tag"] = tag or None
                self.load()

        pick_tag(self, done)

    def action_filter_priority(self) -> None:
        from tui.pickers import pick_priority

        def done(value) -> None:
            if value is not None:
                self.filter["priority"] = None if value == self.filter["priority"] else value
                self.load()

        pick_priority(self, self.filter["priority"], done, title="Show only the priority "
                                                                 "(again to clear)")

    def action_filter_project(self) -> None:
        from tui.pickers import pick_project

        def done(choice) -> None:
            if choice is not None:
                project_id, name = choice
                self.filter["project"] = project_id or None
                self.project_name = name
                self.load()

        pick_project(self, self.filter["project"], done)

    def action_clear_filter(self) -> None:
        self.filter = {"text": None, "mine": False, "unassigned": False, "tag": None,
                       "priority": None, "project": None}
        self.load()

    def action_save_view(self) -> None:
        """Name this board's filter as a saved view of the team."""
        from tui.screens.views import save_board_view

        save_board_view(self, self.team_id, self._board_filter())

    def action_mark(self) -> None:
        column = self.column
        if column is None or column.folded:
            return
        if self.mark_all:  # marking one by one again starts from none
            self._clear_marks()
        card = column.toggle_mark()
        if card is None:
            return
        if card.id in self._marked_ids:
            self.marked[card.id] = card
        else:
            self.marked.pop(card.id, None)
        self._paint_title()

    def action_merge(self) -> None:
        if len(self.marked) < 2:
            self.notify(f"Mark two or more tickets with {keymap.key('board.mark')} first.",
                        severity="warning", timeout=4, markup=False)
            return
        from tui.screens.merge import MergeScreen

        def merged(target) -> None:
            if target is not None:
                self._clear_marks()

        self.app.push_screen(MergeScreen(list(self.marked)), merged)

    # --- bulk actions (tui/bulk.py) -----------------------------------------------------

    def _match_count(self) -> int | None:
        """How many match the filter; None while counting or when a count is capped (then
        only a lower bound is known)."""
        counts = [c.count for c in self.columns]
        if None in counts or any(c.capped for c in self.columns):
            return None
        return sum(c or 0 for c in counts)

    def _match_label(self) -> str:
        counts = [c.count for c in self.columns]
        if None in counts:
            return "…"
        total = f"{sum(c or 0 for c in counts):,}"
        return total + "+" if any(c.capped for c in self.columns) else total

    def _clear_marks(self) -> None:
        self.mark_all = False
        self.marked.clear()
        self._marked_ids.clear()
        for column in self.columns:
            column.set_marks_all(False)
        self._paint_title()

    def action_mark_all(self) -> None:
        """Mark every ticket that matches the board's filter, loaded or not; again: clear."""
        if self.mark_all or self.marked:
            self._clear_marks()
            return
        self.mark_all = True
        for column in self.columns:
            column.set_marks_all(True)
        self._paint_title()

    def _marked(self):
        from deskline.models import BulkMatch
        from tui.bulk import Marked

        if self.mark_all:
            return Marked(match=BulkMatch(team_id=self.team_id, filter=self._board_filter()),
                          count=self._match_count(), team_id=self.team_id)
        cards: list = list(self.marked.values())  # TicketCard (typed object here)
        return Marked(tickets=[(c.id, c.version, c.number) for c in cards],
                      team_id=self.team_id)

    def action_bulk(self) -> None:
        from tui import bulk

        bulk.open_menu(self, self._marked(), self._bulk_done)

    def _bulk_done(self, outcome) -> None:
        from tui import bulk

        self.notify(bulk.summary(outcome), timeout=8, markup=False)
        self._clear_marks()
        self.load()

    def action_undo_bulk(self) -> None:
        from tui import bulk

        bulk.undo(self, lambda _outcome: self.load())
