"""A `RowList` that is one window onto a longer, keyset-paged list (customers, a customer's
tickets): when the selection or the view nears the end of what is loaded it posts
`PagedRows.NeedMore`, and the screen fetches the next page and appends it.

Like every widget it never calls a backend, and rows arrive already sanitized.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from widgets.lines import strip
from widgets.rows import Row, RowList

AHEAD = 20  # ask for the next page when the selection is this close to the end


class PagedRows(RowList):
    class NeedMore(Message):
        def __init__(self, rows: PagedRows) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, empty: str = "(nothing)", *, id: str | None = None) -> None:
        super().__init__(empty, id=id)
        self.more = False
        self.fetching = False
        self.loading = True  # before the first page: say so instead of `empty`

    def set_page(self, rows: list[Row], more: bool, *, append: bool = False,
                 keep: bool = False) -> None:
        self.loading = False
        self.fetching = False
        self.more = more
        if append:
            self.rows.extend(rows)
            self._resize()
        else:
            self.set_rows(rows, keep=keep)
            self._resize()

    def reset(self, text: str = "loading…") -> None:
        """Forget the rows (a new filter); the screen loads the first page again."""
        self.loading = True
        self.more = False
        self.fetching = False
        self.set_rows([])
        self._loading_text = text

    def replace_row(self, index: int, row: Row) -> None:
        if 0 <= index < len(self.rows):
            self.rows[index] = row
            y = index - self.scroll_offset.y
            if 0 <= y < self.size.height:
                self.refresh_lines(y, 1)

    def _resize(self) -> None:
        extra = 1 if self.more else 0
        self.virtual_size = Size(self.size.width, max(len(self.rows) + extra, 1))
        self.refresh()

    def select(self, index: int) -> None:
        super().select(index)
        self._maybe_more(self.selected)

    def _maybe_more(self, index: int) -> None:
        if self.more and not self.fetching and index >= len(self.rows) - AHEAD:
            self.fetching = True
            self.post_message(self.NeedMore(self))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = y + self.scroll_offset.y
        if self.loading and not self.rows:
            if y == 0:
                text = getattr(self, "_loading_text", "loading…")
                return strip([(text, self.cstyle("rows--dim"))], width, self.base_style)
            return Strip.blank(width, self.base_style)
        if row == len(self.rows) and self.more:
            self._maybe_more(row)
            return strip([(f"  loading more… ({len(self.rows):,} so far)",
                           self.cstyle("rows--dim"))], width, self.base_style)
        return super().render_line(y)
