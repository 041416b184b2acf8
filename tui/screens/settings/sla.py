"""SLA policies of one team: the list, a form (priorities, tags, customers by email, target
stage among the team's stages, working hours, stages that pause the clock), and whether a
change applies to new tickets only or recomputes the clocks of the open ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from tui.screens.settings.form import (
    DASH,
    FORM_CSS,
    FieldProblem,
    FormCalls,
    SettingsList,
    Tick,
    split_list,
)
from widgets.rows import Row
from widgets.safe_input import SafeInput

if TYPE_CHECKING:
    from deskline.models import Team

PRIORITIES = ("low", "medium", "high", "urgent")
NEW_ONLY = ("Applies to tickets created from now on; the open tickets keep their clocks. "
            "Tick to recompute them.")
RECOMPUTE = ("Also recomputes now the clocks of the team's open tickets under the changed "
             "policy, from each one's creation (reached or failed clocks stay).")
CREATED_NOTE = "A new policy applies to tickets created from now on."
LABELS = {"name": "Name", "priorities": "Priorities", "tags": "Tags",
          "customer_ids": "Customers", "target_stage_id": "Target stage",
          "hours": "Working hours", "excluded_stage_ids": "Pause in", "team_id": "Team"}


def hours_text(hours: float) -> str:
    return f"{hours:g}"


class SlaSettings(SettingsList):
    SCOPE = "sla"
    BINDINGS = keymap.bindings("sla")
    TITLE_TEXT = "Settings › SLA policies"
    EMPTY = "(no SLA policy for this team: n makes one)"

    def __init__(self) -> None:
        super().__init__()
        self.teams: list = []
        self.team: Team | None = None  # whose policies are listed; None before the teams load
        self.stages: list = []
        self.policies: list = []
        self.emails: dict[int, str] = {}  # customer id → email, for the policies shown

    def on_mount(self) -> None:
        self.call(lambda b: b.list_teams(), self._teams_loaded, "Loading the teams")

    def _teams_loaded(self, teams) -> None:
        self.teams = sorted((t for t in teams if not t.archived), key=lambda t: t.name.casefold())
        if self.teams:
            self.choose_team(self.teams[0])

    def choose_team(self, team) -> None:
        self.team = team
        self.load()

    def load(self, select_id: int | None = None) -> None:
        team = self.team
        if team is None:
            return

        async def fetch(backend):
            stages = sorted(await backend.list_stages(team.id), key=lambda s: s.sequence)
            policies = await backend.list_sla_policies(team.id)
            emails = {}
            for cid in sorted({c for p in policies for c in p.customer_ids}):
                try:
                    emails[cid] = (await backend.get_customer(cid)).email
                except Exception:  # a customer gone: the id is shown
                    emails[cid] = f"customer {cid}"
            return stages, policies, emails

        def show(result) -> None:
            if team is not self.team:
                return
            self.stages, self.policies, self.emails = result
            self.set_context(self._team_line(team))
            self.set_rows([self._row(p) for p in self.policies], keep=True)
            if select_id is not None:
                at = next((i for i, p in enumerate(self.policies) if p.id == select_id), 0)
                self.rows.select(at)
                self.show_details()

        self.call(fetch, show, "Loading the SLA policies", group="load", exclusive=True)

    def _team_line(self, team: Team) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("Team: ")
        out.append(plain(team.name, one_line=True), "bold")
        count = len(self.policies)
        out.append(f"  ({count} {'policy' if count == 1 else 'policies'} · "
                   f"{keymap.display('sla.team', True)} another team)")
        return out

    def stage_name(self, stage_id: int | None) -> str:
        stage = next((s for s in self.stages if s.id == stage_id), None)
        return plain(stage.name, one_line=True) if stage else f"stage {stage_id}"

    def _row(self, p) -> Row:
        prio = ", ".join(PRIORITIES[i] for i in p.priorities) or "any priority"
        return [(plain(p.name, one_line=True), "strong"),
                (f"  → {self.stage_name(p.target_stage_id)} in {hours_text(p.hours)} h",
                 "text"),
                (f"  · {prio}", "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.policies):
            return Text("")
        p = self.policies[index]
        out = Text()
        out.append("Target: ", "bold")
        out.append(f"{self.stage_name(p.target_stage_id)} within {hours_text(p.hours)} "
                   "working hours")
        out.append("\nPriorities: ", "bold")
        out.append(", ".join(PRIORITIES[i] for i in p.priorities) or "any")
        out.append("   Tags: ", "bold")
        out.append(", ".join(plain(t, one_line=True) for t in p.tags) or "any")
        out.append("\nCustomers: ", "bold")
        out.append(", ".join(plain(self.emails.get(c, str(c)), one_line=True)
                             for c in p.customer_ids) or "any")
        out.append("\nPaused in: ", "bold")
        out.append(", ".join(self.stage_name(s) for s in p.excluded_stage_ids) or DASH)
        out.append(f"   (version {p.version})", "dim")
        return out

    @property
    def current(self):
        i = self.selected
        return self.policies[i] if 0 <= i < len(self.policies) else None

    # --- keys -------------------------------------------------------------------------

    def action_team(self) -> None:
        from tui.pickers import Picker

        def chosen(team_id) -> None:
            team = next((t for t in self.teams if t.id == team_id), None)
            if team is not None and team is not self.team:
                self.choose_team(team)

        self.app.push_screen(Picker("SLA policies of the team",
                                    [(t.name, t.id) for t in self.teams],
                                    self.team.id if self.team else None), chosen)

    def action_new(self) -> None:
        if self.team is not None and self.stages:
            self.app.push_screen(SlaForm(self.team, self.stages, None, self.emails),
                                 self._saved)

    def action_edit(self) -> None:
        if self.current is not None:
            self.app.push_screen(SlaForm(self.team, self.stages, self.current, self.emails),
                                 self._saved)

    def _saved(self, policy) -> None:
        if policy is None:
            return
        self.say(f"Saved SLA policy {plain(policy.name, one_line=True)}")
        self.load(select_id=policy.id)

    def action_delete(self) -> None:
        policy = self.current
        if policy is None:
            return
        from tui.pickers import Confirm

        def confirmed(yes) -> None:
            if not yes:
                return
            self.submit(lambda b: b.delete_sla_policy(policy.id), "Deleting the SLA policy",
                        lambda _r: self._deleted(policy))

        name = plain(policy.name, one_line=True)
        self.app.push_screen(Confirm(f"Delete the SLA policy “{name}”? Open tickets lose "
                                     "its clock.", "Delete the policy"), confirmed)

    def _deleted(self, policy) -> None:
        self.say(f"Deleted SLA policy {plain(policy.name, one_line=True)}")
        self.load()

    def action_refresh(self) -> None:
        self.load()


class SlaForm(FormCalls, DesklineModal):
    """Create (policy None) or edit a policy of `team`. An edit sends only the changed
    fields, with the version the form was opened with."""

    SCOPE = "edit"
    BINDINGS = keymap.bindings("edit")
    DEFAULT_CSS = FORM_CSS + """
    #sla-priorities { height: 1; }
    #sla-priorities Checkbox { width: auto; margin-right: 1; }
    #sla-paused { grid-size: 3; grid-rows: 1; height: auto; grid-gutter: 0 1; }
    #recompute-note { height: auto; color: $foreground-muted; }
    """
    LABELS = LABELS

    def __init__(self, team, stages: list, policy, emails: dict[int, str]) -> None:
        super().__init__()
        self.team = team
        self.stages = stages
        self.policy = policy
        self.emails = dict(emails)

    def compose(self) -> ComposeResult:
        p = self.policy
        title = (f"Edit SLA policy “{plain(p.name, one_line=True)}”" if p else
                 "New SLA policy") + f" · team {plain(self.team.name, one_line=True)}"
        with VerticalScroll(classes="dialog", id="sla-form"):
            yield Static(Text(title), classes="dialog-title")
            with Horizontal(classes="field-row"):
                yield Label("Name")
                yield SafeInput(p.name if p else "", id="f-name", compact=True)
            with Horizontal(classes="field-row", id="sla-priorities"):
                yield Label("Priorities")
                for i, name in enumerate(PRIORITIES):
                    yield Tick(name, bool(p and i in p.priorities), id=f"prio-{i}",
                                   compact=True)
            with Horizontal(classes="field-row"):
                yield Label("Tags")
                yield SafeInput(", ".join(p.tags) if p else "", id="f-tags", compact=True,
                                placeholder="any tag · comma separated")
            with Horizontal(classes="field-row"):
                yield Label("Customers")
                yield SafeInput(self._emails(), id="f-customer_ids", compact=True,
                                placeholder="any customer · emails, comma separated")
            with Horizontal(classes="field-row"):
                yield Label("Target stage")
                yield Select([(Text(plain(s.name, one_line=True)), s.id) for s in self.stages],
                             value=p.target_stage_id if p else self.stages[-1].id,
                             allow_blank=False, id="f-target_stage_id", compact=True)
            with Horizontal(classes="field-row"):
                yield Label("Working hours")
                yield SafeInput(hours_text(p.hours) if p else "", id="f-hours", compact=True,
                                placeholder="e.g. 8 or 1.5 (team calendar)")
            yield Label("Pause the clock while the ticket is in:")
            with Grid(id="sla-paused"):
                for s in self.stages:
                    yield Tick(s.name,
                                   bool(p and s.id in p.excluded_stage_ids),
                                   id=f"pause-{s.id}", compact=True)
            if p is not None:
                yield Tick("Recompute the open tickets", False, id="recompute",
                               compact=True)
                yield Static(Text(NEW_ONLY), id="recompute-note")
            else:
                yield Static(Text(CREATED_NOTE), id="recompute-note")
            yield Static(Text(""), id="form-problem", classes="form-problem")
            yield Static(Text(f"{keymap.display('edit.save')} saves · esc cancels · tab "
                              "moves · space ticks"), classes="dialog-hint")

    def _emails(self) -> str:
        """The policy's customers as the field holds them: their emails."""
        p = self.policy
        return ", ".join(self.emails.get(c, f"customer {c}") for c in p.customer_ids) \
            if p else ""

    def _input(self, key: str) -> SafeInput:
        return self.query_one(f"#f-{key}", SafeInput)

    def on_mount(self) -> None:
        self._input("name").focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "recompute":
            self.query_one("#recompute-note", Static).update(
                Text(RECOMPUTE if event.value else NEW_ONLY))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _read(self) -> dict[str, Any]:
        """What the form holds, as the model's fields (customers still as emails)."""
        hours_typed = self._input("hours").value.strip()
        try:
            hours: float | None = float(hours_typed.replace(",", "."))
        except ValueError:
            raise FieldProblem("hours", "a number of working hours, e.g. 8 or 1.5") from None
        return {
            "name": self._input("name").value.strip(),
            "priorities": [i for i in range(4) if self.query_one(f"#prio-{i}", Checkbox).value],
            "tags": split_list(self._input("tags").result),
            "emails": split_list(self._input("customer_ids").result),
            "target_stage_id": self.query_one("#f-target_stage_id", Select).value,
            "hours": hours,
            "excluded_stage_ids": [s.id for s in self.stages
                                   if self.query_one(f"#pause-{s.id}", Checkbox).value],
        }

    async def _customer_ids(self, backend, emails: list[str]) -> list[int]:
        known = {e.casefold(): cid for cid, e in self.emails.items()}
        out = []
        for email in emails:
            cid = known.get(email.casefold())
            if cid is None:
                page = await backend.list_customers(text=email, limit=20)
                match = next((c for c in page.items if c.email.casefold() == email.casefold()),
                             None)
                if match is None:
                    raise FieldProblem("customer_ids", f"no customer with the email {email}")
                cid = match.id
                self.emails[cid] = match.email
            out.append(cid)
        return list(dict.fromkeys(out))

    def action_save(self) -> None:
        from deskline.models import SlaPolicyCreate, SlaPolicyUpdate

        self.show_problem(None, "")
        try:
            form = self._read()
        except FieldProblem as exc:
            self.show_problem(exc.field, exc.message)
            return
        p = self.policy
        if p is None:
            async def create(backend):
                ids = await self._customer_ids(backend, form["emails"])
                data = SlaPolicyCreate(team_id=self.team.id, name=form["name"],
                                       priorities=form["priorities"], tags=form["tags"],
                                       customer_ids=ids,
                                       target_stage_id=form["target_stage_id"],
                                       hours=form["hours"],
                                       excluded_stage_ids=form["excluded_stage_ids"])
                return await backend.create_sla_policy(data)

            self.submit(create, "Creating the SLA policy")
            return

        recompute = self.query_one("#recompute", Checkbox).value
        version = p.version

        async def update(backend):
            changed: dict[str, Any] = {}
            # Text fields are sent only when edited: an untouched one keeps its bytes.
            if self._input("name").changed:
                changed["name"] = form["name"]
            if form["priorities"] != sorted(p.priorities):
                changed["priorities"] = form["priorities"]
            if self._input("tags").changed and form["tags"] != p.tags:
                changed["tags"] = form["tags"]
            if self._input("customer_ids").changed:
                ids = await self._customer_ids(backend, form["emails"])
                if ids != p.customer_ids:
                    changed["customer_ids"] = ids
            if form["target_stage_id"] != p.target_stage_id:
                changed["target_stage_id"] = form["target_stage_id"]
            if form["hours"] != p.hours:
                changed["hours"] = form["hours"]
            if sorted(form["excluded_stage_ids"]) != sorted(p.excluded_stage_ids):
                changed["excluded_stage_ids"] = form["excluded_stage_ids"]
            if not changed and not recompute:
                return None
            if recompute:  # sent only when asked: the model's default says "new only"
                changed["recompute"] = True
            data = SlaPolicyUpdate(**changed)
            return await backend.update_sla_policy(p.id, data, version)

        self.submit(update, "Saving the SLA policy")
