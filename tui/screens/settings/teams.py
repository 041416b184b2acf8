"""Settings › Teams: the list (archived ones marked), the team form with every field, and
archive / restore. Edits name the version the form was opened with."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Select

from deskline.text import plain
from tui import keymap
from tui.screens.settings.form import (
    Checklist,
    SettingsForm,
    SettingsList,
    YesNo,
    field,
    shown,
)
from widgets.rows import Row
from widgets.safe_input import SafeInput, SafeTextArea

VISIBILITY = (("private", "private: invited agents only (members, followers)"),
              ("company", "company: every agent"),
              ("public", "public: every agent, and customers on tickets they follow"))
ASSIGNMENT = (("manual", "manual"),
              ("balanced_total", "automatic: equal number of tickets"),
              ("balanced_open", "automatic: equal number of open tickets"))
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def value_of(enum_or_str: Any) -> str:
    return getattr(enum_or_str, "value", enum_or_str)


def hour_text(hour: float) -> str:
    whole = int(hour)
    minutes = round((hour - whole) * 60)
    return f"{whole}" if not minutes else f"{whole}:{minutes:02d}"


def parse_hour(text: str) -> float | None:
    """"9", "17:30" or "8.5" as hours; None when it is none of those."""
    text = text.strip()
    try:
        if ":" in text:
            hours, minutes = text.split(":", 1)
            h, m = int(hours), int(minutes)
            if not 0 <= m < 60:
                return None
            return h + m / 60
        return float(text)
    except ValueError:
        return None


def team_row(team, agents: dict[int, Any]) -> Row:
    row: Row = [(plain(team.name, one_line=True), "strong")]
    if team.archived:
        row.append(("  ▣ archived", "soon"))
    row.append((f"  · {value_of(team.visibility)}", "dim"))
    row.append((f" · {plain(team.email_alias, one_line=True) if team.email_alias else 'no alias'}",
                "dim"))
    row.append((f" · {len(team.member_ids)} member(s)", "dim"))
    assignment = dict(ASSIGNMENT).get(value_of(team.assignment), "")
    row.append((f" · {assignment.removeprefix('automatic: ')}", "dim"))
    return row


class TeamSettings(SettingsList):
    SCOPE = "teams"
    BINDINGS = keymap.bindings("teams")
    TITLE_TEXT = "Settings › Teams"
    DETAILS = False
    EMPTY = "(no team yet: n creates the first)"

    def __init__(self) -> None:
        super().__init__()
        self.teams: list = []
        self.agents: list = []
        self.stages: list = []

    def on_mount(self) -> None:
        self.load()

    def load(self, select_id: int | None = None) -> None:
        async def fetch(backend):
            return (await backend.list_teams(), await backend.list_agents(),
                    await backend.list_stages())

        def show(result) -> None:
            teams, self.agents, self.stages = result
            self.teams = sorted(teams, key=lambda t: (t.archived, t.name.casefold()))
            self.app.teams = [t for t in self.teams]  # the palette's boards, team names
            by_id = {a.id: a for a in self.agents}
            self.set_rows([team_row(t, by_id) for t in self.teams])
            self.select_id(self.teams, select_id)
            archived = sum(1 for t in self.teams if t.archived)
            self.set_context(f"{len(self.teams)} team(s)"
                             + (f", {archived} archived" if archived else ""))
            self.app.trace("settings-teams")

        self.submit(fetch, "Loading the teams", show)

    @property
    def current(self):
        return self.teams[self.selected] if 0 <= self.selected < len(self.teams) else None

    def action_refresh(self) -> None:
        self.load()

    def action_new(self) -> None:
        self.app.push_screen(TeamForm(None, self.agents, self.stages), self._saved)

    def action_edit(self) -> None:
        team = self.current
        if team is not None:
            self.app.push_screen(TeamForm(team, self.agents, self.stages), self._saved)

    def _saved(self, team) -> None:
        if team is None:
            return
        self.app._stages.pop(team.id, None)  # its stages may have changed
        self.say(f"Saved team {plain(team.name, one_line=True)}")
        self.load(select_id=team.id)

    def action_archive(self) -> None:
        team = self.current
        if team is None:
            return
        archive = not team.archived

        def done(changed) -> None:
            name = plain(changed.name, one_line=True)
            self.say(f"Archived {name}: it takes no new tickets; its tickets stay readable"
                     if archive else f"Restored {name}")
            self.load(select_id=changed.id)

        self.submit(lambda b: b.archive_team(team.id, archive, version=team.version),
                    "Archiving the team" if archive else "Restoring the team", done)


class TeamForm(SettingsForm):
    """Create (team None) or edit a team: every field of it."""

    TALL = True
    LABELS = {"name": "Name", "description": "Description", "email_alias": "Email alias",
              "visibility": "Visibility", "assignment": "Assignment",
              "member_ids": "Members", "follower_ids": "Followers", "stage_ids": "Stages",
              "calendar": "Working calendar", "timezone": "Time zone", "days": "Working days",
              "start_hour": "Working day starts", "end_hour": "Working day ends",
              "auto_close_days": "Close automatically after", "auto_close_stage_ids":
              "Close automatically from", "customers_may_close": "Customers may close",
              "ratings": "Ratings"}

    def __init__(self, team, agents: list, stages: list) -> None:
        super().__init__()
        self.team = team
        self.agents = agents
        self.stages = sorted(stages, key=lambda s: s.sequence)
        self.title_text = "New team" if team is None else \
            f"Team {shown(team.name)}"

    def _agent_items(self, followers: bool) -> list[tuple[str, int]]:
        current = set(self.team.follower_ids if followers else self.team.member_ids) \
            if self.team else set()
        items = []
        for agent in self.agents:
            role = value_of(agent.role)
            if role == "portal" and (not followers or agent.id not in current):
                continue
            if not agent.active and agent.id not in current:
                continue
            label = f"{agent.name} <{agent.email}>"
            if role == "portal":
                label += " (customer account)"
            if not agent.active:
                label += " (inactive)"
            items.append((label, agent.id))
        return items

    def fields(self) -> ComposeResult:
        from deskline.models import Calendar

        t = self.team
        calendar = t.calendar if t else Calendar()
        stage_items = [(s.name + ("  (closing)" if s.closing else ""), s.id)
                       for s in self.stages]
        yield from field("Name (required)", SafeInput(t.name if t else "", id="name",
                                                       compact=True))
        yield from field("Description", SafeTextArea(t.description if t else "",
                                                     id="description", compact=True),
                         "shown to customers on public teams")
        yield from field("Email alias", SafeInput(t.email_alias if t else "",
                                                  id="email_alias", compact=True,
                                                  placeholder="support@example.com"),
                         "mail to it opens tickets in this team; empty: none")
        yield from field("Visibility", Select([(label, key) for key, label in VISIBILITY],
                                              value=value_of(t.visibility) if t else "company",
                                              allow_blank=False, id="visibility",
                                              compact=True))
        yield from field("Assignment", Select([(label, key) for key, label in ASSIGNMENT],
                                              value=value_of(t.assignment) if t else "manual",
                                              allow_blank=False, id="assignment",
                                              compact=True),
                         "automatic assignment skips agents on time off")
        yield from field("Members", Checklist(self._agent_items(False),
                                              t.member_ids if t else (), id="member_ids"))
        yield from field("Followers (of all the team's tickets)",
                         Checklist(self._agent_items(True), t.follower_ids if t else (),
                                   id="follower_ids"))
        yield from field("Stages", Checklist(stage_items, t.stage_ids if t else (),
                                             id="stage_ids"),
                         "" if stage_items else "no stage yet: Settings › Stages makes them "
                         "and ticks the teams that use each")
        yield from field("Time zone", SafeInput(calendar.timezone, id="timezone",
                                                compact=True, placeholder="Europe/Berlin"))
        yield from field("Working days", Checklist([(d, i) for i, d in enumerate(DAYS)],
                                                   calendar.days, id="days"))
        yield from field("Working day starts at", SafeInput(hour_text(calendar.start_hour),
                                                            id="start_hour", compact=True))
        yield from field("Working day ends at", SafeInput(hour_text(calendar.end_hour),
                                                          id="end_hour", compact=True),
                         "hours like 9 or 17:30, in the team's time zone")
        yield from field("Close automatically after (days without activity)",
                         SafeInput(str(t.auto_close_days) if t and t.auto_close_days else "",
                                   id="auto_close_days", compact=True, placeholder="never"))
        yield from field("…from these stages (none chosen: any open stage)",
                         Checklist([item for item, s in zip(stage_items, self.stages,
                                                             strict=True) if not s.closing],
                                   t.auto_close_stage_ids if t else (),
                                   id="auto_close_stage_ids"))
        yield YesNo("Customers may close their tickets",
                    bool(t and t.customers_may_close), id="customers_may_close")
        yield YesNo("Ask for a rating on closing", bool(t and t.ratings), id="ratings")

    # --- saving -------------------------------------------------------------------------

    def _values(self) -> dict[str, Any] | None:
        """Every field as the models take it; None when one could not be read (said)."""
        values: dict[str, Any] = {
            "name": self.text("name"),
            "description": self.query_one("#description", SafeTextArea).text,
            "email_alias": self.text("email_alias") or None,
            "visibility": self.query_one("#visibility", Select).value,
            "assignment": self.query_one("#assignment", Select).value,
        }
        for key in ("member_ids", "follower_ids", "stage_ids", "auto_close_stage_ids"):
            values[key] = self.query_one(f"#{key}", Checklist).values
        hours = {}
        for key in ("start_hour", "end_hour"):
            hour = parse_hour(self.text(key))
            if hour is None:
                self.show_problem(key, "write an hour like 9 or 17:30")
                return None
            hours[key] = hour
        values["calendar"] = {"timezone": self.query_one("#timezone", SafeInput).result.strip()
                              or "UTC",
                              "days": self.query_one("#days", Checklist).values, **hours}
        days = self.text("auto_close_days")
        if days and not days.isdigit():
            self.show_problem("auto_close_days", "a number of days, or empty for never")
            return None
        values["auto_close_days"] = int(days) if days else None
        values["customers_may_close"] = self.query_one("#customers_may_close", YesNo).value
        values["ratings"] = self.query_one("#ratings", YesNo).value
        return values

    def _changes(self, values: dict[str, Any]) -> dict[str, Any]:
        """Only what differs from the team as the form showed it."""
        t = self.team
        out: dict[str, Any] = {}
        # Text is sent only when the admin edited it: an untouched stored value keeps its
        # bytes (the fields show control characters as stand-ins).
        for key in ("name", "email_alias"):
            if self.query_one(f"#{key}", SafeInput).changed:
                out[key] = values[key] if values[key] is not None else ""
        if self.query_one("#description", SafeTextArea).changed:
            out["description"] = values["description"]
        for key in ("visibility", "assignment"):
            if values[key] != value_of(getattr(t, key)):
                out[key] = values[key]
        for key in ("member_ids", "follower_ids", "stage_ids", "auto_close_stage_ids"):
            if sorted(values[key]) != sorted(getattr(t, key)):
                out[key] = values[key]
        calendar = t.calendar.model_dump(mode="json")
        if {**values["calendar"], "days": sorted(values["calendar"]["days"])} != \
                {**calendar, "days": sorted(calendar["days"])}:
            out["calendar"] = values["calendar"]
        for key in ("auto_close_days", "customers_may_close", "ratings"):
            if values[key] != getattr(t, key):
                out[key] = values[key]
        return out

    def action_save(self) -> None:
        from pydantic import ValidationError

        from deskline.models import TeamCreate, TeamUpdate

        self.clear_problem()
        values = self._values()
        if values is None:
            return
        try:
            if self.team is None:
                data: Any = TeamCreate(**values)
            else:
                data = TeamUpdate(**self._changes(values))
        except ValidationError as exc:
            self.invalid(exc)
            return
        if self.team is None:
            self.submit(lambda b: b.create_team(data), "Creating the team")
            return
        if not data.model_fields_set:
            self.dismiss(None)
            return
        team = self.team
        if value_of(team.visibility) == "public" and data.visibility is not None and \
                value_of(data.visibility) != "public":
            self._confirm_visibility(data)
            return
        self.submit(lambda b: b.update_team(team.id, data, team.version), "Saving the team")

    def _confirm_visibility(self, data) -> None:
        """A public team made private or company loses its customers' follows: say how
        many before saving, and ask."""
        from tui.pickers import Confirm

        team = self.team
        new = value_of(data.visibility)

        def answered(yes) -> None:
            if yes:
                self.submit(lambda b: b.update_team(team.id, data, team.version),
                            "Saving the team")
            else:
                self.show_problem("visibility", "not saved: the team stays public")

        async def ask() -> None:
            try:
                backend = await self.app.backend_ready()
                count = await backend.portal_followers(team.id)
            except Exception as exc:
                self.show_problem("visibility", getattr(exc, "message", None) or str(exc))
                return
            self.app.push_screen(Confirm(
                f"Make {shown(team.name)} {new}? This removes {count} follow(s) by "
                "customers (of the team and of its tickets); they stop seeing those "
                "tickets in the portal.", f"Make it {new} and remove {count} follow(s)",
                "Keep it public"), answered)

        self.run_worker(ask(), exit_on_error=False)
