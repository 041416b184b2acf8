"""The composer of the ticket view: two tabs, Reply (to the customer) and Comment (internal).

It only edits text and posts messages; the screen sends, keeps drafts and runs $EDITOR.
`@` in a comment completes agent names (ctrl+n, see the keymap). `::` typed at the start
of a line asks the screen for a canned reply (`CannedWanted`); `insert_canned` puts it in.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

from deskline.text import plain
from widgets import glyphs
from widgets.lines import truncate

_MENTION = re.compile(r"@([\w.\-]*)$")
CANNED_TRIGGER = "::"  # typed at the start of a line: pick a canned reply


class ComposerArea(TextArea, inherit_bindings=False):
    """The text box, without its own f6 ("select line"): f6 is the screen's key for
    switching Reply / Comment. (A priority binding on the screen would not do: it runs
    before the keys typed just before it have reached the box.) Nor f7 ("select all"):
    the console's inbox key."""

    BINDINGS = [b for b in TextArea.BINDINGS if getattr(b, "key", None) not in ("f6", "f7")]


class Composer(Vertical):
    class Changed(Message):
        def __init__(self, kind: str, text: str) -> None:
            super().__init__()
            self.kind = kind
            self.text = text

    class CannedWanted(Message):
        """`::` was typed at the start of a line: the screen offers the canned replies."""

    def __init__(self, keys: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.keys = {"send": "ctrl+s", "switch": "ctrl+t", "editor": "f4", "complete": "ctrl+n",
                     "attach": "f8", "back": "esc", "preview": "ctrl+g", "canned": "ctrl+r",
                     **(keys or {})}
        self.kind = "reply"
        self.texts = {"reply": "", "comment": ""}
        self.files: list[tuple[str, int]] = []  # (path, size) to send with the reply
        self.people: list[tuple[str, str]] = []  # (handle, name) for @ completion
        self.recipient = ""
        self._last_text = ""  # what the box held at the last change: `::` must be typed

    def compose(self) -> ComposeResult:
        yield Static(id="tabs")
        # A steady cursor: nothing repaints while idle (cheap over SSH, stable in snapshots).
        area = ComposerArea(id="body", soft_wrap=True, show_line_numbers=False,
                            tab_behavior="focus")
        area.cursor_blink = False
        yield area
        yield Static(id="hint")

    def on_mount(self) -> None:
        self.area = self.query_one("#body", TextArea)
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    @property
    def text(self) -> str:
        return self.area.text

    def set_kind(self, kind: str) -> None:
        self.texts[self.kind] = self.area.text
        self.kind = kind
        self.area.load_text(self.texts[kind])
        self.area.move_cursor(self.area.document.end)
        self.set_class(kind == "comment", "-comment")
        self._paint()

    def set_texts(self, reply: str, comment: str) -> None:
        self.texts = {"reply": reply, "comment": comment}
        self.area.load_text(self.texts[self.kind])

    def set_files(self, files: list[tuple[str, int]]) -> None:
        self.files = list(files)
        self._paint()

    def set_text(self, text: str) -> None:
        self.texts[self.kind] = text
        self.area.load_text(text)
        self.area.move_cursor(self.area.document.end)

    def _paint(self, hint: str | None = None) -> None:
        tabs = Text(no_wrap=True, overflow="ellipsis")
        width = self.size.width - 2 or 78  # inside the padding; 78 before the first layout
        if self.kind == "reply":
            tail = f" to {plain(self.recipient, one_line=True)}" if self.recipient else ""
            tails = [tail]
        else:
            tails = [" ■ internal: never mailed to the customer", " ■ internal: not mailed",
                     " ■ internal"]
        # Long labels while the line has room for them and what follows; else short ones.
        for labels in ((("reply", "Reply to customer"), ("comment", "Comment (internal)")),
                       (("reply", "Reply"), ("comment", "Comment"))):
            used = sum(len(label) + 3 for _, label in labels)
            tail = next((t for t in tails if used + cell_len(t) <= width), tails[-1])
            if used + cell_len(tail) <= width:
                break
        for kind, label in labels:
            if kind == self.kind:
                tabs.append(f"[{label}]", "bold reverse")
            else:
                tabs.append(f" {label} ", "dim")
            tabs.append(" ")
        # What is left of the line for the address, cut with an ellipsis if need be.
        tail = truncate(tail, max(width - used, 0))
        tabs.append(tail, "dim" if self.kind == "reply" else "bold")
        self.query_one("#tabs", Static).update(tabs)
        drafts = [k for k, v in self.texts.items() if v.strip() and k != self.kind]
        if hint is None:
            k = self.keys
            # The keys met only while writing, most used first: as many as the line holds
            # (F1 lists them all).
            pieces = [f"{k['send']} sends", f"{k['preview']} preview", f"{k['canned']} canned",
                      f"{k['switch']} other tab", f"{k['editor']} $EDITOR",
                      f"{k['attach']} attaches", f"{k['back']}: draft kept"]
            if drafts:  # the other tab's draft first: it is easily forgotten
                pieces.insert(0, f"also a draft {drafts[0]}")
            hint = pieces[0]
            for piece in pieces[1:]:
                if cell_len(hint) + 3 + cell_len(piece) > width:
                    break
                hint += " · " + piece
            if self.files and self.kind == "reply":
                names = ", ".join(f"{plain(Path(p).name, one_line=True)} ({glyphs.size(n)})"
                                  for p, n in self.files)
                hint = f"⤓ with {names} · {k['attach']} adds or removes · {k['send']} sends"
        self.query_one("#hint", Static).update(Text(hint, no_wrap=True, overflow="ellipsis"))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.texts[self.kind] = self.area.text
        self.post_message(self.Changed(self.kind, self.area.text))
        # Typed (one more character), not loaded with a draft that happens to hold it.
        typed = len(self.area.text) == len(self._last_text) + 1
        self._last_text = self.area.text
        if typed and self.area.has_focus and self._before_cursor() == CANNED_TRIGGER:
            self.post_message(self.CannedWanted())
        matches = self._matches()
        if matches:
            names = ", ".join(f"@{h} ({plain(n, one_line=True)})" for h, n in matches[:3])
            self._paint(f"{self.keys['complete']} completes: {names}")
        else:
            self._paint()

    def _partial(self) -> str | None:
        if self.kind != "comment":
            return None
        row, col = self.area.cursor_location
        line = self.area.document.get_line(row)[:col]
        match = _MENTION.search(line)
        return match.group(1) if match else None

    def _matches(self) -> list[tuple[str, str]]:
        partial = self._partial()
        if partial is None:
            return []
        low = partial.lower()
        return [(h, n) for h, n in self.people
                if h.lower().startswith(low) or n.lower().startswith(low)]

    def complete(self) -> bool:
        """Replace the `@partial` before the cursor with the first matching handle."""
        partial = self._partial()
        matches = self._matches()
        if partial is None or not matches:
            return False
        row, col = self.area.cursor_location
        handle = matches[0][0]
        self.area.replace(f"{handle} ", (row, col - len(partial)), (row, col))
        return True

    # --- canned replies ---------------------------------------------------------------

    def _before_cursor(self) -> str:
        row, col = self.area.cursor_location
        return self.area.document.get_line(row)[:col]

    def insert_canned(self, text: str) -> None:
        """Insert `text` at the cursor, in place of a `::` that asked for it."""
        row, col = self.area.cursor_location
        if self._before_cursor() == CANNED_TRIGGER:
            self.area.replace(text, (row, 0), (row, col))
        else:
            self.area.insert(text)
        self.area.focus()
