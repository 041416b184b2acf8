"""One board column as a single Line-API widget: only the rows on screen are rendered.

The column holds the cards loaded so far (keyset pages from the backend, appended as the
selection nears the end) and the selection as an index. It never calls a backend: when it
needs the next page it posts `TicketColumn.NeedMore`, and the screen loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from deskline.text import plain
from widgets import glyphs
from widgets.lines import CachedStyles, strip, truncate

if TYPE_CHECKING:
    from deskline.models import TicketCard

CARD_HEIGHT = 5  # four lines of card and a blank one
HEADER = 2  # stage name and count, then a rule
FOLDED_WIDTH = 7


class TicketColumn(CachedStyles, ScrollView, can_focus=False, inherit_bindings=False):
    """The tickets of one stage, top to bottom in the backend's order."""

    COMPONENT_CLASSES = {
        "column--header", "column--header-active", "column--card", "column--selected",
        "column--dim", "column--high", "column--urgent", "column--failed", "column--soon",
        "column--met", "column--marked", "column--rule",
    }

    DEFAULT_CSS = """
    TicketColumn { scrollbar-size: 0 0; }
    """

    class NeedMore(Message):
        """The loaded cards are running out: load the next page of this column."""

        def __init__(self, column: TicketColumn) -> None:
            super().__init__()
            self.column = column

    def __init__(self, stage_id: int, name: str, count: int | None, *, closing: bool = False,
                 folded: bool = False, now: Callable[[], datetime] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage_id = stage_id
        self.stage_name = plain(name, one_line=True)
        self.count = count
        self.capped = False  # the count stopped at the engine's cap: "at least"
        self.closing = closing
        self.folded = folded
        self.cards: list[TicketCard] = []
        self.more = True  # another page may follow
        self.fetching = False
        self.selected = 0
        self.active = False
        self.marked: set[int] = set()
        self.marks_all = False  # every card shows marked: "all that match" (bulk actions)
        self._now = now or (lambda: datetime.now(UTC))
        self._cache: dict[tuple, list[Strip]] = {}
        if folded:
            self.add_class("-folded")

    # --- state -----------------------------------------------------------------------

    @property
    def current(self) -> TicketCard | None:
        return self.cards[self.selected] if 0 <= self.selected < len(self.cards) else None

    def set_cards(self, cards: list[TicketCard], more: bool, *, append: bool = False) -> None:
        if append:
            self.cards.extend(cards)
        else:
            self.cards = list(cards)
            self.selected = min(self.selected, max(len(self.cards) - 1, 0))
            self._cache.clear()
        self.more = more
        self.fetching = False
        self._resize()

    def set_folded(self, folded: bool) -> None:
        self.folded = folded
        self.set_class(folded, "-folded")
        self._cache.clear()
        self._resize()

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self._forget(self.selected)
            self.refresh()

    def select(self, index: int) -> None:
        """Move the selection (clamped), scroll it into view, repaint the two cards."""
        if not self.cards:
            return
        index = max(0, min(index, len(self.cards) - 1))
        old, self.selected = self.selected, index
        self._forget(old)
        self._forget(index)
        self._scroll_to_selected()
        self.refresh_card(old)
        self.refresh_card(index)
        if self.more and not self.fetching and index >= len(self.cards) - 30:
            self.fetching = True
            self.post_message(self.NeedMore(self))

    def remove_ticket(self, ticket_id: int) -> TicketCard | None:
        for i, card in enumerate(self.cards):
            if card.id == ticket_id:
                del self.cards[i]
                if self.count is not None:
                    self.count = max(self.count - 1, 0)
                if self.selected >= len(self.cards):
                    self.selected = max(len(self.cards) - 1, 0)
                self._cache.clear()
                self._resize()
                return card
        return None

    def insert(self, card: TicketCard, select: bool = False) -> None:
        """Put a card where the backend's order (priority, newest, id) puts it."""
        # Imported here: a column is drawn before anything needs the models (pydantic).
        from deskline.models import board_order

        key = board_order(card)
        at = len(self.cards)
        for i, other in enumerate(self.cards):
            if board_order(other) > key:
                at = i
                break
        if at == len(self.cards) and self.more:
            self._bump()  # beyond what is loaded: it comes with a later page
        else:
            self.cards.insert(at, card)
            self._bump()
            if select:
                self.selected = at
            elif at <= self.selected and len(self.cards) > 1:
                self.selected += 1
        self._cache.clear()
        self._resize()
        if select:
            self._scroll_to_selected()

    def _bump(self) -> None:
        if self.count is not None:
            self.count += 1

    def set_count(self, count: int | None, capped: bool = False) -> None:
        """The column's total (None while it is being counted; with `capped`, at least
        this many)."""
        self.count = count
        self.capped = capped
        self.refresh_lines(0, HEADER + 1)  # the header, or a folded strip's count under it

    def reset(self) -> None:
        """Forget the cards (a new filter): the screen loads the first page again."""
        self.cards = []
        self.more = True
        self.fetching = False
        self.selected = 0
        self.count = None
        self.capped = False
        self._cache.clear()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._resize()

    def replace(self, card: TicketCard) -> None:
        for i, other in enumerate(self.cards):
            if other.id == card.id:
                self.cards[i] = card
                self._forget(i)
                self.refresh_card(i)
                return

    def toggle_mark(self) -> TicketCard | None:
        card = self.current
        if card is not None:
            self.marked ^= {card.id}
            self._forget(self.selected)
            self.refresh_card(self.selected)
        return card

    def set_marks_all(self, on: bool) -> None:
        """Every card marked, or none but `marked`; the cards are drawn again either way,
        since the screen may have just emptied `marked` (the strips are kept per card)."""
        self.marks_all = on
        self._cache.clear()
        self.refresh()

    # --- rendering -------------------------------------------------------------------

    def _resize(self) -> None:
        rows = len(self.cards) + (1 if (self.more or not self.cards) else 0)
        height = HEADER + (0 if self.folded else rows * CARD_HEIGHT)
        self.virtual_size = Size(self.size.width, height)
        self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        self._resize()
        self._scroll_to_selected()

    def _scroll_to_selected(self) -> None:
        if self.folded:
            return
        top = HEADER + self.selected * CARD_HEIGHT
        view = self.size.height
        y = self.scroll_offset.y
        if top - HEADER < y:
            self.scroll_to(y=top - HEADER, animate=False, immediate=True)
        elif top + CARD_HEIGHT > y + view:
            self.scroll_to(y=top + CARD_HEIGHT - view, animate=False, immediate=True)

    def refresh_card(self, index: int) -> None:
        y = HEADER + index * CARD_HEIGHT - self.scroll_offset.y
        if y + CARD_HEIGHT > 0 and y < self.size.height:
            self.refresh_lines(max(y, 0), CARD_HEIGHT)

    def _forget(self, index: int) -> None:
        if 0 <= index < len(self.cards):
            self._cache.pop(("card", self.cards[index].id), None)

    def _style(self, name: str) -> Style:
        return self.cstyle(f"column--{name}")

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.base_style
        if y == 0:
            return self._header(width)
        if y == 1:
            return strip([("─" * width, self._style("rule"))], width, base)
        if self.folded:
            return self._folded_line(y - HEADER, width, base)
        row = y - HEADER + self.scroll_offset.y
        index, line = divmod(row, CARD_HEIGHT)
        if index < len(self.cards):
            return self._card(index, width)[line]
        if index == len(self.cards) and line == 0:
            if self.more:
                if not self.fetching:
                    self.fetching = True
                    self.post_message(self.NeedMore(self))
                total = self._count_text()
                return strip([(f" loading… ({len(self.cards):,} of {total})",
                               self._style("dim"))], width, base)
            if not self.cards:
                return strip([(" (no tickets)", self._style("dim"))], width, base)
        return Strip.blank(width, base)

    def _header(self, width: int) -> Strip:
        style = self._style("header-active" if self.active else "header")
        if self.folded:  # a narrow strip: the name, cut to fit, read left to right
            return strip([(f"▸{self.stage_name}", style)], width, style)
        count = self._count_text()
        arrow = "▾ " if self.active else "  "
        name = self.stage_name + (" (closing)" if self.closing and width > 30 else "")
        room = width - len(count) - 4
        name = truncate(name, room)
        pad = " " * max(width - len(name) - len(count) - 4, 0)
        return strip([(f"{arrow}{name}{pad} {count} ", style)], width, style)

    def _count_text(self) -> str:
        if self.count is None:
            return "…"
        return f"{self.count:,}" + ("+" if self.capped else "")

    def _folded_line(self, y: int, width: int, base: Style) -> Strip:
        if y == 0:  # the count under the name: what a folded column still tells
            short = _short(self.count) + ("+" if self.capped else "")
            return strip([(f" {short}", self._style("dim"))], width, base)
        return Strip.blank(width, base)

    def _card(self, index: int, width: int) -> list[Strip]:
        card = self.cards[index]
        key = ("card", card.id)
        cached = self._cache.get(key)
        if cached is not None and cached[0].cell_length == width:
            return cached
        selected = self.active and index == self.selected
        marked = self.marks_all or card.id in self.marked
        base = self._style("selected") if selected else self._style("card")
        dim = base + self._style("dim") if not selected else base
        bar = "▌" if selected else " "
        now = self._now()
        prio_style = (self._style("urgent") if card.priority == 3 else
                      self._style("high") if card.priority == 2 else dim)
        if selected:
            prio_style = base + Style(bold=card.priority >= 2)
        mark = "◆M " if marked else ""
        sla_text, level = ("✓ closed", "met") if card.closed else \
            glyphs.sla(card.sla_status, card.sla_deadline, now)
        sla_style = {"failed": self._style("failed"), "late": self._style("failed"),
                     "soon": self._style("soon"), "met": self._style("met")}.get(level, dim)
        if selected:
            sla_style = base + Style(bold=level in ("failed", "late"))
        tags = " ".join("#" + plain(t, one_line=True) for t in card.tags)
        who, assignee = _people(plain(card.customer_name or "no customer", one_line=True),
                                plain(card.assignee_name or "", one_line=True), width - 1)
        lines = [
            [(bar, base), (mark, self._style("marked") if not selected else base),
             (f"#{card.number} ", base + Style(bold=True)),
             (glyphs.priority(card.priority), prio_style)],
            [(bar, base), (plain(card.subject, one_line=True), base)],
            [(bar, base), (who, dim), (" → ", dim), (assignee, dim)],
            [(bar, base), (sla_text, sla_style), ("  " if sla_text and tags else "", base),
             (tags, dim)],
        ]
        strips = [strip(line, width, base) for line in lines]
        strips.append(Strip.blank(width, self.base_style))
        if len(self._cache) > 400:
            self._cache.clear()
        self._cache[key] = strips
        return strips


def _short(n: int | None) -> str:
    if n is None:
        return "…"
    return f"{n}" if n < 1000 else f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"


def _people(customer: str, assignee: str, room: int) -> tuple[str, str]:
    """A card's "customer → assignee" fitted to `room` cells.

    The assignee is what an agent scans a board for, so it stays whole as long as it can:
    the customer is cut first (down to a few letters), then the assignee goes to their
    first name, then to initials. "unassigned" becomes "nobody" on the narrowest cards.
    """
    if assignee:
        words = assignee.split()
        forms = ["@" + assignee]
        if len(words) > 1:
            forms.append("@" + words[0])
        forms.append("@" + "".join(w[0] for w in words if w))
    else:
        forms = ["unassigned", "nobody"]
    keep = min(cell_len(customer), 8)  # of the customer, at least this much before cutting
    for form in forms:
        left = room - 3 - cell_len(form)
        if left >= keep:
            return truncate(customer, left), form
    form = forms[-1]
    return truncate(customer, max(room - 3 - cell_len(form), 2)), form
