"""Charts drawn with block characters, each bar with its number beside it.

`Bars`: one horizontal bar per row (backlog per stage, ratings per agent…), optionally
stacked from parts drawn with different glyphs (`█` `▓` `░`), so the parts read apart
without colour. `DayColumns`: opened and closed tickets per day as columns of eighth
blocks, with the totals and the peak written out.

Widgets display figures only: the screen hands them rows of plain numbers and labels that
already went through `deskline.text.plain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from widgets.lines import CachedStyles, truncate

EIGHTHS = " ▏▎▍▌▋▊▉█"
VERTICAL = " ▁▂▃▄▅▆▇█"


def hbar(value: float, maximum: float, width: int) -> str:
    """`value` of `maximum` as a bar of at most `width` cells, in eighths of a cell; any
    value above zero shows at least a sliver."""
    if maximum <= 0 or width <= 0 or value <= 0:
        return ""
    cells = min(value / maximum, 1.0) * width
    full = int(cells)
    part = int(round((cells - full) * 8))
    if part == 8:
        full, part = full + 1, 0
    out = "█" * full + (EIGHTHS[part] if part else "")
    return out[:width] or "▏"


def columns(values: Sequence[float], height: int) -> list[str]:
    """Vertical bars, one character per value, `height` rows from top to bottom."""
    top = max(values, default=0)
    rows = []
    for level in range(height, 0, -1):
        line = []
        for value in values:
            eighths = round(value / top * height * 8) if top else 0
            if value > 0 and eighths == 0:
                eighths = 1
            fill = eighths - (level - 1) * 8
            line.append("█" if fill >= 8 else VERTICAL[fill] if fill > 0 else " ")
        rows.append("".join(line))
    return rows


@dataclass
class Part:
    value: float
    glyph: str = "█"
    role: str = "bar"  # component class bars--<role>


@dataclass
class Bar:
    label: str
    parts: list[Part]
    text: str  # the figures, written out beside the bar
    scale: float | None = None  # this bar's own maximum (a rate out of 100, a mean of 5)

    @property
    def total(self) -> float:
        return sum(p.value for p in self.parts)


def bar(label: str, value: float, text: str | None = None, role: str = "bar") -> Bar:
    return Bar(label, [Part(value, "█", role)], f"{value:,}" if text is None else text)


class Bars(CachedStyles, Widget):
    """Labelled horizontal bars, scaled to the longest (or each to its own `scale`)."""

    COMPONENT_CLASSES = {"bars--label", "bars--bar", "bars--alt", "bars--bad", "bars--num",
                         "bars--dim"}
    DEFAULT_CSS = """
    Bars { height: auto; padding: 0 1; }
    Bars > .bars--label { color: $foreground; }
    Bars > .bars--bar { color: $primary; }
    Bars > .bars--alt { color: $warning; }
    Bars > .bars--bad { color: $error; }
    Bars > .bars--num { color: $foreground; text-style: bold; }
    Bars > .bars--dim { color: $foreground-muted; }
    """

    def __init__(self, placeholder: str = "loading…", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[Bar] | None = None
        self.placeholder = placeholder
        self.empty = "(nothing in this period)"
        self.legend = ""

    def set_bars(self, rows: list[Bar], *, empty: str | None = None, legend: str = "") -> None:
        self.rows = rows
        if empty is not None:
            self.empty = empty
        self.legend = legend
        self.refresh(layout=True)

    def set_placeholder(self, text: str) -> None:
        self.rows = None
        self.placeholder = text
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        if not self.rows:
            return 1
        return len(self.rows) + (1 if self.legend else 0)

    def render(self) -> Text:
        width = max(self.size.width, 20)
        if self.rows is None:
            return Text(self.placeholder, style=self.cstyle("bars--dim"), no_wrap=True)
        if not self.rows:
            return Text(self.empty, style=self.cstyle("bars--dim"), no_wrap=True)
        label_w = min(max(cell_len(r.label) for r in self.rows), max(width // 3, 8))
        text_w = max(cell_len(r.text) for r in self.rows)
        bar_w = max(width - label_w - text_w - 3, 4)
        top = max((r.total for r in self.rows if r.scale is None), default=0)
        out = Text(no_wrap=True, overflow="crop")
        for i, row in enumerate(self.rows):
            if i:
                out.append("\n")
            label = truncate(row.label, label_w)
            out.append(label + " " * (label_w - cell_len(label)) + " ",
                       self.cstyle("bars--label"))
            maximum = row.scale if row.scale is not None else top
            used = 0
            if len(row.parts) == 1:
                part = row.parts[0]
                piece = hbar(part.value, maximum, bar_w)
                out.append(piece, self.cstyle(f"bars--{part.role}"))
                used = len(piece)
            else:
                done = 0.0
                for part in row.parts:  # whole cells, cumulative: parts add up to the total
                    done += part.value
                    end = min(round(done / maximum * bar_w) if maximum else 0, bar_w)
                    if part.value > 0 and end <= used:
                        end = min(used + 1, bar_w)
                    if end > used:
                        out.append(part.glyph * (end - used), self.cstyle(f"bars--{part.role}"))
                        used = end
            out.append(" " * max(bar_w - used, 0) + " ")
            out.append(row.text, self.cstyle("bars--num"))
        if self.legend:
            out.append("\n")
            out.append(self.legend, self.cstyle("bars--dim"))
        return out


class DayColumns(CachedStyles, Widget):
    """Opened and closed per day: two rows of columns, the totals and peaks beside them."""

    COMPONENT_CLASSES = {"days--opened", "days--closed", "days--label", "days--dim",
                         "days--num"}
    # (name, index of the count in a day's tuple, component class)
    SERIES: tuple[tuple[str, Literal[1, 2], str], ...] = (
        ("opened", 1, "days--opened"), ("closed", 2, "days--closed"))
    DEFAULT_CSS = """
    DayColumns { height: auto; padding: 0 1; }
    DayColumns > .days--opened { color: $primary; }
    DayColumns > .days--closed { color: $success; }
    DayColumns > .days--label { color: $foreground; }
    DayColumns > .days--num { color: $foreground; text-style: bold; }
    DayColumns > .days--dim { color: $foreground-muted; }
    """
    HEIGHT = 3  # rows of blocks per series

    def __init__(self, placeholder: str = "loading…", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days: list[tuple[str, int, int]] | None = None  # (YYYY-MM-DD, opened, closed)
        self.placeholder = placeholder

    def set_days(self, days: list[tuple[str, int, int]]) -> None:
        self.days = days
        self.refresh(layout=True)

    def set_placeholder(self, text: str) -> None:
        self.days = None
        self.placeholder = text
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1 if not self.days else 2 * self.HEIGHT + 3

    def render(self) -> Text:
        if self.days is None:
            return Text(self.placeholder, style=self.cstyle("days--dim"), no_wrap=True)
        if not self.days:
            return Text("(no days in this period)", style=self.cstyle("days--dim"))
        width = max(self.size.width, 30)
        label_w = 8
        room = max(width - label_w - 1, 10)
        summary_w = 0
        shown = self.days
        step = 1
        if len(shown) * 2 <= room - 24:
            step = 2  # wide enough: two cells a day, and room for the figures beside
        summary_w = 24 if len(shown) * step + 24 <= room else 0
        fit = max((room - summary_w) // step, 1)
        cut = len(shown) > fit
        shown = shown[-fit:]
        out = Text(no_wrap=True, overflow="crop")
        for n, (name, index, role) in enumerate(self.SERIES):
            values = [d[index] for d in shown]
            total = sum(d[index] for d in self.days)
            peak = max(shown, key=lambda d: d[index])
            blocks = columns(values, self.HEIGHT)
            notes = [f"{total:,} {name}", f"peak {peak[index]:,} on {peak[0][5:]}",
                     f"{total / len(self.days):.1f} a day"]
            for level, line in enumerate(blocks):
                if n or level:
                    out.append("\n")
                head = name if level == 0 else ""
                out.append(f"{head:<{label_w}} ", self.cstyle("days--label"))
                cells = "".join(ch * step for ch in line)
                out.append(cells, self.cstyle(role))
                if summary_w:
                    note = notes[level] if level < len(notes) else ""
                    out.append(" " * (fit * step - len(cells) + 2))
                    out.append(note, self.cstyle("days--num") if level == 0 else
                               self.cstyle("days--dim"))
            if n == 0:
                out.append("\n")
                out.append(" " * (label_w + 1) + "─" * (len(shown) * step),
                           self.cstyle("days--dim"))
        first, last = shown[0][0], shown[-1][0]
        axis = f"{first[5:]}" + " " * max(len(shown) * step - 10, 1) + f"{last[5:]}"
        out.append("\n")
        out.append(" " * (label_w + 1) + axis, self.cstyle("days--dim"))
        if cut:
            out.append(f"  (last {len(shown)} of {len(self.days)} days)",
                       self.cstyle("days--dim"))
        elif not summary_w:
            totals = (f"  {sum(d[1] for d in self.days):,} opened · "
                      f"{sum(d[2] for d in self.days):,} closed")
            out.append(totals, self.cstyle("days--num"))
        return out
