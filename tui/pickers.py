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
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from widgets import glyphs
from widgets.lines import truncate
from widgets.safe_input import SafeInput

NAME_CELLS = 30  # of an agent's or a team's name in a picker's line


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


class AgentPicker(DesklineModal):
    """Agents to assign: the team's members, a separator line, the other agents; typing
    filters by name or email (the list keeps its arrows and enter)."""

    BINDINGS = [*keymap.bindings("dialog"),
                Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]
    # One line per agent (a long name or address is cut, never wraps into the next).
    DEFAULT_CSS = "AgentPicker OptionList { text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, title: str, first: list[tuple[str, Any, str]],
                 members: list[tuple[str, Any, str]], others: list[tuple[str, Any, str]],
                 current: Any = None) -> None:
        """Each entry is (label, value, what the filter matches)."""
        super().__init__()
        self.title_text = title
        self.groups = (first, members, others)
        self.current = current
        self.values: list[Any] = []
        self.labels: list[str] = []  # of the agents shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(plain(self.title_text)), classes="dialog-title")
            yield SafeInput("", placeholder="type to filter by name or email", id="filter")
            yield OptionList(id="options")
            yield Static(Text(f"enter chooses · {keymap.key('dialog.cancel')} cancels"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        options = self.query_one(OptionList)
        if self.current in self.values:
            options.highlighted = self.values.index(self.current)
        self.query_one(SafeInput).focus()

    def _fill(self, typed: str) -> None:
        words = typed.casefold().split()
        first, members, others = (
            [e for e in group if all(w in e[2].casefold() for w in words)]
            for group in self.groups)
        content: list[Option | None] = []
        self.values, self.labels = [], []

        def add(entries: list[tuple[str, Any, str]]) -> None:
            for label, value, _match in entries:
                mark = "● " if value == self.current else "  "
                content.append(Option(Text(mark + plain(label, one_line=True)),
                                      id=str(len(self.values))))
                self.values.append(value)
                self.labels.append(label)

        add(first)
        add(members)
        if members and others:
            content.append(None)  # the separator: above, the team; below, everyone else
        add(others)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(content)
        if self.values:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option)

    def _choose(self, option: Option) -> None:
        self.dismiss(self.values[int(option.id or 0)])

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


def pick_agent(screen, done: Callable[[Any], None], current: int | None = None,
               team_id: int | None = None) -> None:
    """Choose an agent (0: nobody) for a ticket of `team_id`: its members first."""
    async def show() -> None:
        agents = [a for a in await screen.app.agent_list() if getattr(a, "active", True)]
        me = screen.app.me
        team = next((t for t in screen.app.teams if t.id == team_id), None)
        member_ids = set(getattr(team, "member_ids", None) or [])
        now = screen.app.now()
        members: list[tuple[str, int, str]] = []
        others: list[tuple[str, int, str]] = []
        for agent in agents:
            # One line each, what tells agents apart first: a long name is cut, and the
            # address comes last, so time off and team stay in sight at 80 columns.
            label = truncate(plain(agent.name, one_line=True), NAME_CELLS) + (
                " (me)" if me and agent.id == me.id else "")
            away = away_until(agent, now)
            if away is not None:  # automatic assignment skips them; a person may not
                label += f" · away until {away:%Y-%m-%d}"
            if team is not None and agent.id not in member_ids:
                label += f" · not in {truncate(plain(team.name, one_line=True), NAME_CELLS)}"
            label += f" <{agent.email}>"
            entry = (label, agent.id, f"{agent.name} {agent.email}")
            (members if team is None or agent.id in member_ids else others).append(entry)
        screen.app.push_screen(AgentPicker("Assign to", [("Nobody (unassign)", 0, "nobody")],
                                           members, others, current or 0), done)

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
