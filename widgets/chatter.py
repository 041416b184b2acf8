"""The chatter of a ticket as one Line-API widget: replies, internal comments and tracked
changes, oldest first. Only the rows on screen become strips; long threads stay cheap.

Internal comments are marked by words and glyphs (`■ INTERNAL`, a `┃` bar on every line),
not only by colour. The widget never calls a backend: the screen feeds it pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.strip import Strip

from deskline.text import plain
from widgets import glyphs
from widgets.lines import CachedStyles, strip, wrap

if TYPE_CHECKING:
    from deskline.models import AttachmentInfo, Message


# A line's text: plain, or a line of drawn Markdown (the bar, then its segments).
Line = str | tuple[str, tuple[Segment, ...]]

OPENING = -2  # the message index of the description's lines: no message, never selected


class Chatter(CachedStyles, ScrollView, can_focus=True, inherit_bindings=False):
    COMPONENT_CLASSES = {
        "chatter--reply", "chatter--customer", "chatter--internal", "chatter--internal-head",
        "chatter--event", "chatter--selected", "chatter--body", "chatter--marked",
        "chatter--dim",
    }

    class NeedMore(TextualMessage):
        def __init__(self, chatter: Chatter) -> None:
            super().__init__()
            self.chatter = chatter

    def __init__(self, now: Callable[[], datetime] | None = None, *, id: str | None = None,
                 selectable: bool = True) -> None:
        super().__init__(id=id)
        self.messages: list[Message] = []
        self.more = False
        self.fetching = False
        self.selected = 0
        self.marked: set[int] = set()
        self.selectable = selectable
        self._now = now or (lambda: datetime.now(UTC))
        # (heading, text, files) above the messages
        self._opening: tuple[str, str, tuple[AttachmentInfo, ...]] | None = None
        self._lines: list[tuple[int, str, Line]] = []  # (message index, role, text)
        self._rendered: dict[tuple[str, int], tuple[tuple[Segment, ...], ...] | None] = {}
        self._starts: list[int] = []  # first line of each message
        self._width = 0

    @property
    def current(self) -> Message | None:
        return self.messages[self.selected] if 0 <= self.selected < len(self.messages) else None

    def set_messages(self, messages: list[Message], more: bool, *, append: bool = False) -> None:
        start = len(self.messages) if append else 0
        self.messages = [*self.messages, *messages] if append else list(messages)
        self.more = more
        self.fetching = False
        self.selected = min(self.selected, max(len(self.messages) - 1, 0))
        self._layout(start=start)

    def set_opening(self, heading: str, when: datetime, text: str,
                    attachments: Sequence[AttachmentInfo] = ()) -> None:
        """What the ticket was opened with (its description and the files of its mail),
        shown above the messages under `heading` and the time; not a message, so never
        selected."""
        opening = (f"☰ {plain(heading, one_line=True)} · {_age(when, self._now())}",
                   plain(text), tuple(attachments)) if text.strip() or attachments else None
        if opening != self._opening:
            self._opening = opening
            self._layout()

    def append(self, message: Message) -> None:
        self.messages.append(message)
        self._layout(start=len(self.messages) - 1)

    def select(self, index: int) -> None:
        if not self.messages:
            return
        self.selected = max(0, min(index, len(self.messages) - 1))
        self.refresh()  # the marker is drawn by render_line: no new layout
        self.scroll_to_selected()

    def toggle_mark(self) -> None:
        msg = self.current
        if msg is not None:
            self.marked ^= {msg.id}
            self._layout(keep=True)

    def scroll_to_selected(self) -> None:
        if not self._starts:
            return
        top = 0 if self.selected == 0 else self._starts[self.selected]  # 0: the opening too
        end = (self._starts[self.selected + 1] if self.selected + 1 < len(self._starts)
               else len(self._lines))
        y, view = self.scroll_offset.y, self.size.height
        if top < y or end - top > view:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif end > y + view:
            self.scroll_to(y=end - view, animate=False, immediate=True)

    # --- layout ------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._layout(keep=True)

    def _layout(self, keep: bool = False, start: int = 0) -> None:
        """Wrap the messages from `start` on (earlier ones keep their lines)."""
        width = self.size.width or 80
        if width != self._width:
            start = 0
        self._width = width
        now = self._now()
        if start and start <= len(self._starts):
            cut = self._starts[start] if start < len(self._starts) else len(self._lines)
            lines = [line for line in self._lines[:cut] if line[1] != "more"]
            starts = self._starts[:start]
        else:
            start = 0
            lines, starts = self._opening_lines(width), []
        for i, msg in enumerate(self.messages[start:], start):
            starts.append(len(lines))
            kind = getattr(msg.kind, "value", msg.kind)
            # An event without an author is a change the helpdesk made itself (auto-close).
            author = plain(msg.author_name or ("Deskline" if kind == "event" else "someone"),
                           one_line=True)
            age = _age(msg.created_at, now)
            mark = "☑ " if msg.id in self.marked else ""
            if kind == "event":
                if msg.events and not msg.body:  # the body is the event's own sentence
                    what = "; ".join(
                        f"{plain(e.field, one_line=True)}: {plain(e.old or '—', one_line=True)}"
                        f" → {plain(e.new or '—', one_line=True)}" for e in msg.events)
                else:
                    what = plain(msg.body, one_line=True)
                lines.append((i, "event", f"{mark}↻ {what} · {author} · {age}"))
                continue
            if kind == "comment":
                lines.append((i, "internal-head", f"{mark}■ INTERNAL note by {author} · {age}"))
                rendered = self._markdown(msg.body, width - 4)
                if rendered is not None:  # agents' Markdown, drawn (widgets/markdown_lines.py)
                    lines += [(i, "internal", ("┃ ", segments)) for segments in rendered]
                    lines.append((i, "gap", ""))
                    continue
                for text in wrap(plain(msg.body), width - 4):
                    lines.append((i, "internal", "┃ " + text))
            else:
                customer = msg.author_customer_id is not None
                head = (f"{mark}✉ {author} (customer) wrote · {age}" if customer else
                        f"{mark}↩ {author} replied to the customer · {age}")
                lines.append((i, "customer" if customer else "reply", head))
                for text in wrap(plain(msg.body), width - 4):
                    lines.append((i, "body", "  " + text))
                lines += _file_lines(i, msg.attachments)
            lines.append((i, "gap", ""))
        if self.more:
            lines.append((-1, "more", "  loading more messages…"))
        self._lines, self._starts = lines, starts
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def _markdown(self, body: str, width: int) -> tuple[tuple[Segment, ...], ...] | None:
        """A comment's lines as Markdown draws them; None when there is nothing to format
        (then it is wrapped as written). Kept per body and width: layouts repeat."""
        key = (body, width)
        if key not in self._rendered:
            from deskline.markdown import has_formatting

            if len(self._rendered) > 500:
                self._rendered.clear()
            self._rendered[key] = None
            if has_formatting(body):
                from widgets.markdown_lines import lines as markdown_lines

                self._rendered[key] = tuple(
                    tuple(line) for line in markdown_lines(body, width, self.app.console))
        return self._rendered[key]

    def _opening_lines(self, width: int) -> list[tuple[int, str, Line]]:
        if self._opening is None:
            return []
        heading, text, files = self._opening
        return [(OPENING, "customer", heading),
                *((OPENING, "body", "  " + line) for line in wrap(text, width - 4)),
                *_file_lines(OPENING, files),
                (OPENING, "gap", "")]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = y + self.scroll_offset.y
        base = self.base_style
        if row >= len(self._lines):
            return Strip.blank(width, base)
        index, role, text = self._lines[row]
        if not isinstance(text, str):  # a line of a comment's Markdown: (bar, segments)
            style = self.cstyle(f"chatter--{role}")
            bar, segments = text
            return Strip([Segment(bar, style), *Segment.apply_style(segments, style)]
                         ).crop_extend(0, width, style)
        if role == "more":
            if not self.fetching:
                self.fetching = True
                self.post_message(self.NeedMore(self))
            return strip([(text, self.cstyle("chatter--dim"))], width, base)
        style = self.cstyle(f"chatter--{role}") if role != "gap" else base
        head = role in ("reply", "customer", "internal-head", "event")
        selected = self.selectable and index == self.selected and head
        if selected:
            style = style + self.cstyle("chatter--selected")
            return strip([("▶ " + text, style)], width, style)
        pad = "  " if head else ""
        fill = style if role in ("internal", "internal-head") else base
        return strip([(pad + text, style)], width, fill)


def _file_lines(index: int, files: Sequence[AttachmentInfo]) -> list[tuple[int, str, str]]:
    return [(index, "dim", "  " + plain(glyphs.attachment(f), one_line=True)) for f in files]


def _age(when: datetime, now: datetime) -> str:
    ago = glyphs.when(when, now)
    return glyphs.stamp(when) + (f" ({ago})" if "ago" in ago else "")
