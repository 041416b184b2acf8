"""The notification inbox (f7 anywhere, I on the dashboard): what happened that concerns
the agent, a sentence each, newest first or unread first, paged by cursor. Enter opens the
ticket at the message that caused it and marks the entry read; `a` marks all read; `s`
chooses which kinds also come by mail and whether the terminal bell rings.

Every sentence is stored text (subjects, names) and is shown through `plain`."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from widgets.keybar import KeyBar
from widgets.pagedrows import PagedRows
from widgets.rows import Row, RowList
from widgets.titleline import TitleLine

PAGE = 50
# The kind as a short tag in front of each entry (a word, never only a colour).
KIND_TAGS = {"mention": "@mention", "assigned": "assigned", "customer_wrote": "customer",
             "sla_due": "SLA soon", "sla_failed": "SLA failed", "team_ticket": "team"}


class InboxScreen(DesklineScreen):
    SCOPE = "inbox"
    BINDINGS = keymap.bindings("inbox")
    AUTO_FOCUS = "#inbox-list"
    # Its styles are in themes/deskline.tcss: parsed with the app's, not when first opened.

    def __init__(self, first=None) -> None:
        """`first`: the first page (unread first), fetched before the screen is shown."""
        super().__init__()
        self.items: list = []
        self.cursor: str | None = None
        self.unread_only = False
        self.order = "unread"  # unread first; `o` switches to newest first
        self._generation = 0
        self._first = first
        self._unread_seen = 0

    def compose(self) -> ComposeResult:
        yield TitleLine(Text("Notifications"), id="title")
        yield Static(Text(""), id="inbox-context")
        yield PagedRows("(no notifications)", id="inbox-list")
        yield Static(Text(""), id="inbox-details")
        yield Static(Text(""), id="inbox-status")
        yield KeyBar(keymap.hints("inbox"))

    @property
    def rows(self) -> PagedRows:
        return self.query_one("#inbox-list", PagedRows)

    @property
    def selected(self) -> int:
        return self.rows.selected

    def set_context(self, text: Text) -> None:
        self.query_one("#inbox-context", Static).update(text)

    def say(self, text: str) -> None:
        self.query_one("#inbox-status", Static).update(Text("✓ " + text))

    def show_details(self) -> None:
        rows = self.rows
        text = self.details(rows.selected) if rows.rows else Text("")
        self.query_one("#inbox-details", Static).update(text)

    @property
    def cursor_moved_down(self) -> bool:
        """The agent is reading further down: news wait for `r` (or the top)."""
        return self.rows.selected > 0

    def on_mount(self) -> None:
        self._unread_seen = self.app.unread
        self.app.unread_changed.subscribe(self, self._on_unread)
        if self._first is not None:
            first, self._first = self._first, None
            self._show_page(first, more=False)
            self.app.refresh_unread()
        else:
            self.load()

    def on_unmount(self) -> None:
        self.app.unread_changed.unsubscribe(self)

    def _on_unread(self, count: int) -> None:
        """The count changed: say it; when it grew (news while the inbox is shown), the
        first page again."""
        grew, self._unread_seen = count > self._unread_seen, count
        if grew and self.is_current and not self.cursor_moved_down:
            self.load()
        else:
            self.set_context(self._heading())

    def _heading(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(f"{self.app.unread:,} unread", "bold")
        out.append(" · " + ("unread only" if self.unread_only else
                            "unread first" if self.order == "unread" else "newest first"))
        out.append(f" ({len(self.items):,}{'+' if self.cursor else ''} shown) · "
                   f"{keymap.key('inbox.unread')} unread only · "
                   f"{keymap.key('inbox.order')} order")
        return out

    def load(self, more: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        rows = self.query_one(PagedRows)
        if not more:
            self.items, self.cursor = [], None
            rows.reset("loading the notifications…")
        unread, order, cursor = self.unread_only, self.order, self.cursor if more else None

        def show(page) -> None:
            if generation == self._generation:
                self._show_page(page, more)

        self.call(lambda b: b.notifications(unread=unread, order=order, cursor=cursor,
                                            limit=PAGE),
                  show, "Loading the notifications", group="load", exclusive=True,
                  failed=lambda _exc: rows.set_page([], False, append=more))
        if not more:
            self.app.refresh_unread()

    def _show_page(self, page, more: bool) -> None:
        rows = self.rows
        self.items.extend(page.items)
        self.cursor = page.next_cursor
        rows.set_page([self._row(n) for n in page.items], page.next_cursor is not None,
                      append=more, keep=not more)
        self.set_context(self._heading())
        self.show_details()
        if self.focused is None:
            rows.focus()
        self.app.trace("inbox-page")

    def on_paged_rows_need_more(self, event: PagedRows.NeedMore) -> None:
        if self.cursor:
            self.load(more=True)

    def _row(self, n) -> Row:
        unread = n.read_at is None
        return [("● " if unread else "  ", "strong" if unread else "dim"),
                (f"{n.created_at:%m-%d %H:%M} ", "dim"),
                (f"{KIND_TAGS.get(n.kind.value, n.kind.value):<10} ",
                 "failed" if n.kind.value == "sla_failed" else "strong" if unread else "dim"),
                (plain(n.text, one_line=True), "text" if unread else "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.items):
            return Text("")
        n = self.items[index]
        out = Text()
        out.append(f"{n.created_at:%Y-%m-%d %H:%M} UTC · #{n.ticket_number} · ", "bold")
        out.append("unread" if n.read_at is None else f"read {n.read_at:%m-%d %H:%M}")
        out.append("\n" + plain(n.text))
        return out

    def _marked(self, ids: set[int] | None) -> None:
        """Show entries read (`ids`, None: all) without reloading the list."""
        now = self.app.now()
        rows = self.query_one(PagedRows)
        for i, n in enumerate(self.items):
            if n.read_at is None and (ids is None or n.id in ids):
                self.items[i] = n = n.model_copy(update={"read_at": now})
                rows.replace_row(i, self._row(n))
        self.show_details()

    def action_open(self) -> None:
        i = self.selected
        if not 0 <= i < len(self.items):
            return
        n = self.items[i]
        if n.read_at is None:
            self._mark([n.id])
        self.app.open_ticket_screen(n.ticket_id, message_id=n.message_id)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:  # a click on a row
        self.show_details()
        self.action_open()

    def action_cursor(self, delta: int) -> None:
        self.rows.select(self.rows.selected + delta)
        self.show_details()

    def action_top(self) -> None:
        self.rows.select(0)
        self.show_details()

    def action_back(self) -> None:
        self.app.pop_screen()

    def _mark(self, ids: list[int]) -> None:
        self._marked(set(ids))
        self.call(lambda b: b.mark_notifications_read(ids),
                  lambda count: self.app.set_unread(count.unread), "Marking read",
                  failed=lambda _exc: self.load())  # show what is stored again

    def action_mark_read(self) -> None:
        i = self.selected
        if 0 <= i < len(self.items) and self.items[i].read_at is None:
            self._mark([self.items[i].id])
            self.rows.select(i + 1)
            self.show_details()

    def action_all_read(self) -> None:
        def done(count) -> None:
            self._marked(None)
            self.app.set_unread(count.unread)
            self.say("All notifications marked read.")

        self.call(lambda b: b.mark_all_notifications_read(), done, "Marking all read")

    def action_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.load()

    def action_order(self) -> None:
        self.order = "newest" if self.order == "unread" else "unread"
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_settings(self) -> None:
        from tui.screens.inbox_settings import NotificationSettingsForm

        def saved(settings) -> None:
            if settings is not None:
                self.app.bell_on = settings.bell
                self.say("Notification settings saved.")

        self.call(lambda b: b.notification_settings(),
                  lambda current: self.app.push_screen(NotificationSettingsForm(current),
                                                       saved),
                  "Loading the notification settings")
