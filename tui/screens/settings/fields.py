"""What the settings screens of SLA policies, templates, the catalog, tokens and the audit
trail share: a problem line that names the field, a worker that turns refusals into that
line, a small form of one-line fields, and a list screen with a details pane.

Inputs are prefilled with `plain(value)` and only the fields the admin changed are sent,
so a stored value with control characters is never written back with their stand-ins.
Every string from data is drawn as `Text` (never markup).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal, DesklineScreen, describe_error
from widgets.keybar import KeyBar
from widgets.rows import Row, RowList

if TYPE_CHECKING:
    from deskline.backend import Backend

DASH = "–"

# Shared by every settings form: label on the left, the field on the right, one line each.
FORM_CSS = """
.field-row { height: 1; margin: 0; }
.field-row > Label { width: 16; color: $foreground-muted; }
.field-row > Input, .field-row > Select { width: 1fr; }
.form-problem { height: auto; color: $error; text-style: bold; }
.form-note { height: auto; color: $foreground-muted; }
"""


class Tick(Checkbox):
    """A checkbox whose mark is a character, not only a colour: ▐X▌ ticked, ▐ ▌ not."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


class FieldProblem(Exception):
    """A value the form itself refuses before asking the backend (an unknown email…)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def problem_of(exc: BaseException) -> tuple[str | None, str] | None:
    """(field, message) of a refusal a form shows next to its fields; None for anything
    else (a crash, the backend gone), which is a notification."""
    from pydantic import ValidationError

    from deskline.errors import DesklineError, NotFound, PermissionDenied

    if isinstance(exc, FieldProblem):
        return exc.field, exc.message
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or None
        message = str(first.get("msg", "not valid")).removeprefix("Value error, ")
        return where, message
    if isinstance(exc, DesklineError) and not isinstance(exc, NotFound | PermissionDenied):
        return exc.field, exc.message
    return None


def problem_text(field: str | None, message: str, labels: dict[str, str] | None = None) -> Text:
    name = (labels or {}).get(field or "", field)
    text = Text("✗ ", style="bold")
    if name:
        text.append(plain(name, one_line=True) + ": ", style="bold")
    text.append(plain(message))
    return text


def split_list(value: str) -> list[str]:
    """Comma separated values, trimmed, empty ones dropped, first occurrence kept."""
    return list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


def when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value is not None else DASH


class FormCalls:
    """For forms: `self.submit(fn, done, what)` runs in a worker; a refusal (validation,
    conflict, a field problem) goes to the form's problem line naming the field, and the
    form stays open with what was typed."""

    app: Any
    LABELS: dict[str, str] = {}

    def show_problem(self, field: str | None, message: str) -> None:
        line = self.query_one("#form-problem", Static)  # type: ignore[attr-defined]
        line.update(problem_text(field, message, self.LABELS) if message else Text(""))
        widget = self.field_widget(field) if field else None
        if widget is not None:
            widget.focus()

    def field_widget(self, field: str):
        found = self.query(f"#f-{field}")  # type: ignore[attr-defined]
        return found.first() if found else None

    def submit(self, fn: Callable[[Backend], Awaitable[Any]],
               done: Callable[[Any], Any], what: str) -> None:
        async def work() -> None:
            try:
                backend = await self.app.backend_ready()
                result = await fn(backend)
            except Exception as exc:  # a refusal is shown, never a crash
                found = problem_of(exc)
                if found is None:
                    self.app.log.error(f"{what}: {exc!r}")
                    self.app.notify(describe_error(exc, what), severity="error", timeout=8,
                                    markup=False)
                    return
                self.show_problem(*found)
                self.app.notify(f"{what}: not saved. {plain(found[1])}", severity="error",
                                timeout=6, markup=False)
                return
            done(result)

        self.run_worker(work(), group="submit", exclusive=True,  # type: ignore[attr-defined]
                        exit_on_error=False)


@dataclass
class Field:
    key: str  # the model's field name: what a refusal names
    label: str
    value: Any = ""  # as stored; shown through plain()
    options: list[tuple[str, Any]] | None = None  # a Select instead of an Input
    placeholder: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def shown(self) -> Any:
        return self.value if self.options is not None else plain(self.value or "",
                                                                 one_line=True)


class FieldsForm(FormCalls, DesklineModal):
    """A dialog of one-line fields. `save(changed)` gets {key: new value} of the fields
    the admin changed and returns the backend call (or None: nothing to do); it may raise
    pydantic's ValidationError or FieldProblem, shown naming the field."""

    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")
    DEFAULT_CSS = FORM_CSS

    def __init__(self, title: str, fields: list[Field],
                 save: Callable[[dict[str, Any]], Callable[[Backend], Awaitable[Any]] | None],
                 *, note: str = "", what: str = "Saving") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.save = save
        self.note = note
        self.what = what
        self.LABELS = {f.key: f.label for f in fields}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            if self.note:
                yield Static(Text(self.note), classes="form-note")
            for f in self.fields:
                with Horizontal(classes="field-row"):
                    yield Label(f.label)
                    if f.options is not None:
                        yield Select([(Text(plain(label, one_line=True)), value)
                                      for label, value in f.options], value=f.value,
                                     allow_blank=False, id=f"f-{f.key}", compact=True)
                    else:
                        yield Input(f.shown, placeholder=f.placeholder, id=f"f-{f.key}",
                                    compact=True)
            yield Static(Text(""), id="form-problem", classes="form-problem")
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · "
                              "tab moves"), classes="dialog-hint")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#f-{self.fields[0].key}").focus()

    def values(self) -> dict[str, Any]:
        out = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.key}")
            out[f.key] = widget.value if f.options is not None else widget.value.strip()
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        values = self.values()
        changed = {f.key: values[f.key] for f in self.fields if values[f.key] != f.shown}
        try:
            call = self.save(changed)
        except Exception as exc:
            found = problem_of(exc)
            if found is None:
                raise
            self.show_problem(*found)
            return
        if call is None:
            self.dismiss(None)
            return
        self.submit(call, self.dismiss, self.what)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Pane(VerticalScroll, can_focus=False):
    """The details pane: it scrolls, but the keys stay with the list."""


class ListSettings(FormCalls, DesklineScreen):
    """A settings list: a title, a line of context, rows, a details pane for the selected
    row, a status line and the key bar. Subclasses fill `rows` and say `details(i)`."""

    AUTO_FOCUS = "#settings-list"
    TITLE_TEXT = "Settings"
    EMPTY = "(nothing yet)"
    DEFAULT_CSS = """
    #settings-context { height: auto; padding: 0 1; color: $foreground-muted; }
    #settings-list { height: 1fr; padding: 0 1; overflow-x: hidden; }
    #settings-details { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    #settings-status { height: auto; max-height: 3; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text(self.TITLE_TEXT), id="title")
        yield Static(Text(""), id="settings-context")
        yield self.make_list()
        with Pane(id="settings-details"):
            yield Static(Text(""), id="settings-details-text")
        yield Static(Text(""), id="settings-status")
        yield KeyBar(keymap.hints(self.SCOPE))

    def make_list(self) -> RowList:
        return RowList(self.EMPTY, id="settings-list")

    @property
    def rows(self) -> RowList:
        return self.query_one("#settings-list", RowList)

    @property
    def selected(self) -> int:
        return self.rows.selected

    def set_rows(self, rows: list[Row], *, keep: bool = True) -> None:
        self.rows.set_rows(rows, keep=keep)
        self.show_details()

    def details(self, index: int) -> Text:
        return Text("")

    def show_details(self) -> None:
        rows = self.rows
        text = self.details(rows.selected) if rows.rows else Text("")
        self.query_one("#settings-details-text", Static).update(text)

    def set_context(self, text: Text) -> None:
        self.query_one("#settings-context", Static).update(text)

    def show_status(self, text: str | Text, *, problem: bool = False) -> None:
        if isinstance(text, str):
            text = Text(("✗ " if problem else "✓ ") + text)
        self.query_one("#settings-status", Static).update(text)

    def show_problem(self, field: str | None, message: str) -> None:
        """A refusal of the service (`submit`), in words, on the status line."""
        self.show_status(problem_text(None, message) if message else Text(""))

    def action_cursor(self, delta: int) -> None:
        self.rows.select(self.rows.selected + delta)
        self.show_details()

    def action_top(self) -> None:
        self.rows.select(0)
        self.show_details()

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.show_details()

    def action_back(self) -> None:
        self.app.pop_screen()
