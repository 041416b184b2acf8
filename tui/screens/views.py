"""Saved views: the agent's named ticket lists across teams.

`ViewsScreen` lists the views (open, new, rename or change, delete); `ViewScreen` is one
view's tickets, paged by keyset as the selection nears the end, and kept current from the
live events (the app's `server_event`, the path the board follows too); `ViewForm` makes
or changes a view; `save_board_view` names a board's filter; `view_commands` gives the
palette its "View: …" entries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from tui.screens.settings.form import Field, FieldProblem, FieldsForm
from widgets import glyphs
from widgets.keybar import KeyBar
from widgets.lines import truncate
from widgets.rows import Row, RowList
from widgets.titleline import TitleLine

PAGE = 50
NAME_CELLS = 40  # of a view's name in the list: its count and conditions follow
SUBJECT_WIDTH = 30  # a row's subject at most: the team, stage and assignee follow it
LIVE_DEBOUNCE = 0.5  # seconds: a burst of events reloads the list once
PRIORITY_CHOICES = [("any priority", ""), ("medium and up", "1"), ("high and up", "2"),
                    ("urgent only", "3")]
SLA_CHOICES = [("any SLA", ""), ("SLA failed", "failed"), ("SLA due today", "due_today")]


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def summary(f: Any, team_name: Callable[[int], str]) -> str:
    """A view's filter in a few words (names of teams as the console knows them)."""
    parts = [", ".join(team_name(t) for t in f.team_ids) if f.team_ids else "all my teams"]
    if f.stage_ids:
        parts.append(f"{len(f.stage_ids)} stage(s)")
    parts.append("open" if f.open_only else "open and closed")
    if f.assignee == "me":
        parts.append("mine")
    elif f.assignee == "none":
        parts.append("unassigned")
    elif f.assignee == "agent":
        parts.append("one agent's")
    lowest = f.at_least()
    if lowest is not None:
        parts.append(f"{glyphs.PRIORITY_TEXT.get(lowest, lowest)}+" if lowest < 3 else "urgent")
    elif f.priorities:
        parts.append("priority " + "/".join(str(p) for p in f.priorities))
    parts += [f"#{t}" for t in f.tags]
    if f.project_id is not None:
        parts.append("a project's")
    if f.idle_days:
        parts.append(f"unchanged > {f.idle_days}d")
    if f.in_stage_days:
        parts.append(f"in stage > {f.in_stage_days}d")
    if f.sla:
        parts.append("SLA failed" if f.sla == "failed" else "SLA due today")
    if f.text:
        parts.append(f"“{f.text}”")
    return plain(" · ".join(parts), one_line=True)


def view_row(row: Any, now: Any, team: bool = True) -> Row:
    """A ticket of a view: number, priority, updated, subject, team › stage, assignee —
    the short ones first and the subject cut, so that 80 columns show each. Without
    `team` (a view of one team, which its title names) the row leaves the team out."""
    prio = "urgent" if row.priority == 3 else "strong" if row.priority == 2 else "dim"
    subject = plain(row.subject, one_line=True)
    if len(subject) > SUBJECT_WIDTH:
        subject = subject[:SUBJECT_WIDTH - 1] + "…"
    where = f"{plain(row.team_name, one_line=True)} › " if team else ""
    return [(f"#{row.number:<7}", "strong"), (f"{glyphs.priority(row.priority):<10} ", prio),
            (f"{glyphs.when(row.updated_at, now):>8}  ", "dim"), (subject, "text"),
            (f" · {where}{plain(row.stage_name, one_line=True)}", "dim"),
            (f" · {plain(row.assignee_name or 'unassigned', one_line=True)}", "dim")]


# --- the form -------------------------------------------------------------------------


class ViewForm(FieldsForm):
    """A view's name and filter, one line each. Names of teams, stages and agents are
    typed; a refusal names the field (the service's `filter.x` is the field `x`)."""

    def __init__(self, view: Any, base: Any, teams: list, stages: list, agents: list) -> None:
        from deskline.models import ViewFilter

        self.view = view
        f = self.base = view.filter if view is not None else (base or ViewFilter())
        self.teams, self.stages, self.agents = teams, stages, agents
        assignee = {"any": "", "me": "me", "none": "none"}.get(f.assignee) or next(
            (a.email for a in agents if a.id == f.assignee_id), "")
        self.initial: dict[str, Any] = {
            "name": view.name if view is not None else "",
            "team_ids": ", ".join(t.name for t in teams if t.id in f.team_ids),
            "stage_ids": ", ".join(dict.fromkeys(s.name for s in stages
                                                 if s.id in f.stage_ids)),
            "open_only": "open" if f.open_only else "all",
            "assignee": assignee,
            "priorities": str(f.at_least() if f.at_least() is not None else ""),
            "tags": ", ".join(f.tags),
            "idle_days": str(f.idle_days or ""),
            "in_stage_days": str(f.in_stage_days or ""),
            "sla": f.sla or "",
            "text": f.text or "",
        }
        v = self.initial
        fields = [
            Field("name", "Name", v["name"], placeholder="e.g. urgent and unassigned"),
            Field("team_ids", "Teams", v["team_ids"], placeholder="empty: all my teams"),
            Field("stage_ids", "Stages", v["stage_ids"], placeholder="empty: any stage"),
            Field("open_only", "Tickets", v["open_only"],
                  options=[("open only", "open"), ("open and closed", "all")]),
            Field("assignee", "Assignee", v["assignee"],
                  placeholder="me, none, or an agent's email; empty: anyone"),
            Field("priorities", "Priority", v["priorities"], options=PRIORITY_CHOICES),
            Field("tags", "Tags (all)", v["tags"], placeholder="comma separated"),
            Field("in_stage_days", "In its stage", v["in_stage_days"],
                  placeholder="for more than N days; empty: any"),
            Field("idle_days", "Unchanged for", v["idle_days"],
                  placeholder="more than N days; empty: any"),
            Field("sla", "SLA", v["sla"], options=SLA_CHOICES),
            Field("text", "Words", v["text"], placeholder="subject or description, or #number"),
        ]
        title = "New view across teams" if view is None else \
            f"View {plain(view.name, one_line=True)}"
        super().__init__(title, fields, self._save, what="Saving the view")

    def field_widget(self, field: str):
        return super().field_widget(field.removeprefix("filter."))

    def show_problem(self, field: str | None, message: str, *, focus: bool = True) -> None:
        super().show_problem(field.removeprefix("filter.") if field else field, message,
                             focus=focus)

    def _save(self, changed: dict[str, Any]):
        from deskline.models import SavedViewCreate, SavedViewUpdate

        name = changed.get("name", self.initial["name"])
        # Only the conditions changed here are rewritten: the rest (a project, an exact
        # priority saved from a board) stay as stored.
        f = self._filter(changed) if changed.keys() - {"name"} else None
        if self.view is None:
            data = SavedViewCreate(name=name, filter=f or self.base)
            return lambda b: b.create_view(data)
        if not changed:
            return None
        update = SavedViewUpdate(name=changed.get("name"), filter=f)
        view_id = self.view.id
        return lambda b: b.update_view(view_id, update)

    def _filter(self, changed: dict[str, Any]):
        """The stored (or given) filter with the fields changed in the form."""
        from deskline.models import ViewFilter

        out: dict[str, Any] = {}
        if "team_ids" in changed:
            out["team_ids"] = []
            for name in _names(changed["team_ids"]):
                team = next((t for t in self.teams if t.name.casefold() == name.casefold()),
                            None)
                if team is None:
                    raise FieldProblem("team_ids", f"no team {name!r} among yours")
                out["team_ids"].append(team.id)
        if "stage_ids" in changed:
            stage_ids: list[int] = []
            for name in _names(changed["stage_ids"]):  # a name in several teams: every one
                found = [s.id for s in self.stages if s.name.casefold() == name.casefold()]
                if not found:
                    raise FieldProblem("stage_ids", f"no stage {name!r}")
                stage_ids += found
            out["stage_ids"] = list(dict.fromkeys(stage_ids))
        if "assignee" in changed:
            who = changed["assignee"].strip()
            out["assignee"], out["assignee_id"] = "any", None
            if who.casefold() in ("me", "none"):
                out["assignee"] = who.casefold()
            elif who:
                agent = next((a for a in self.agents if who.casefold() in
                              (a.email.casefold(), a.name.casefold())), None)
                if agent is None:
                    raise FieldProblem("assignee", f"no agent {who!r}")
                out["assignee"], out["assignee_id"] = "agent", agent.id
        for key in ("idle_days", "in_stage_days"):
            if key in changed:
                days = changed[key].strip()
                if days and not days.isdigit():
                    raise FieldProblem(key, "a whole number of days")
                out[key] = int(days) if days else None
        if "priorities" in changed:
            lowest = changed["priorities"]
            out["priorities"] = list(range(int(lowest), 4)) if lowest else []
        if "open_only" in changed:
            out["open_only"] = changed["open_only"] == "open"
        if "tags" in changed:
            out["tags"] = _names(changed["tags"])
        if "sla" in changed:
            out["sla"] = changed["sla"] or None
        if "text" in changed:
            out["text"] = changed["text"].strip() or None
        return ViewFilter.model_validate({**self.base.model_dump(), **out})


def open_view_form(screen: Any, view: Any = None, base: Any = None,
                   done: Callable[[Any], None] | None = None) -> None:
    """The form for a new view (from `base`, a filter) or a change of `view`."""
    app = screen.app

    async def load(backend):
        return (await backend.list_teams(), await backend.list_stages(),
                await app.agent_list())

    def show(found) -> None:
        teams, stages, agents = found
        app.push_screen(ViewForm(view, base, teams, stages, agents), done or _saved(app))

    screen.call(load, show, "Loading teams, stages and agents")


def _saved(app: Any) -> Callable[[Any], None]:
    def said(view) -> None:
        if view is not None:
            app.notify(f"View {plain(view.name, one_line=True)} saved.", timeout=4,
                       markup=False)
    return said


def save_board_view(screen: Any, team_id: int, board_filter: Any, name: str = "") -> None:
    """Name a board's filter as a view of its team; a name refused (taken, too long) is
    said naming the field, and the prompt comes back with what was typed."""
    from pydantic import ValidationError

    from deskline.errors import ConflictError
    from deskline.errors import ValidationFailed as Refused
    from deskline.models import SavedViewCreate, ViewFilter
    from tui.base import BackendUnavailable, describe_error
    from tui.pickers import TextPrompt

    def again(field: str | None, message: str, text: str) -> None:
        screen.notify(f"{field or 'name'}: {plain(message)}", severity="error", timeout=6,
                      markup=False)
        save_board_view(screen, team_id, board_filter, text)

    async def create(text: str) -> None:
        try:
            data = SavedViewCreate(name=text, filter=ViewFilter.from_board(team_id,
                                                                           board_filter))
            backend = await screen.app.backend_ready()
            view = await backend.create_view(data)
        except ValidationError as exc:
            again("name", exc.errors()[0]["msg"], text)
        except (ConflictError, Refused) as exc:
            again(exc.field, exc.message, text)
        except BackendUnavailable:  # said once, on the dashboard
            pass
        except Exception as exc:  # any other failure is a notification, never a crash
            screen.notify(describe_error(exc, "Saving the view"), severity="error",
                          timeout=8, markup=False)
        else:
            _saved(screen.app)(view)

    def named(text) -> None:
        if text is not None and text.strip():
            screen.run_worker(create(text), exit_on_error=False)

    screen.app.push_screen(TextPrompt("Save this filter as a view",
                                      "A name for the view (yours only).", name), named)


async def view_commands(app: Any) -> list[tuple[str, Callable[[], Any], str]]:
    """The palette's "View: <name>" entries (none until the backend is open)."""
    backend = app.backend
    if backend is None:
        return []
    try:
        views = await backend.list_views()
    except Exception:  # a portal account, the server gone: no entries
        return []
    return [(f"View: {plain(v.name, one_line=True)}", partial(open_view, app, v),
             "open the saved view") for v in views]


def open_view(app: Any, view: Any) -> None:
    app.push_screen(ViewScreen(view))


# --- the list of views ------------------------------------------------------------------


class ViewsScreen(DesklineScreen):
    SCOPE = "views"
    BINDINGS = keymap.bindings("views")

    def __init__(self) -> None:
        super().__init__()
        self.views: list = []

    def compose(self) -> ComposeResult:
        yield TitleLine(Text("Saved views · your named ticket lists across teams"), id="title")
        yield RowList(f"(no view yet: {keymap.key('views.new')} makes one, "
                      f"{keymap.key('board.save_view')} on a board names its filter)",
                      id="views")
        yield KeyBar(keymap.hints("views"))

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.call(lambda b: b.list_views(counts=True), self._show, "Loading the views",
                  group="views", exclusive=True)

    def _show(self, views) -> None:
        self.views = views
        team = self.app.team_name
        self.query_one(RowList).set_rows(
            [[(truncate(plain(v.name, one_line=True), NAME_CELLS), "strong"),
              (count_text(v), "text"),
              (f"  {summary(v.filter, team)}", "dim")] for v in views], keep=True)

    def _current(self):
        return self.views[self.query_one(RowList).selected] if self.views else None

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(RowList)
        rows.select(rows.selected + delta)

    def action_open(self) -> None:
        view = self._current()
        if view is not None:
            self.app.push_screen(ViewScreen(view))

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.action_open()

    def action_new(self) -> None:
        open_view_form(self)

    def action_edit(self) -> None:
        view = self._current()
        if view is not None:
            open_view_form(self, view)

    def action_delete(self) -> None:
        from tui.pickers import Confirm

        view = self._current()
        if view is None:
            return

        def answer(yes) -> None:
            if yes:
                self.call(lambda b: b.delete_view(view.id), lambda _: self.action_refresh(),
                          "Deleting the view")

        self.app.push_screen(Confirm(f"Delete the view {plain(view.name, one_line=True)}?",
                                     "Delete"), answer)

    def action_back(self) -> None:
        self.app.pop_screen()


# --- one view's tickets -----------------------------------------------------------------


class ViewScreen(DesklineScreen):
    SCOPE = "view"
    BINDINGS = keymap.bindings("view")

    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view
        self.items: list = []
        self.next_cursor: str | None = None
        self._loading_more = False
        self._live: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TitleLine(self._title(), id="title")
        yield RowList("loading…", id="tickets")
        yield KeyBar(keymap.hints("view"))

    def _title(self) -> Text:
        title = Text("View · ")
        title.append(plain(self.view.name, one_line=True), "bold")
        count = f"{len(self.items)}{'+' if self.next_cursor else ''}"
        title.append(f" · {count} · {summary(self.view.filter, self.app.team_name)}")
        return title

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        # Live: whatever changes a ticket (an event, this console's own change) reloads
        # the rows shown, once per burst.
        self.app.server_event.subscribe(self, self._changed)
        self.app.ticket_changed.subscribe(self, self._changed)
        self.app.ticket_removed.subscribe(self, self._changed)
        self.reload()

    def on_unmount(self) -> None:
        self.app.server_event.unsubscribe(self)
        self.app.ticket_changed.unsubscribe(self)
        self.app.ticket_removed.unsubscribe(self)

    def on_screen_resume(self) -> None:
        self.reload()

    def _changed(self, event: Any) -> None:
        if getattr(event, "type", None) == "presence" or self._live is not None:
            return
        self._live = self.set_timer(LIVE_DEBOUNCE, self._live_reload, name="live")

    def _live_reload(self) -> None:
        self._live = None
        if self.is_current:  # else on_screen_resume reloads when we come back
            self.reload()

    def reload(self) -> None:
        """The first rows again, as many as shown (at least a page), keeping the
        selected ticket selected."""
        from deskline.service import MAX_PAGE

        limit = min(max(len(self.items), PAGE), MAX_PAGE)
        view_id = self.view.id
        self.call(lambda b: b.view_tickets(view_id, limit=limit), self._fill,
                  "Loading the view", group="view", exclusive=True, failed=self._gone)

    def _gone(self, exc: BaseException) -> None:
        """Deleted meanwhile (another console): said once (the call did), and closed."""
        from deskline.errors import NotFound

        if isinstance(exc, NotFound) and self.is_current:
            self.app.pop_screen()

    def _fill(self, page) -> None:
        rows = self.query_one(RowList)
        chosen = self.items[rows.selected].id if self.items else None
        self.items, self.next_cursor = list(page.items), page.next_cursor
        self._paint(keep=True)
        at = next((i for i, r in enumerate(self.items) if r.id == chosen), None)
        if at is not None:
            rows.select(at)
        self.app.trace("view-rows")

    def _paint(self, keep: bool) -> None:
        rows = self.query_one(RowList)
        rows.empty = "(no ticket in this view)"
        now = self.app.now()
        team = len(self.view.filter.team_ids) != 1
        rows.set_rows([view_row(r, now, team) for r in self.items], keep=keep)
        self.query_one("#title", Static).update(self._title())

    def _more(self) -> None:
        if self._loading_more or self.next_cursor is None:
            return
        self._loading_more = True
        cursor, view_id = self.next_cursor, self.view.id

        def add(page) -> None:
            self._loading_more = False
            if cursor != self.next_cursor:  # reloaded meanwhile
                return
            known = {r.id for r in self.items}
            self.items += [r for r in page.items if r.id not in known]
            self.next_cursor = page.next_cursor
            self._paint(keep=True)

        def failed(_exc) -> None:
            self._loading_more = False

        self.call(lambda b: b.view_tickets(view_id, cursor, PAGE), add, "Loading more",
                  group="view-more", failed=failed)

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(RowList)
        rows.select(rows.selected + delta)
        if rows.selected >= len(self.items) - 10:
            self._more()

    def action_top(self) -> None:
        self.query_one(RowList).select(0)

    def action_open(self) -> None:
        if self.items:
            self.app.open_ticket_screen(self.items[self.query_one(RowList).selected].id)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.action_open()

    def action_edit(self) -> None:
        def saved(view) -> None:
            if view is not None:
                self.view = view
                self.items = []
                self.reload()

        open_view_form(self, self.view, done=saved)

    def action_refresh(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


def views_line(views: list) -> Text:
    """The dashboard's line of saved views: their names and the key of their list."""
    key = keymap.key("dashboard.views")
    if not views:
        return Text(f"Saved views: none yet ({key}: make one; on a board, "
                    f"{keymap.key('board.save_view')} names its filter)")
    text = Text(f"Saved views ({key}): ")
    # Names cut at 30 cells: a long one never hides the others' names and counts.
    text.append(" · ".join(f"{truncate(plain(v.name, one_line=True), 30)}{count_text(v)}"
                           for v in views))
    return text


def count_text(view: Any) -> str:
    """" (12)", " (100+)" at the cap the service counts to, or nothing when not counted."""
    if view.count is None:
        return ""
    from deskline.models import VIEW_COUNT_CAP

    return f" ({view.count}{'+' if view.count >= VIEW_COUNT_CAP else ''})"
