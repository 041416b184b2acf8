"""What every settings screen shares: one way to turn a refusal into a line that names the
field (`problem_of`, `problem_text`), one worker that saves and shows that line instead of
crashing (`FormCalls.submit`), the form dialogs (`SettingsForm`: fields of its own;
`FieldsForm`: a list of one-line `Field`s), the checklist and checkboxes that say their
state in characters, and the list screen of a section (`SettingsList`).

Every text field prefilled from stored data is a `SafeInput` or `SafeTextArea`
(`widgets/safe_input.py`): it shows the value sanitized and keeps the stored one, so a form
sends only the fields the admin changed (`changed`) and an untouched stored value with
control characters is never rewritten with the stand-ins the screen shows for them.
Every string from data is drawn as `Text` (never markup).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui import keymap
from tui.base import BackendCalls, DesklineModal, DesklineScreen, describe_error
from widgets.keybar import KeyBar
from widgets.rows import Row, RowList
from widgets.safe_input import SafeInput
from widgets.titleline import TitleLine

if TYPE_CHECKING:
    from deskline.backend import Backend

DASH = "–"

# Forms of label-and-field rows: the label on the left, the field on the right, one line.
FORM_CSS = """
.field-row { height: 1; margin: 0; }
.field-row > Label { width: 16; color: $foreground-muted; }
.field-row > Input, .field-row > Select { width: 1fr; }
.form-problem { height: auto; color: $error; text-style: bold; }
.form-note { height: auto; color: $foreground-muted; }
"""


def shown(value: object) -> str:
    """A stored value as a line shows it: terminal control made visible."""
    return plain("" if value is None else value, one_line=True)


def yes_no(label: str, on: bool) -> str:
    """A checkbox label that says its state in words (the box's look is colour only)."""
    return f"{label}: {'YES' if on else 'no'} · space toggles"


def split_list(value: str) -> list[str]:
    """Comma separated values, trimmed, empty ones dropped, first occurrence kept."""
    return list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


def when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value is not None else DASH


# --- refusals ---------------------------------------------------------------------------


class FieldProblem(Exception):
    """A value the form itself refuses before asking the backend (an unknown email…)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def problem_of(exc: BaseException, default_field: str | None = None
               ) -> tuple[str | None, str] | None:
    """(field, message) of a refusal a form shows next to its fields; None for anything
    else (a crash, the backend gone, something not found or not allowed)."""
    from pydantic import ValidationError

    from deskline.errors import ConflictError, DesklineError, NotFound, PermissionDenied

    if isinstance(exc, FieldProblem):
        return exc.field, exc.message
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if not errors:
            return default_field, str(exc)
        first = errors[0]
        # The model's field, not a list index or a nested key: that is what a form names.
        loc = [str(x) for x in first.get("loc", ()) if not isinstance(x, int)]
        message = str(first.get("msg", "not valid")).removeprefix("Value error, ")
        return (loc[0] if loc else default_field), message
    if isinstance(exc, ConflictError) and exc.current_version is not None:
        return exc.field, f"someone else changed it since this form opened: {exc.message}"
    if isinstance(exc, DesklineError) and not isinstance(exc, NotFound | PermissionDenied):
        return exc.field, exc.message
    return None


def problem_text(field: str | None, message: str,
                 labels: dict[str, str] | None = None) -> Text:
    """"✗ Label: message", the field named by its label."""
    name = (labels or {}).get(field or "", field)
    text = Text("✗ ", style="bold")
    if name:
        text.append(plain(name, one_line=True) + ": ", style="bold")
    text.append(plain(message))
    return text


class FormCalls(BackendCalls):
    """For settings screens and dialogs: `self.submit(fn, what, done)` runs the call in a
    worker. A refusal goes to the problem line (`show_problem`, naming the field) and to a
    notification; what was typed stays. With no `done`, a dialog is dismissed with the
    result."""

    LABELS: dict[str, str] = {}  # a field's name as people read it; FieldsForm sets its own
    FIELD_PREFIX: ClassVar[str] = "f-"  # a field's widget id is prefix + the model's name

    def show_problem(self, field: str | None, message: str, *, focus: bool = True) -> None:
        """Say what is wrong under the form, naming the field, and (with `focus`) go to it."""
        line = self.query_one("#form-problem", Static)
        line.update(problem_text(field, message, self.LABELS) if message else Text(""))
        widget = self.field_widget(field) if field and focus else None
        if widget is not None and widget.focusable:
            widget.focus()
            widget.scroll_visible(animate=False)

    def clear_problem(self) -> None:
        self.show_problem(None, "")

    def field_widget(self, field: str) -> Widget | None:
        found = self.query(f"#{self.FIELD_PREFIX}{field}")
        return found.first() if found else None

    def finished(self, result: Any) -> None:
        """What a save with no `done` does: a dialog closes with the result."""
        dismiss = getattr(self, "dismiss", None)
        if dismiss is not None:
            dismiss(result)

    def submit(self, fn: Callable[[Backend], Awaitable[Any]], what: str,
               done: Callable[[Any], Any] | None = None,
               failed: Callable[[BaseException], Any] | None = None) -> None:
        """Run `fn` in a worker; `failed` (when given) takes a refusal instead."""
        async def work() -> None:
            try:
                backend = await self.app.backend_ready()
                result = await fn(backend)
            except Exception as exc:  # a refusal is shown, never a crash
                self.app.log.error(f"{what}: {exc!r}")
                if failed is not None:
                    failed(exc)
                    return
                found = problem_of(exc)
                if found is None:
                    message = describe_error(exc, what)
                    self.show_problem(None, message)
                else:
                    self.show_problem(*found)
                    message = f"{what}: not done. {plain(found[1])}"
                self.app.notify(message, severity="error", timeout=6, markup=False)
                return
            (done or self.finished)(result)

        self.run_worker(work(), group="submit", exclusive=True, exit_on_error=False)


# --- widgets ----------------------------------------------------------------------------


class Checklist(OptionList):
    """Options each marked `[x]` or `[ ]` (words, not colour); space or enter toggles."""

    BINDINGS: ClassVar = [Binding("space", "select", "Toggle", show=False)]
    DEFAULT_CSS = """
    Checklist { height: auto; max-height: 8; }
    """

    def __init__(self, items: Iterable[tuple[str, Any]], selected: Iterable[Any] = (), *,
                 id: str | None = None) -> None:
        self.items = list(items)
        known = {value for _label, value in self.items}
        self.chosen = {value for value in selected if value in known}
        super().__init__(*[Option(self._prompt(i)) for i in range(len(self.items))], id=id,
                         compact=True)

    def _prompt(self, index: int) -> Text:
        label, value = self.items[index]
        return Text(("[x] " if value in self.chosen else "[ ] ") + shown(label))

    def action_select(self) -> None:
        index = self.highlighted
        if index is None or not self.items:
            return
        value = self.items[index][1]
        self.chosen ^= {value}
        self.replace_option_prompt_at_index(index, self._prompt(index))
        self.post_message(self.Changed(self))

    class Changed(Message):
        def __init__(self, checklist: Checklist) -> None:
            super().__init__()
            self.checklist = checklist

    @property
    def values(self) -> list[Any]:
        """The chosen values, in the order of the items."""
        return [value for _label, value in self.items if value in self.chosen]


class YesNo(Checkbox):
    """A checkbox whose label says yes or no (a form's line of its own)."""

    def __init__(self, label: str, value: bool, *, id: str | None = None) -> None:
        self.base_label = label
        super().__init__(Text(yes_no(label, value)), value, id=id, compact=True)

    def watch_value(self) -> None:
        super().watch_value()
        self.label = Text(yes_no(self.base_label, self.value))


class Tick(Checkbox):
    """A short checkbox (several on a line) whose mark is a character: ▐X▌ ticked. Its
    label is shown sanitized, as text (a str label would be parsed as markup)."""

    def __init__(self, label: str, value: bool = False, **kwargs: Any) -> None:
        super().__init__(Text(shown(label)), value, **kwargs)

    # Textual declares BUTTON_INNER a class attribute but reads it at each render; the
    # mark follows the value, so here it is a read-only property.
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


def field(label: str, widget: Widget, help_text: str = "") -> list[Widget]:
    """A label above its widget (80 columns leave no room beside), with a help line."""
    out: list[Widget] = [Label(label, classes="form-label")]
    out.append(widget)
    if help_text:
        out.append(Static(Text(help_text), classes="form-help"))
    return out


# --- dialogs ----------------------------------------------------------------------------


class SettingsForm(FormCalls, DesklineModal):
    """A form dialog. Subclasses yield their fields from `fields()`, name them in `LABELS`
    ({field: label}, the ids of the widgets too), and save through `submit`."""

    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")
    FIELD_PREFIX = ""
    TALL: ClassVar[bool] = False  # a long form takes the whole height and scrolls
    DEFAULT_CSS = """
    SettingsForm .settings-form { height: auto; max-height: 100%; width: 76; }
    SettingsForm .settings-form.-tall { height: 100%; }
    SettingsForm #form-body { height: auto; max-height: 16; }
    SettingsForm .-tall #form-body { height: 1fr; max-height: 100%; }
    SettingsForm .form-label { color: $foreground-muted; margin-top: 0; }
    SettingsForm .form-help { color: $foreground-muted; text-style: italic; }
    SettingsForm #form-problem { height: auto; color: $error; text-style: bold; }
    SettingsForm TextArea { height: 3; background: $boost; }
    """

    title_text = ""

    def compose(self) -> ComposeResult:
        classes = "dialog settings-form" + (" -tall" if self.TALL else "")
        with Vertical(classes=classes):
            yield Static(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(id="form-body"):
                yield from self.fields()
            yield Static(Text(""), id="form-problem")
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · tab "
                              "moves · space toggles"), classes="dialog-hint")

    def fields(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        first = next(iter(self.query("#form-body Input, #form-body Checklist")), None)
        if first is not None:
            first.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        raise NotImplementedError

    # --- values -------------------------------------------------------------------------

    def text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def changed_text(self, widget_id: str) -> str | None:
        """The typed text when the admin edited the field, else None (not sent)."""
        widget = self.query_one(f"#{widget_id}", SafeInput)
        return widget.value.strip() if widget.changed else None

    def invalid(self, exc: Exception, default_field: str | None = None) -> None:
        self.show_problem(*(problem_of(exc, default_field) or (None, str(exc))))


@dataclass
class Field:
    key: str  # the model's field name: what a refusal names
    label: str
    value: Any = ""  # as stored; shown sanitized by its SafeInput
    options: list[tuple[str, Any]] | None = None  # a Select instead of an input
    placeholder: str = ""
    extra: dict = dataclass_field(default_factory=dict)


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
                        yield Select([(Text(shown(label)), value) for label, value in f.options],
                                     value=f.value, allow_blank=False, id=f"f-{f.key}",
                                     compact=True)
                    else:
                        yield SafeInput(f.value, placeholder=f.placeholder, id=f"f-{f.key}",
                                        compact=True)
            yield Static(Text(""), id="form-problem", classes="form-problem")
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · "
                              "tab moves"), classes="dialog-hint")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#f-{self.fields[0].key}").focus()

    def changed(self) -> dict[str, Any]:
        """{key: value} of the fields the admin changed."""
        out: dict[str, Any] = {}
        for f in self.fields:  # a field is a Select or a SafeInput, as compose made it
            if f.options is not None:
                select = self.query_one(f"#f-{f.key}", Select)
                if select.value != f.value:
                    out[f.key] = select.value
            else:
                text = self.query_one(f"#f-{f.key}", SafeInput)
                if text.changed:
                    out[f.key] = text.value.strip()
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            call = self.save(self.changed())
        except Exception as exc:
            found = problem_of(exc)
            if found is None:
                raise
            self.show_problem(*found)
            return
        if call is None:
            self.dismiss(None)
            return
        self.submit(call, self.what)

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the list screen of a section -------------------------------------------------------


class Pane(VerticalScroll, can_focus=False):
    """The details pane: it scrolls, but the keys stay with the list."""


class SettingsList(FormCalls, DesklineScreen):
    """A section's list: a title, a line of context, the rows, the selected row's details
    (when the section has any), a status line (what the last action did or why it was
    refused, in the service's words) and the key bar. Subclasses fill the rows and may say
    `details(i)`."""

    AUTO_FOCUS = "#settings-list"
    TITLE_TEXT: ClassVar[str] = "Settings"
    EMPTY: ClassVar[str] = "(nothing yet)"
    DETAILS: ClassVar[bool] = True
    DEFAULT_CSS = """
    #settings-context { height: auto; padding: 0 1; color: $foreground-muted; }
    #settings-list { height: 1fr; padding: 0 1; overflow-x: hidden; }
    #settings-details { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    #settings-status { height: auto; max-height: 4; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield TitleLine(Text(self.TITLE_TEXT), id="title")
        yield Static(Text(""), id="settings-context")
        yield self.make_list()
        if self.DETAILS:
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

    def select_id(self, items: list, item_id: int | None) -> None:
        """Select the row of the item with this id (when there is one)."""
        index = next((i for i, x in enumerate(items) if x.id == item_id), None)
        if index is not None:
            self.rows.select(index)
            self.show_details()

    def details(self, index: int) -> Text:
        return Text("")

    def show_details(self) -> None:
        if not self.DETAILS:
            return
        rows = self.rows
        text = self.details(rows.selected) if rows.rows else Text("")
        self.query_one("#settings-details-text", Static).update(text)

    def set_context(self, text: Text | str) -> None:
        self.query_one("#settings-context", Static).update(
            Text(text) if isinstance(text, str) else text)

    def say(self, text: str | Text, *, problem: bool = False) -> None:
        """The status line: ✓ what was done, or ✗ why not."""
        if isinstance(text, str):
            text = Text(("✗ " if problem else "✓ ") + text, style="bold" if problem else "")
        self.query_one("#settings-status", Static).update(text)

    def show_problem(self, field: str | None, message: str, *, focus: bool = True) -> None:
        """A refusal of the service (`submit`), in its words, on the status line."""
        self.say(problem_text(None, message) if message else Text(""))

    def refused(self, exc: BaseException) -> None:
        """A refusal said on the status line (for a `failed` of `submit`)."""
        found = problem_of(exc)
        self.show_problem(None, found[1] if found else describe_error(exc, "Not done"))

    def action_cursor(self, delta: int) -> None:
        self.rows.select(self.rows.selected + delta)
        self.show_details()

    def action_top(self) -> None:
        self.rows.select(0)
        self.show_details()

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.show_details()
        self.action_edit()

    def action_edit(self) -> None:
        pass

    def action_back(self) -> None:
        self.app.pop_screen()
