"""Building blocks for the Line-API widgets: one strip of cells from styled pieces.

Text from outside is passed through `deskline.text.plain(one_line=True)` before it gets
here; these helpers only cut and pad it. Nothing is ever parsed as markup.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` cells, with an ellipsis when it was cut."""
    if width <= 0:
        return ""
    if len(text) <= width and cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def strip(pieces: list[tuple[str, Style]], width: int, fill: Style) -> Strip:
    """One line of exactly `width` cells: the pieces in order, cut, then padded."""
    segments, used = [], 0
    for text, style in pieces:
        if used >= width:
            break
        text = truncate(text, width - used)
        if text:
            segments.append(Segment(text, style))
            used += cell_len(text)
    if used < width:
        segments.append(Segment(" " * (width - used), fill))
    return Strip(segments, width)


def wrap(text: str, width: int) -> list[str]:
    """Plain text wrapped to `width` cells, keeping blank lines between paragraphs."""
    import textwrap

    width = max(width, 8)
    out: list[str] = []
    for para in text.split("\n"):
        if not para.strip():
            out.append("")
            continue
        out.extend(textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False,
                                 drop_whitespace=True, replace_whitespace=False) or [""])
    while out and not out[-1]:
        out.pop()
    return out or [""]


class CachedStyles:
    """Mixin for Line-API widgets: component styles and the base style, looked up once.

    `rich_style` and `get_component_rich_style` walk the DOM and cost far more than
    drawing a line; they only change when the CSS or the theme does
    (`notify_style_update`).
    """

    _style_cache: dict[str, Style]

    def cstyle(self, name: str) -> Style:
        cache = self.__dict__.setdefault("_style_cache", {})
        style = cache.get(name)
        if style is None:
            style = cache[name] = self.get_component_rich_style(name)  # type: ignore[attr-defined]
        return style

    @property
    def base_style(self) -> Style:
        cache = self.__dict__.setdefault("_style_cache", {})
        style = cache.get("")
        if style is None:
            style = cache[""] = self.rich_style  # type: ignore[attr-defined]
        return style

    def notify_style_update(self) -> None:
        self.__dict__["_style_cache"] = {}
        super().notify_style_update()  # type: ignore[misc]
