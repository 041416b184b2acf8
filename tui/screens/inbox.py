"""The notification inbox (f7 anywhere, I on the dashboard): what happened that concerns
the agent, a sentence each, newest first or unread first, paged by cursor. Enter opens the
ticket at the message that caused it and marks the entry read; `a` marks all read; `s`
chooses which kinds also come by mail and whether the terminal bell rings.

Every sentence is stored text (subjects, names) and is shown through `plain`."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from deskline.text import plain
from tui import keymap
from tui.screens.settings.form import Checklist, SettingsForm, SettingsList, YesNo, field
from widgets.pagedrows import PagedRows
from widgets.rows import Row, RowList

PAGE = 50
# The kind as a short tag in front of each entry (a word, never only a colour).
KIND_TAGS = {"mention": "@mention", "assigned": "assigned", "customer_wrote": "customer",
             "sla_due": "SLA soon", "sla_failed": "SLA failed", "team_ticket": "team"}


class InboxScreen(SettingsList):
    SCOPE = "inbox"
    BINDINGS = keymap.bindings("inbox")
    TITLE_TEXT = "Notifications"
    EMPTY = "(no notifications)"

    def __init__(self) -> None:
        super().__init__()
        self.items: list = []
        self.cursor: str | None = None
        self.unread_only = False
        self.order = "unread"  # unread first; `o` switches to newest first
        self._generation = 0

    def make_list(self) -> RowList:
        return PagedRows(self.EMPTY, id="settings-list")

    def on_mount(self) -> None:
        self.app.unread_changed.subscribe(self, self._on_unread)
        self.rows.focus()
        self.load()

    def on_unmount(self) -> None:
        self.app.unread_changed.unsubscribe(self)

    def _on_unread(self, _count: int) -> None:
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
            if generation != self._generation:
                return
            self.items.extend(page.items)
            self.cursor = page.next_cursor
            rows.set_page([self._row(n) for n in page.items], page.next_cursor is not None,
                          append=more, keep=not more)
            self.set_context(self._heading())
            self.show_details()
            if self.focused is None:
                rows.focus()
            self.app.trace("inbox-page")

        self.call(lambda b: b.notifications(unread=unread, order=order, cursor=cursor,
                                            limit=PAGE),
                  show, "Loading the notifications", group="load", exclusive=True,
                  failed=lambda _exc: rows.set_page([], False, append=more))
        if not more:
            self.app.refresh_unread()

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
        from datetime import UTC, datetime

        now = datetime.now(UTC)
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

    def action_edit(self) -> None:  # enter or a click on a row
        self.action_open()

    def _mark(self, ids: list[int]) -> None:
        self._marked(set(ids))
        self.call(lambda b: b.mark_notifications_read(ids),
                  lambda count: self.app.set_unread(count.unread), "Marking read")

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
        def saved(settings) -> None:
            if settings is not None:
                self.app.bell_on = settings.bell
                self.say("Notification settings saved.")

        self.call(lambda b: b.notification_settings(),
                  lambda current: self.app.push_screen(NotificationSettingsForm(current),
                                                       saved),
                  "Loading the notification settings")


class NotificationSettingsForm(SettingsForm):
    """The agent's own choice: which kinds also come by mail (to their address, with the
    ticket's number), and whether the terminal bell rings when one arrives."""

    title_text = "Notification settings"
    LABELS = {"mail_kinds": "Also by mail", "bell": "Bell"}

    def __init__(self, current) -> None:
        super().__init__()
        self.current = current

    def fields(self) -> ComposeResult:
        from deskline.models import NOTIFICATION_LABELS

        items = [(label, kind) for kind, label in NOTIFICATION_LABELS.items()]
        yield from field("Also by mail (space toggles)",
                         Checklist(items, self.current.mail_kinds, id="mail_kinds"),
                         "sent to your own address, with the ticket's number")
        yield YesNo("Ring the terminal bell for a new notification", self.current.bell,
                    id="bell")

    def action_save(self) -> None:
        from deskline.models import NOTIFICATION_LABELS, NotificationSettings

        chosen = self.query_one("#mail_kinds", Checklist).chosen
        bell = self.query_one("#bell", YesNo).value
        data = NotificationSettings(mail_kinds=[k for k in NOTIFICATION_LABELS if k in chosen],
                                    bell=bell)
        self.submit(lambda b: b.update_notification_settings(data), "Saving the settings")
