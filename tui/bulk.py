"""Bulk actions from the console, shared by the board and search: the menu of actions,
the action's argument (with the pickers of `tui/pickers.py`), the preview as a
confirmation that says how many change and which cannot, then the action; and the undo
of the agent's last bulk action. Every call goes through the screen's `BackendCalls`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deskline.text import plain
from tui import keymap
from widgets import glyphs

if TYPE_CHECKING:
    from deskline.models import BulkMatch, BulkOutcome, BulkRequest
    from tui.base import DesklineScreen

# (label, action) in the menu's order
ACTIONS = (("Assign to…", "assign"), ("Move to a stage…", "move"),
           ("Change the priority…", "priority"), ("Add a tag…", "add_tag"),
           ("Remove a tag…", "remove_tag"), ("Close", "close"), ("Archive", "archive"),
           ("Merge into one ticket…", "merge"))
SHOWN_SKIPS = 5  # skipped tickets listed by name in a dialog or a notification
MERGE_CHOICES = 12  # up to this many marked tickets, the merge target is chosen by hand


@dataclass
class Marked:
    """What the agent marked: tickets as they saw them, or all that match a board."""

    tickets: list[tuple[int, int, int]] = field(default_factory=list)  # id, version, number
    match: BulkMatch | None = None
    count: int | None = None  # of the match, as the board counted it
    team_id: int | None = None  # the board's team: its stages for a move

    @property
    def size(self) -> str:
        """How many, as the menu says it (a match still being counted: "all")."""
        if self.match is None:
            return f"{len(self.tickets):,} marked"
        return "all" + (f" {self.count:,}" if self.count is not None else "") + " matching"

    def request(self, action: str, **argument: Any) -> BulkRequest:
        from deskline.models import BulkItem, BulkRequest

        if self.match is not None:
            return BulkRequest(action=action, match=self.match, **argument)
        return BulkRequest(action=action, tickets=[
            BulkItem(ticket_id=tid, version=version) for tid, version, _n in self.tickets],
            **argument)


def open_menu(screen: DesklineScreen, marked: Marked,
              done: Callable[[BulkOutcome], None]) -> None:
    """The menu of actions, then the action's argument, the preview, and the action."""
    from tui.pickers import Picker

    if marked.match is None and not marked.tickets:
        screen.notify(f"Mark tickets first ({keymap.key(f'{screen.SCOPE}.mark')}).",
                      severity="warning", timeout=4, markup=False)
        return

    def chosen(action: str | None) -> None:
        if action is not None:
            _argument(screen, marked, action, done)

    screen.app.push_screen(Picker(f"Bulk action on {marked.size} tickets", list(ACTIONS)),
                           chosen)


def _argument(screen: DesklineScreen, marked: Marked, action: str,
              done: Callable[[BulkOutcome], None]) -> None:
    """Ask what the action needs, then preview it with a sentence that says what it is."""
    from tui import pickers

    def go(what: str, **argument: Any) -> None:
        _preview(screen, marked, marked.request(action, **argument), what, done)

    if action == "assign":
        def agent(agent_id: int | None) -> None:
            if agent_id is not None:
                name = next((a.name for a in screen.app.agents if a.id == agent_id), "nobody")
                go(f"Assign to {plain(name, one_line=True)}", agent_id=agent_id or None)

        pickers.pick_agent(screen, agent, team_id=marked.team_id)
    elif action == "move":
        async def stages() -> None:
            if marked.team_id is not None:
                found = await screen.app.team_stages(marked.team_id)
            else:
                backend = await screen.app.backend_ready()
                found = await backend.list_stages()
            options = [(s.name + (" (closing)" if s.closing else ""), (s.id, s.name))
                       for s in found]

            def stage(choice: tuple[int, str] | None) -> None:
                if choice is not None:
                    go(f"Move to {plain(choice[1], one_line=True)}", stage_id=choice[0])

            screen.app.push_screen(pickers.Picker("Move the tickets to", options), stage)

        screen.run_worker(stages(), exit_on_error=False)
    elif action == "priority":
        def priority(value: int | None) -> None:
            if value is not None:
                go(f"Priority {glyphs.priority(value)}", priority=value)

        pickers.pick_priority(screen, None, priority)
    elif action in ("add_tag", "remove_tag"):
        def tag(name: str | None) -> None:
            name = (name or "").strip()  # "" is the picker's "any tag": nothing to do
            if name:
                verb = "Add" if action == "add_tag" else "Remove"
                go(f"{verb} #{plain(name, one_line=True)}", tag=name)

        if action == "add_tag":
            screen.app.push_screen(pickers.TextPrompt("Add a tag", "The tag every ticket "
                                                      "gets."), tag)
        else:
            pickers.pick_tag(screen, tag)
    elif action == "merge":
        _merge_target(screen, marked, go)
    else:
        go("Close" if action == "close" else "Archive")


def _merge_target(screen: DesklineScreen, marked: Marked, go: Callable[..., None]) -> None:
    from tui.pickers import Picker

    if marked.match is not None or len(marked.tickets) > MERGE_CHOICES:
        go("Merge into the oldest")
        return
    options: list[tuple[str, int]] = [("The oldest ticket", 0)]
    options += [(f"#{number}", tid) for tid, _v, number in marked.tickets]

    def target(tid: int | None) -> None:
        if tid is None:
            return
        if tid == 0:
            go("Merge into the oldest")
        else:
            number = next(n for t, _v, n in marked.tickets if t == tid)
            go(f"Merge into #{number}", target_id=tid)

    screen.app.push_screen(Picker("Merge the marked tickets into", options), target)


def _preview(screen: DesklineScreen, marked: Marked, request: BulkRequest, what: str,
             done: Callable[[BulkOutcome], None]) -> None:
    def show(preview: BulkOutcome) -> None:
        title = f"{what} · {preview.total:,} tickets"
        text = summary(preview, future=True, scope=screen.SCOPE)
        if not preview.changed:
            screen.notify(f"{title}\n{text}\nNothing to do.", severity="warning", timeout=8,
                          markup=False)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                screen.call(lambda b: b.bulk_apply(request), done,
                            f"{what} on {len(preview.changed):,} tickets")

        screen.app.push_screen(_preview_dialog(title, text,
                                               f"Apply to {len(preview.changed):,} tickets"),
                               answer)

    screen.call(lambda b: b.bulk_preview(request), show, "Previewing the bulk action")


def summary(outcome: BulkOutcome, *, future: bool = False, scope: str = "board") -> str:
    """How many change, stay or are left out (the first few named, with why)."""
    change = "will change" if future else "changed"
    lines = [f"{len(outcome.changed):,} {change} · {len(outcome.unchanged):,} already so · "
             f"{len(outcome.skipped):,} left out"]
    for skip in outcome.skipped[:SHOWN_SKIPS]:
        lines.append("  " + plain(skip.detail, one_line=True))
    if len(outcome.skipped) > SHOWN_SKIPS:
        lines.append(f"  … and {len(outcome.skipped) - SHOWN_SKIPS:,} more")
    if outcome.note:
        lines.append(plain(outcome.note, one_line=True))
    elif future and outcome.undoable:
        lines.append(f"{keymap.key(f'{scope}.undo_bulk')} undoes it (once).")
    return "\n".join(lines)


def undo(screen: DesklineScreen, done: Callable[[BulkOutcome], None]) -> None:
    """Undo the agent's last bulk action and say what it put back and what it left."""
    def show(outcome: BulkOutcome) -> None:
        lines = summary(outcome).split("\n")
        lines[0] = (f"Undone: {len(outcome.changed):,} put back · {len(outcome.skipped):,} "
                    "left as they are")
        screen.notify("\n".join(lines), timeout=8, markup=False)
        done(outcome)

    screen.call(lambda b: b.undo_last_bulk(), show, "Undoing the last bulk action")


def _preview_dialog(title: str, body: str, yes: str) -> Any:
    """A confirmation whose lines say what the action will do (a `Picker` shows one line
    of title)."""
    from rich.text import Text
    from textual.app import ComposeResult
    from textual.containers import Vertical
    from textual.widgets import OptionList, Static
    from textual.widgets.option_list import Option

    from tui.pickers import Picker

    class BulkPreview(Picker):
        def compose(self) -> ComposeResult:
            with Vertical(classes="dialog"):
                yield Static(Text(plain(self.title_text, one_line=True)),
                             classes="dialog-title")
                yield Static(Text(body), id="bulk-preview")  # built from plain() pieces
                yield OptionList(*(Option(Text("  " + label)) for label in self.labels),
                                 id="options")
                yield Static(Text(f"enter chooses · {keymap.key('dialog.cancel')} cancels"),
                             classes="dialog-hint")

    return BulkPreview(title, [(yes, True), ("Cancel", False)])
