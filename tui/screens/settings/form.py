"""What every settings form shares: a scrolling dialog that fits 80×24, a checklist, the
refusal shown under the form (naming the field) while what was typed stays, and the rule
that only the fields the admin changed are sent.

Inputs are prefilled with `shown(value)` (one sanitized line): a field still showing that
text is left out of the update, so a stored value with control characters is never
rewritten with the stand-ins the screen shows for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal, DesklineScreen
from widgets.keybar import KeyBar
from widgets.rows import RowList

if TYPE_CHECKING:
    from deskline.backend import Backend


def shown(value: object) -> str:
    """A stored value as an input shows it: one line, terminal control made visible."""
    return plain("" if value is None else value, one_line=True)


def yes_no(label: str, on: bool) -> str:
    """A checkbox label that says its state in words (the box's look is colour only)."""
    return f"{label}: {'YES' if on else 'no'} · space toggles"


def pydantic_problem(exc: Exception, default_field: str | None = None) -> tuple[str | None, str]:
    """(field, message) of the first error of a pydantic ValidationError."""
    errors = exc.errors()  # type: ignore[attr-defined]
    if not errors:
        return default_field, str(exc)
    first = errors[0]
    loc = [str(x) for x in first.get("loc", ()) if not isinstance(x, int)]
    message = str(first.get("msg", "not valid")).removeprefix("Value error, ")
    return (loc[0] if loc else default_field), message


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
    """A checkbox whose label says yes or no."""

    def __init__(self, label: str, value: bool, *, id: str | None = None) -> None:
        self.base_label = label
        super().__init__(yes_no(label, value), value, id=id, compact=True)

    def watch_value(self) -> None:
        super().watch_value()
        self.label = yes_no(self.base_label, self.value)


def field(label: str, widget: Widget, help_text: str = "") -> list[Widget]:
    """A label above its widget (80 columns leave no room beside), with a help line."""
    out: list[Widget] = [Label(label, classes="form-label")]
    out.append(widget)
    if help_text:
        out.append(Static(Text(help_text), classes="form-help"))
    return out


class SettingsForm(DesklineModal):
    """A form dialog. Subclasses yield their fields from `fields()`, name them in `LABELS`
    ({field: label}, the ids of the widgets too), and save through `submit`."""

    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")
    LABELS: ClassVar[dict[str, str]] = {}
    TALL: ClassVar[bool] = False  # a long form takes the whole height and scrolls
    DEFAULT_CSS = """
    SettingsForm .settings-form { height: auto; max-height: 100%; width: 76; }
    SettingsForm .settings-form.-tall { height: 100%; }
    SettingsForm #form-body { height: auto; max-height: 16; }
    SettingsForm .-tall #form-body { height: 1fr; max-height: 100%; }
    SettingsForm .form-label { color: $foreground-muted; margin-top: 0; }
    SettingsForm .form-help { color: $foreground-muted; text-style: italic; }
    SettingsForm #form-error { height: auto; color: $error; text-style: bold; }
    SettingsForm TextArea { height: 3; background: $boost; }
    """

    title_text = ""

    def compose(self) -> ComposeResult:
        classes = "dialog settings-form" + (" -tall" if self.TALL else "")
        with Vertical(classes=classes):
            yield Static(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(id="form-body"):
                yield from self.fields()
            yield Static(Text(""), id="form-error")
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

    def changed_text(self, widget_id: str, original: object) -> str | None:
        """The typed text when it differs from what the field showed at first, else None
        (unchanged: not sent)."""
        value = self.text(widget_id)
        return None if value == shown(original).strip() else value

    # --- problems -----------------------------------------------------------------------

    def show_problem(self, field_name: str | None, message: str) -> None:
        """Say what is wrong under the form, naming the field, and go to it."""
        label = self.LABELS.get(field_name or "", field_name)
        text = Text("✗ ", style="bold")
        if label:
            text.append(f"{label}: ", "bold")
        text.append(plain(message))
        self.query_one("#form-error", Static).update(text)
        if field_name:
            target = next(iter(self.query(f"#{field_name}")), None)
            if target is not None and target.focusable:
                target.focus()
                target.scroll_visible(animate=False)

    def clear_problem(self) -> None:
        self.query_one("#form-error", Static).update(Text(""))

    def invalid(self, exc: Exception, default_field: str | None = None) -> None:
        self.show_problem(*pydantic_problem(exc, default_field))

    def submit(self, fn: Callable[[Backend], Awaitable[Any]], what: str,
               done: Callable[[Any], Any] | None = None) -> None:
        """Run the save in a worker. A refusal (ValidationFailed, ConflictError…) is shown
        under the form, which stays open with what was typed; success dismisses it."""
        from deskline.errors import ConflictError, DesklineError

        self.clear_problem()

        async def work() -> None:
            try:
                backend = await self.app.backend_ready()
                result = await fn(backend)
            except ConflictError as exc:
                message = exc.message
                if exc.current_version is not None:
                    message = ("someone else changed it since this form opened: "
                               f"{exc.message}")
                self.show_problem(exc.field, message)
                return
            except DesklineError as exc:
                self.show_problem(exc.field, exc.message)
                return
            except Exception as exc:  # never a crash: said under the form
                self.app.log.error(f"{what}: {exc!r}")
                self.show_problem(None, f"{what} failed: {type(exc).__name__}: {exc}")
                return
            if done is not None:
                done(result)
            else:
                self.dismiss(result)

        self.run_worker(work(), group="form-save", exclusive=True, exit_on_error=False)


class SettingsList(DesklineScreen):
    """A section's list screen: a title, the rows, a status line under them (what the last
    action did or why it was refused), the key bar."""

    TITLE_TEXT: ClassVar[str] = ""
    EMPTY: ClassVar[str] = "(nothing yet)"
    AUTO_FOCUS = "#rows"
    DEFAULT_CSS = """
    SettingsList #rows { height: 1fr; padding: 0 1; }
    SettingsList #status { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Settings › {self.TITLE_TEXT}"), id="title")
        yield Static(Text(""), id="heading", classes="section")
        yield RowList(self.EMPTY, id="rows")
        yield Static(Text(""), id="status")
        yield KeyBar(keymap.hints(self.SCOPE))

    @property
    def rows(self) -> RowList:
        return self.query_one("#rows", RowList)

    @property
    def index(self) -> int:
        return self.rows.selected

    def say(self, text: str | Text, problem: bool = False) -> None:
        if isinstance(text, str):
            text = Text(("✗ " if problem else "✓ ") + text,
                        style="bold" if problem else "")
        self.query_one("#status", Static).update(text)

    def refused(self, exc: BaseException) -> None:
        """A refusal from the service, said on the status line (and as a notification)."""
        message = getattr(exc, "message", None) or str(exc)
        self.say(plain(message), problem=True)

    def action_cursor(self, delta: int) -> None:
        self.rows.select(self.rows.selected + delta)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        pass

    def action_back(self) -> None:
        self.app.pop_screen()

    def act(self, fn: Callable[[Backend], Awaitable[Any]], done: Callable[[Any], Any] | None,
            what: str, failed: Callable[[BaseException], Any] | None = None) -> None:
        """A backend call whose refusal is said on the status line, in the service's words
        (`self.call` would describe a conflict as a ticket's)."""
        async def work() -> None:
            try:
                backend = await self.app.backend_ready()
                result = await fn(backend)
            except Exception as exc:
                self.app.log.error(f"{what}: {exc!r}")
                if failed is not None:
                    failed(exc)
                else:
                    self.refused(exc)
                    self.app.notify(f"{what}: {plain(getattr(exc, 'message', None) or exc)}",
                                    severity="error", timeout=6, markup=False)
                return
            if done is not None:
                done(result)

        self.run_worker(work(), group="settings", exit_on_error=False)
