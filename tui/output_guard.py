"""The console's last line of defence: no frame carries terminal control from a widget's text.

Textual turns a frame into bytes in one place: every compositor update (the full layout,
the changed "chops" of lines, inline mode) writes its own cursor moves and, between them,
`Strip.render(console)` of each line, which joins the segments' text wrapped in the SGR
escapes of their styles. Widgets are meant to get sanitized text only (`deskline.text.plain`)
but one that shows a value as it is (Textual's `Input` and `TextArea` write their value
verbatim) would let a customer's name drive the terminal: OSC 52 clipboard writes, title
changes, links. `install()` wraps `Strip.render` so that the text of every segment loses
every C0 control, DEL, every C1 control and the bidi overrides before Textual's own escapes
are added around it; the escapes Textual writes for drawing are untouched.

The characters are dropped, not shown as stand-ins: Rich counts them as zero cells, so the
line was laid out without them, and a one-cell stand-in would push the line past its
region. Cost: one C-level join and regex search per strip rendered (Textual caches a strip's
render; a frame renders only the strips that changed); the rewrite only when a control is
there.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.strip import Strip

from deskline.text import BIDI_CONTROLS

if TYPE_CHECKING:
    from rich.console import Console

# Tab and newline too: inside a segment they would move the cursor off Textual's layout.
_CONTROL = "\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS
_UNSAFE = re.compile(f"[{_CONTROL}]")
_DROP = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), *map(ord, BIDI_CONTROLS)])

_textual_render = Strip.render


def safe_text(text: str) -> str:
    """`text` without any character the guard drops (for tests and for callers that build
    segments themselves)."""
    return text.translate(_DROP) if _UNSAFE.search(text) else text


def _guarded_render(self: Strip, console: Console) -> str:
    if self._render_cache is None:
        segments = self._segments
        if _UNSAFE.search("".join([segment.text for segment in segments])):
            from rich.segment import Segment

            clean = Strip([Segment(text.translate(_DROP), style, control)
                           for text, style, control in segments], self._cell_length)
            self._render_cache = _textual_render(clean, console)
            return self._render_cache
    return _textual_render(self, console)


def install() -> None:
    """Guard every strip Textual writes from now on, in this process (idempotent)."""
    if Strip.render is not _guarded_render:
        Strip.render = _guarded_render  # type: ignore[method-assign]


def installed() -> bool:
    return Strip.render is _guarded_render
