"""Text inputs for editing stored text: `SafeInput` (one line) and `SafeTextArea` (several).

Use these, never Textual's `Input`/`TextArea`, in any dialog that fills a field with text
that came from the database, a file or a server (names, phones, tags, subjects,
descriptions, saved mapping names…):

- the prefilled value, the placeholder and the suggestions are shown through
  `deskline.text.plain`: terminal control becomes visible stand-ins (`␛`, `⟨9B⟩`) instead of
  being written to the terminal (Textual writes an `Input`'s value as it is), and nothing
  is parsed as markup;
- the widget remembers the stored value it was given. `changed` says whether the user
  edited the field; `result` is the stored value, byte for byte, while the field still
  shows what it was filled with, else the text typed. A dialog sends only changed fields,
  so saving a dialog never rewrites a stored value with its stand-ins.

    name = SafeInput(customer.name, id="name")
    ...
    if name.changed:
        update["name"] = name.value.strip()

Text the user types or pastes into a `SafeInput` is sanitized too (a pasted ESC becomes
`␛`). The console's output guard (`tui/output_guard.py`) stays the last line of defence
under both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Input, TextArea

from deskline.text import plain


def _line(value: object) -> str:
    return plain(value, one_line=True)


class SafeInput(Input):
    """A one-line `Input` filled with a stored value, shown sanitized; see the module."""

    def __init__(self, stored: str | None = "", *, placeholder: str = "",
                 suggestions: Iterable[str] | None = None, **kwargs: Any) -> None:
        self.stored = stored or ""
        self.shown = _line(self.stored)
        if suggestions is not None:
            kwargs["suggester"] = self._suggester(suggestions)
        super().__init__(self.shown, placeholder=_line(placeholder), **kwargs)

    @staticmethod
    def _suggester(suggestions: Iterable[str]) -> SuggestFromList:
        return SuggestFromList([_line(s) for s in suggestions], case_sensitive=False)

    # Every way a value, placeholder or suggestion is set goes through the sanitizer:
    # typed and pasted text, code that assigns `value`, and the suggester's answers.
    def validate_value(self, value: str) -> str:
        return _line(value)

    def validate_placeholder(self, value: str) -> str:
        return _line(value)

    def validate__suggestion(self, value: str) -> str:
        return _line(value)

    def set_suggestions(self, suggestions: Iterable[str]) -> None:
        """Complete from these names (stored text, shown sanitized)."""
        self.suggester = self._suggester(suggestions)

    def set_stored(self, stored: str | None) -> None:
        """Fill the field with another stored value, which is then the untouched one."""
        self.stored = stored or ""
        self.shown = _line(self.stored)
        self.value = self.shown

    @property
    def changed(self) -> bool:
        """Whether the field shows something else than the stored value it was filled with."""
        return self.value != self.shown

    @property
    def result(self) -> str:
        """The stored value, unchanged, if the field was left as filled; else the text."""
        return self.value if self.changed else self.stored


class SafeTextArea(TextArea):
    """A `TextArea` filled with a stored text, shown sanitized (newlines and tabs kept);
    see the module."""

    def __init__(self, stored: str | None = "", *, placeholder: str = "",
                 **kwargs: Any) -> None:
        self.stored = stored or ""
        self.shown = plain(self.stored)
        super().__init__(self.shown, placeholder=self.validate_placeholder(placeholder),
                         **kwargs)

    def validate_placeholder(self, value: str | Content) -> Content:
        # As Content: TextArea parses a str placeholder as markup.
        return Content(plain(value.plain if isinstance(value, Content) else value))

    def set_stored(self, stored: str | None) -> None:
        """Load another stored text, which is then the untouched one."""
        self.stored = stored or ""
        self.shown = plain(self.stored)
        self.load_text(self.shown)

    @property
    def changed(self) -> bool:
        """Whether the text differs from what it was filled with (ends' blanks aside)."""
        return self.text.strip() != self.shown.strip()

    @property
    def result(self) -> str:
        """The stored text, unchanged, if the area was left as filled; else the text."""
        return self.text if self.changed else self.stored
