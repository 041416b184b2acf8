"""A list of one-line rows as a Line-API widget (my tickets, search results, pickers).

Rows are given as styled pieces whose text has already passed through `plain()`; the
widget keeps the selection as an index and posts `RowList.Chosen` on enter/click.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.lines import CachedStyles, strip

Row = list[tuple[str, str]]  # (text, role): role names a component class "rows--<role>"


class RowList(CachedStyles, ScrollView, can_focus=True, inherit_bindings=False):
    COMPONENT_CLASSES = {"rows--text", "rows--dim", "rows--selected", "rows--urgent",
                         "rows--failed", "rows--strong", "rows--soon"}

    class Chosen(Message):
        def __init__(self, rows: RowList, index: int) -> None:
            super().__init__()
            self.rows = rows
            self.index = index

    def __init__(self, empty: str = "(nothing)", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.selected = 0
        self.empty = empty
        self.show_selection = True

    def set_rows(self, rows: list[Row], *, keep: bool = False) -> None:
        self.rows = rows
        self.selected = min(self.selected, max(len(rows) - 1, 0)) if keep else 0
        self.virtual_size = Size(self.size.width, max(len(rows), 1))
        if not keep:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def select(self, index: int) -> None:
        if not self.rows:
            return
        old, self.selected = self.selected, max(0, min(index, len(self.rows) - 1))
        y, view = self.scroll_offset.y, self.size.height
        if self.selected < y:
            self.scroll_to(y=self.selected, animate=False, immediate=True)
        elif self.selected >= y + view:
            self.scroll_to(y=self.selected - view + 1, animate=False, immediate=True)
        for i in (old, self.selected):
            if 0 <= i - self.scroll_offset.y < view:
                self.refresh_lines(i - self.scroll_offset.y, 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.base_style
        row = y + self.scroll_offset.y
        if not self.rows:
            if y == 0:
                return strip([(self.empty, self.cstyle("rows--dim"))],
                             width, base)
            return Strip.blank(width, base)
        if row >= len(self.rows):
            return Strip.blank(width, base)
        selected = row == self.selected and self.show_selection and self.has_focus_within_app
        sel = self.cstyle("rows--selected")
        pieces = [("▶ " if selected else "  ", sel if selected else base)]
        for text, role in self.rows[row]:
            style = self.cstyle(f"rows--{role}")
            pieces.append((text, style + sel if selected else style))
        return strip(pieces, width, sel if selected else base)

    @property
    def has_focus_within_app(self) -> bool:
        return self.has_focus or not self.can_focus

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event) -> None:
        row = event.y + self.scroll_offset.y
        if 0 <= row < len(self.rows):
            self.select(row)
            self.post_message(self.Chosen(self, row))


def card_row(card, now, *, team: str | None = None) -> Row:
    """One ticket card as a row: number, priority, SLA, subject, customer, assignee."""
    from deskline.text import plain
    from widgets import glyphs

    sla_text, level = ("✓ closed", "met") if card.closed else \
        glyphs.sla(card.sla_status, card.sla_deadline, now)
    prio = "urgent" if card.priority == 3 else "strong" if card.priority == 2 else "dim"
    row: Row = [(f"#{card.number:<7}", "strong"), (f"{glyphs.priority(card.priority):<10} ", prio)]
    if team:
        row.append((f"{plain(team, one_line=True)} · ", "dim"))
    row.append((plain(card.subject, one_line=True), "text"))
    row.append((f" · {plain(card.customer_name or 'no customer', one_line=True)}", "dim"))
    if sla_text:
        row.append((f"  {sla_text}", "failed" if level in ("failed", "late") else
                    "soon" if level == "soon" else "dim"))
    return row
