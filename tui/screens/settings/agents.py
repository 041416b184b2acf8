"""Settings › Agents: the list (role, active, time off now), adding an agent, changing
name, email and role, deactivating (their open tickets listed, each openable, to reassign)
and reactivating, time off periods, and the teams an agent is a member of."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal, DesklineScreen
from tui.pickers import away_until
from tui.screens.settings.form import (
    Checklist,
    FormCalls,
    SettingsForm,
    SettingsList,
    field,
    problem_of,
    shown,
)
from tui.screens.settings.teams import value_of
from widgets.keybar import KeyBar
from widgets.rows import Row, RowList, card_row
from widgets.safe_input import SafeInput
from widgets.titleline import TitleLine

ROLES = (("agent", "agent: works tickets"), ("admin", "admin: also changes the settings"))


def away_text(agent, now: datetime) -> str:
    until = away_until(agent, now)
    return f"away until {until:%Y-%m-%d}" if until else ""


def agent_row(agent, now: datetime, teams: list) -> Row:
    role = value_of(agent.role)
    row: Row = [(f"{plain(agent.name, one_line=True)} ", "strong"),
                (f"<{plain(agent.email, one_line=True)}>", "text"),
                (f"  · {role}", "strong" if role == "admin" else "dim")]
    if not agent.active:
        row.append(("  ✗ inactive", "failed"))
    away = away_text(agent, now)
    if away:
        row.append((f"  ☾ {away}", "soon"))
    names = [plain(t.name, one_line=True) for t in teams if agent.id in t.member_ids]
    if names:
        row.append((f"  · {', '.join(names)}", "dim"))
    return row


class AgentSettings(SettingsList):
    SCOPE = "agents"
    BINDINGS = keymap.bindings("agents")
    TITLE_TEXT = "Settings › Agents"
    DETAILS = False
    EMPTY = "(no agents)"

    def __init__(self) -> None:
        super().__init__()
        self.agents: list = []
        self.teams: list = []

    def on_mount(self) -> None:
        self.load()

    def load(self, select_id: int | None = None) -> None:
        async def fetch(backend):
            return await backend.list_agents(), await backend.list_teams()

        def show(result) -> None:
            agents, self.teams = result
            # Portal accounts act as customers: they are not staff to manage here.
            self.agents = sorted((a for a in agents if value_of(a.role) != "portal"),
                                 key=lambda a: (not a.active, a.name.casefold()))
            self.app.agents = []  # the assign picker asks again
            now = self.app.now()
            self.set_rows([agent_row(a, now, self.teams) for a in self.agents])
            self.select_id(self.agents, select_id)
            admins = sum(1 for a in self.agents if value_of(a.role) == "admin" and a.active)
            self.set_context(f"{sum(1 for a in self.agents if a.active)} active agent(s), "
                             f"{admins} admin(s)")
            self.app.trace("settings-agents")

        self.submit(fetch, "Loading the agents", show)

    @property
    def current(self):
        return self.agents[self.selected] if 0 <= self.selected < len(self.agents) else None

    def action_refresh(self) -> None:
        self.load()

    def _saved(self, agent) -> None:
        if agent is not None:
            self.say(f"Saved {plain(agent.email, one_line=True)}")
            if self.app.me is not None and agent.id == self.app.me.id:
                self.app.me = agent
            self.load(select_id=agent.id)

    def action_new(self) -> None:
        self.app.push_screen(AgentForm(None), self._saved)

    def action_edit(self) -> None:
        agent = self.current
        if agent is not None:
            self.app.push_screen(AgentForm(agent), self._saved)

    def action_active(self) -> None:
        from tui.pickers import Confirm

        agent = self.current
        if agent is None:
            return
        email = shown(agent.email)
        if not agent.active:
            from deskline.models import AgentUpdate

            def reactivated(saved) -> None:
                self._saved(saved)
                self.say(f"Reactivated {email}")

            self.submit(lambda b: b.update_agent(agent.id, AgentUpdate(active=True)),
                        "Reactivating the agent", reactivated)
            return

        def answered(yes) -> None:
            if yes:
                self.submit(lambda b: b.deactivate_agent(agent.id), "Deactivating the agent",
                            self._deactivated)

        self.app.push_screen(Confirm(
            f"Deactivate {shown(agent.name)} <{email}>? They can no longer sign in (their "
            "API tokens are revoked) and automatic assignment skips them; their open "
            "tickets are listed next, to reassign.", f"Deactivate {email}", "Keep active"),
            answered)

    def _deactivated(self, result) -> None:
        self.say(f"Deactivated {plain(result.agent.email, one_line=True)} · "
                 f"{result.tokens_revoked} token(s) revoked · "
                 f"{len(result.open_tickets)} open ticket(s) to reassign")
        self.load(select_id=result.agent.id)
        self.app.push_screen(DeactivatedScreen(result))

    def action_time_off(self) -> None:
        agent = self.current
        if agent is not None:
            self.app.push_screen(TimeOffDialog(agent), lambda a: self.load(
                select_id=agent.id))

    def action_teams(self) -> None:
        agent = self.current
        if agent is not None:
            self.app.push_screen(AgentTeamsForm(agent, self.teams), self._teams_saved)

    def _teams_saved(self, agent) -> None:
        if agent is not None:
            self.say(f"Teams of {plain(agent.email, one_line=True)} saved")
            self.load(select_id=agent.id)


class AgentForm(SettingsForm):
    """Add (agent None: email, name, role) or change an agent's name, email and role."""

    LABELS = {"email": "Email", "name": "Name", "role": "Role", "active": "Active"}

    def __init__(self, agent) -> None:
        super().__init__()
        self.agent = agent
        self.title_text = "Add an agent" if agent is None else f"Agent {shown(agent.email)}"

    def fields(self) -> ComposeResult:
        a = self.agent
        yield from field("Email (required)", SafeInput(a.email if a else "", id="email",
                                                        compact=True,
                                                        placeholder="jane@example.com"))
        yield from field("Name", SafeInput(a.name if a else "", id="name", compact=True,
                                           placeholder="empty: from the email"))
        yield from field("Role", Select([(label, key) for key, label in ROLES],
                                        value=value_of(a.role) if a else "agent",
                                        allow_blank=False, id="role", compact=True))

    def action_save(self) -> None:
        from pydantic import ValidationError

        from deskline.models import AgentCreate, AgentUpdate

        self.clear_problem()
        role = self.query_one("#role", Select).value
        a = self.agent
        try:
            if a is None:
                data: Any = AgentCreate(email=self.text("email"), name=self.text("name"),
                                        role=role)
            else:
                changes: dict[str, Any] = {}
                for key in ("email", "name"):
                    value = self.changed_text(key)
                    if value is not None:
                        changes[key] = value
                if role != value_of(a.role):
                    changes["role"] = role
                data = AgentUpdate(**changes)
        except ValidationError as exc:
            self.invalid(exc)
            return
        if a is None:
            self.submit(lambda b: b.create_agent(data), "Adding the agent")
        elif not data.model_fields_set:
            self.dismiss(None)
        else:
            self.submit(lambda b: b.update_agent(a.id, data), "Saving the agent")


class AgentTeamsForm(SettingsForm):
    """The teams an agent is a member of, from the agent's side."""

    LABELS = {"team_ids": "Teams"}

    def __init__(self, agent, teams: list) -> None:
        super().__init__()
        self.agent = agent
        self.teams = sorted(teams, key=lambda t: t.name.casefold())
        self.title_text = f"Teams of {shown(agent.name)}"

    def fields(self) -> ComposeResult:
        yield from field("Member of", Checklist(
            [(t.name + ("  (archived)" if t.archived else ""), t.id) for t in self.teams],
            [t.id for t in self.teams if self.agent.id in t.member_ids], id="team_ids"))

    def action_save(self) -> None:
        team_ids = self.query_one("#team_ids", Checklist).values
        agent = self.agent
        self.submit(lambda b: b.set_agent_teams(agent.id, team_ids), "Saving the teams")


def parse_day(text: str, end: bool) -> datetime | None:
    """"YYYY-MM-DD" (a whole UTC day: its start, or for an end the next midnight, so the
    day is included) or "YYYY-MM-DD HH:MM" (UTC); None when it is neither."""
    text = text.strip()
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    moment = datetime.combine(day, time(0), tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


class TimeOffDialog(FormCalls, DesklineModal):
    """An agent's time off: the periods (delete removes the chosen one) and a new one."""

    SCOPE = "timeoff"
    BINDINGS = keymap.bindings("timeoff")
    LABELS = {"start": "Starts", "end": "Ends"}
    FIELD_PREFIX = ""
    DEFAULT_CSS = """
    TimeOffDialog #periods { height: auto; max-height: 8; }
    TimeOffDialog #form-problem { height: auto; color: $error; text-style: bold; }
    """

    def __init__(self, agent) -> None:
        super().__init__()
        self.agent = agent

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Time off of {shown(self.agent.name)}"), classes="dialog-title")
            yield OptionList(id="periods", compact=True)
            yield Static(Text("New period (UTC): a date, both days included, or "
                              "YYYY-MM-DD HH:MM"), classes="dialog-hint")
            yield Static(Text("Starts"), classes="dim")
            yield Input(id="start", compact=True, placeholder="YYYY-MM-DD")
            yield Static(Text("Ends"), classes="dim")
            yield Input(id="end", compact=True, placeholder="YYYY-MM-DD")
            yield Static(Text(""), id="form-problem")
            yield Static(Text(f"{keymap.display('timeoff.add')} adds · "
                              f"{keymap.display('timeoff.remove')} removes the chosen "
                              "period · esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#start", Input).focus()

    def _fill(self) -> None:
        periods = self.query_one("#periods", OptionList)
        periods.clear_options()
        now = self.app.now()
        items = sorted(self.agent.time_off, key=lambda p: p.start)
        if not items:
            periods.add_option(Option(Text("(no time off)"), disabled=True))
        for p in items:
            state = " · now" if p.start <= now < p.end else " · past" if p.end <= now else ""
            periods.add_option(Option(Text(f"{p.start:%Y-%m-%d %H:%M} → "
                                           f"{p.end:%Y-%m-%d %H:%M} UTC{state}"),
                                      id=str(p.id)))

    def _run(self, fn, what: str) -> None:
        def done(agent) -> None:
            self.agent = agent
            self.clear_problem()
            self._fill()

        self.submit(fn, what, done)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "start":
            self.query_one("#end", Input).focus()
        else:
            self.action_add()

    def action_add(self) -> None:
        from pydantic import ValidationError

        from deskline.models import TimeOffCreate

        values = {}
        for key in ("start", "end"):
            moment = parse_day(self.query_one(f"#{key}", Input).value, end=key == "end")
            if moment is None:
                self.show_problem(key, "write a date like 2026-03-10 (or 2026-03-10 14:00)")
                return
            values[key] = moment
        try:
            period = TimeOffCreate(**values)
        except ValidationError as exc:
            self.show_problem(*(problem_of(exc, "end") or ("end", str(exc))))
            return
        agent = self.agent
        self._run(lambda b: b.add_time_off(agent.id, period), "Adding the time off")
        for key in ("start", "end"):
            self.query_one(f"#{key}", Input).value = ""

    def action_remove(self) -> None:
        periods = self.query_one("#periods", OptionList)
        option = periods.highlighted_option
        if option is None or option.id is None:
            self.show_problem(None, "choose a period in the list first (tab, then ↑ ↓)")
            return
        agent, period_id = self.agent, int(option.id)
        self._run(lambda b: b.remove_time_off(agent.id, period_id), "Removing the time off")

    def action_close(self) -> None:
        self.dismiss(self.agent)


class DeactivatedScreen(DesklineScreen):
    """After a deactivation: the agent's open tickets, each openable to reassign it."""

    SCOPE = "deactivated"
    AUTO_FOCUS = "#tickets"
    BINDINGS = keymap.bindings("deactivated")
    DEFAULT_CSS = """
    DeactivatedScreen #tickets { height: 1fr; padding: 0 1; }
    """

    def __init__(self, result) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        r = self.result
        yield TitleLine(Text(f"Settings › Agents › {shown(r.agent.name)} <{shown(r.agent.email)}>"
                          " deactivated"), id="title")
        yield Static(Text(f"{r.tokens_revoked} token(s) revoked · "
                          f"{len(r.open_tickets)} open ticket(s) to reassign (enter opens "
                          "one; A there assigns it)"), classes="section")
        yield RowList("(no open tickets: nothing to reassign)", id="tickets")
        yield KeyBar(keymap.hints("deactivated"))

    def on_mount(self) -> None:
        now = self.app.now()
        self.query_one(RowList).set_rows([card_row(c, now, team=self.app.team_name(c.team_id))
                                          for c in self.result.open_tickets])

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(RowList)
        rows.select(rows.selected + delta)

    def action_open(self) -> None:
        tickets = self.result.open_tickets
        index = self.query_one(RowList).selected
        if 0 <= index < len(tickets):
            self.app.open_ticket_screen(tickets[index].id)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()
