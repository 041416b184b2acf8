"""Small dialogs: choose from a short list (agents, priorities, tags), type a line, confirm.

Short lists only (a dozen agents, four priorities, the tags): OptionList is fine here.
Every label is built as `Text` from sanitized strings; the prompt's line is a `SafeInput`
(a prefilled path or mapping name shows stand-ins for control characters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from widgets import glyphs
from widgets.safe_input import SafeInput


class Picker(DesklineModal):
    BINDINGS = keymap.bindings("dialog")

    def __init__(self, title: str, options: list[tuple[str, Any]], current: Any = None,
                 hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.values = [value for _label, value in options]
        self.labels = [label for label, _value in options]
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(plain(self.title_text)), classes="dialog-title")
            options = [Option(Text(("● " if v == self.current else "  ") + plain(label,
                                                                              one_line=True)))
                       for label, v in zip(self.labels, self.values, strict=True)]
            yield OptionList(*options, id="options")
            yield Static(Text(self.hint or f"enter chooses · {keymap.key('dialog.cancel')} "
                              "cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.values:
            options.highlighted = self.values.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.values[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(DesklineModal):
    BINDINGS = keymap.bindings("dialog")

    def __init__(self, title: str, hint: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.hint, self.value, self.placeholder = title, hint, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(plain(self.title_text)), classes="dialog-title")
            yield SafeInput(self.value, placeholder=self.placeholder, id="prompt")
            yield Static(Text(f"{self.hint}  enter confirms · {keymap.key('dialog.cancel')} "
                              "cancels"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Left as filled: the stored value itself, not its stand-ins.
        self.dismiss(self.query_one(SafeInput).result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(Picker):
    def __init__(self, title: str, yes: str, no: str = "Cancel") -> None:
        super().__init__(title, [(yes, True), (no, False)], current=None)


def pick_priority(screen, current: int | None, done: Callable[[Any], None],
                  title: str = "Priority") -> None:
    options = [(glyphs.priority(p), p) for p in (3, 2, 1, 0)]
    screen.app.push_screen(Picker(title, options, current), done)


def away_until(agent, now) -> Any:
    """The end of the time off the agent is on at `now`, if any."""
    ends = [p.end for p in getattr(agent, "time_off", None) or [] if p.start <= now < p.end]
    return max(ends) if ends else None


def pick_agent(screen, done: Callable[[Any], None], current: int | None = None) -> None:
    async def show() -> None:
        agents = await screen.app.agent_list()
        me = screen.app.me
        options = [("Nobody (unassign)", 0)]
        now = screen.app.now()
        for agent in agents:
            label = f"{agent.name} <{agent.email}>" + (" (me)" if me and agent.id == me.id
                                                        else "")
            away = away_until(agent, now)
            if away is not None:  # automatic assignment skips them; a person may not
                label += f" · away until {away:%Y-%m-%d}"
            options.append((label, agent.id))
        screen.app.push_screen(Picker("Assign to", options, current or 0), done)

    screen.run_worker(show(), exit_on_error=False)


def pick_project(screen, current: int | None, done: Callable[[Any], None]) -> None:
    """(project id, name) of the chosen project; (0, "") for any project."""
    async def show() -> None:
        backend = await screen.app.backend_ready()
        projects = await backend.list_projects()
        options = [("Any project (clear)", (0, ""))] + [(p.name, (p.id, p.name))
                                                       for p in projects]
        chosen = next((value for _label, value in options if value[0] == current), (0, ""))
        screen.app.push_screen(Picker("Show only the tickets of a project's customers",
                                      options, chosen), done)

    screen.run_worker(show(), exit_on_error=False)


def pick_tag(screen, done: Callable[[Any], None]) -> None:
    async def show() -> None:
        backend = await screen.app.backend_ready()
        tags = await backend.list_tags()
        options = [("Any tag (clear)", "")] + [("#" + tag, tag) for tag in tags]
        screen.app.push_screen(Picker("Show only the tag", options), done)

    screen.run_worker(show(), exit_on_error=False)
