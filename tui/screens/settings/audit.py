"""The audit trail (admins): configuration changes newest first, paged by cursor, filtered
by kind; each row says when, who, kind, object and action, and the pane below (or enter)
every field old → new, wrapped to fit 80 columns."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from tui.screens.settings.form import DASH, SettingsList
from widgets.pagedrows import PagedRows
from widgets.rows import Row, RowList

PAGE = 50
KINDS = ("team", "stage", "sla_policy", "template", "agent", "organization", "project", "tag",
         "token",
         "canned_reply")
ALL = ""


def entry_text(e) -> Text:
    """An entry in full: the head line, then each field old → new."""
    out = Text()
    out.append(f"{e.at:%Y-%m-%d %H:%M} UTC", "bold")
    out.append(" · ")
    out.append(plain(e.actor_name, one_line=True), "bold")
    out.append(f" · {plain(e.kind, one_line=True)}")
    if e.object_id is not None:
        out.append(f" {e.object_id}")
    if e.object_name:
        out.append(f" “{plain(e.object_name, one_line=True)}”")
    out.append(f" · {plain(e.action, one_line=True)}", "bold")
    for change in e.changes:
        out.append("\n  " + plain(change.field, one_line=True) + ": ", "bold")
        out.append(plain(DASH if change.old is None else change.old))
        out.append(" → ")
        out.append(plain(DASH if change.new is None else change.new))
    if not e.changes:
        out.append("\n  (no field values recorded)", "dim")
    return out


class AuditSettings(SettingsList):
    SCOPE = "audit"
    BINDINGS = keymap.bindings("audit")
    TITLE_TEXT = "Settings · Audit trail"
    EMPTY = "(no configuration change recorded)"

    def __init__(self) -> None:
        super().__init__()
        self.kind = ALL
        self.entries: list = []
        self.cursor: str | None = None
        self._generation = 0

    def make_list(self) -> RowList:
        return PagedRows(self.EMPTY, id="settings-list")

    def on_mount(self) -> None:
        self.rows.focus()
        self.load()

    def _filter_line(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("Newest first · kind: ")
        out.append(self.kind or "all", "bold")
        out.append(f" ({len(self.entries)}{'+' if self.cursor else ''} shown) · "
                   f"{keymap.display('audit.kind', True)} filters")
        return out

    def load(self, more: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        rows = self.query_one(PagedRows)
        if not more:
            self.entries, self.cursor = [], None
            rows.reset("loading the audit trail…")
        kind, cursor = self.kind or None, self.cursor if more else None

        def show(page) -> None:
            if generation != self._generation:
                return
            self.entries.extend(page.items)
            self.cursor = page.next_cursor
            rows.set_page([self._row(e) for e in page.items], page.next_cursor is not None,
                          append=more)
            self.set_context(self._filter_line())
            self.show_details()
            if self.focused is None:  # not focusable while it was "loading"
                rows.focus()

        self.call(lambda b: b.audit_log(kind=kind, cursor=cursor, limit=PAGE), show,
                  "Loading the audit trail", group="load", exclusive=True,
                  failed=lambda _exc: rows.set_page([], False, append=more))

    def on_paged_rows_need_more(self, event: PagedRows.NeedMore) -> None:
        if self.cursor:
            self.load(more=True)

    def _row(self, e) -> Row:
        first = e.changes[0] if e.changes else None
        change = ""
        if first is not None:
            change = f"  {plain(first.field, one_line=True)}: " \
                     f"{plain(first.old or DASH, one_line=True)} → " \
                     f"{plain(first.new or DASH, one_line=True)}"
            if len(e.changes) > 1:
                change += f" (+{len(e.changes) - 1})"
        return [(f"{e.at:%m-%d %H:%M} ", "dim"),
                (f"{plain(e.actor_name, one_line=True)} ", "strong"),
                (f"{plain(e.kind, one_line=True)} ", "dim"),
                (f"{plain(e.object_name, one_line=True) or DASH} ", "text"),
                (plain(e.action, one_line=True), "strong"),
                (change, "dim")]

    def details(self, index: int) -> Text:
        return entry_text(self.entries[index]) if 0 <= index < len(self.entries) else Text("")

    def action_open(self) -> None:
        i = self.selected
        if 0 <= i < len(self.entries):
            self.app.push_screen(AuditEntryView(self.entries[i]))

    def action_kind(self) -> None:
        from tui.pickers import Picker

        def chosen(kind) -> None:
            if kind is not None and kind != self.kind:
                self.kind = kind
                self.load()

        self.app.push_screen(Picker("Show the changes of", [("Every kind", ALL)] +
                                    [(k, k) for k in KINDS], self.kind), chosen)

    def action_refresh(self) -> None:
        self.load()


class AuditEntryView(DesklineModal):
    """One change with every field, scrolled when long."""

    BINDINGS = keymap.bindings("dialog")
    DEFAULT_CSS = "#audit-entry { height: auto; max-height: 18; }"

    def __init__(self, entry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text("Change"), classes="dialog-title")
            with VerticalScroll(id="audit-entry"):
                yield Static(entry_text(self.entry))
            yield Static(Text("esc closes"), classes="dialog-hint")

    def action_cancel(self) -> None:
        self.dismiss(None)
