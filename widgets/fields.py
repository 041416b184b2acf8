"""Fields laid out in lines as units: a field never breaks in its middle.

The ticket view's header is rows of fields ("team › stage", "customer: Name <email>",
"tags: …"). Each row fills lines left to right, fields joined by " · "; a field that does
not fit on what is left of a line starts the next one, and a field wider than a whole
line is cut with an ellipsis (the first row's first field, the subject, may take two
lines). A field may name the part of it to shorten first (a long name before an email
address), so what identifies it stays whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from widgets.titleline import follow_unread, unread_badge

SEPARATOR = " · "


class Field:
    """`head` + `middle` + `tail`; `middle` is what gets shortened when it must."""

    def __init__(self, head: Text | str, middle: Text | str = "", tail: Text | str = "") -> None:
        self.parts = [p if isinstance(p, Text) else Text(p) for p in (head, middle, tail)]

    @property
    def text(self) -> Text:
        return Text("").join(self.parts)

    def fitted(self, width: int) -> Text:
        """The field in at most `width` cells."""
        squeezed = self.squeezed(width)
        if squeezed is not None:
            return squeezed
        whole = self.text
        whole.truncate(width, overflow="ellipsis")
        return whole

    def squeezed(self, width: int) -> Text | None:
        """The field in `width` cells by shortening its middle only; None if it cannot."""
        whole = self.text
        if whole.cell_len <= width:
            return whole
        head, middle, tail = self.parts
        room = width - head.cell_len - tail.cell_len
        if not middle.plain or room < 4:
            return None
        middle = middle.copy()
        middle.truncate(room, overflow="ellipsis")
        return Text("").join([head, middle, tail])


Row = Sequence[Field]


def _take(text: Text, width: int) -> int:
    """How many characters of `text` fit in `width` cells, ending at a space if one is
    in the second half."""
    used = 0
    for i, ch in enumerate(text.plain):
        used += cell_len(ch)
        if used > width:
            space = text.plain.rfind(" ", 0, i)
            return space + 1 if space > width // 2 else max(i, 1)
    return len(text.plain)


def _wrapped(field: Field, width: int, lines: int, first: int | None = None) -> list[Text]:
    """A field on at most `lines` lines of `width` cells (the first one `first` cells),
    cut at spaces where it can be."""
    rest = field.text
    out: list[Text] = []
    room = width if first is None else first
    while len(out) < lines - 1 and rest.cell_len > room:
        n = _take(rest, room)
        head = rest[:n]
        head.rstrip()
        out.append(head)
        rest = rest[n:]
        room = width
    rest.truncate(room, overflow="ellipsis")
    return [*out, rest]


def lay_out(rows: Sequence[Row], width: int, *, title_lines: int = 2,
            squeeze: bool = False, reserve: int = 0) -> list[Text]:
    """The lines of `rows` at `width` cells. With `squeeze`, a field that does not fit on
    what is left of a line (20 cells or more) is shortened to fit there when its middle
    can give way, instead of starting a line of its own. `reserve` cells at the end of
    the first line are left free."""
    width = max(width, 8)
    lines: list[Text] = []
    for r, row in enumerate(rows):
        line: Text | None = None
        for f, field in enumerate(row):
            if r == 0 and f == 0:
                *whole, last = _wrapped(field, width, max(title_lines, 1),
                                        first=max(width - reserve, 8))
                lines.extend(whole)
                line = last
                continue
            text = field.fitted(width)
            line_width = width - reserve if not lines else width
            room = line_width - len(SEPARATOR) - (line.cell_len if line is not None else width)
            if squeeze and text.cell_len > room >= 20:
                text = field.squeezed(room) or text
            if line is not None and text.cell_len <= room:
                line.append(SEPARATOR)
                line.append_text(text)
                continue
            if line is not None:
                lines.append(line)
            line = text.copy()
        if line is not None:
            lines.append(line)
    return lines


class FieldLines(Static):
    """A Static showing rows of fields, laid out again at every width. With `unread`,
    the first row ends with the agent's unread notifications when there are any (a
    screen whose header this is: see widgets/titleline.py)."""

    def __init__(self, content: Text | str = "", *, max_lines: int = 6, unread: bool = False,
                 id: str | None = None) -> None:
        super().__init__(content, id=id, classes="shows-unread" if unread else "")
        self.rows: list[list[Field]] = []
        self.max_lines = max_lines
        self.unread = unread
        self._width = 0

    def on_mount(self) -> None:
        if self.unread:
            follow_unread(self, self._repaint)

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.rows = [list(row) for row in rows]
        self._repaint()

    def _repaint(self) -> None:
        self._width = 0
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        if not self.rows:
            return
        width = self.content_size.width or self.app.size.width - 2
        if width == self._width:
            return
        self._width = width
        badge = unread_badge(self.app) if self.unread else None
        reserve = badge.cell_len + 1 if badge is not None else 0
        lines = lay_out(self.rows, width, reserve=reserve)
        # Too many lines: a long subject gives its second line back, then long fields
        # share lines, shortened.
        for title_lines, squeeze in ((1, False), (1, True)):
            if len(lines) <= self.max_lines:
                break
            lines = lay_out(self.rows, width, title_lines=title_lines, squeeze=squeeze,
                            reserve=reserve)
        if badge is not None and lines:  # at the right end of the first line
            first = lines[0].copy()
            first.pad_right(max(width - first.cell_len - badge.cell_len, 1))
            lines[0] = first + badge
        text = Text("\n", no_wrap=True, overflow="ellipsis").join(lines)
        text.no_wrap = True
        self.update(text)
