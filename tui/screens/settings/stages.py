"""Settings › Stages: in order, moved up and down, created, edited (name, teams, closing,
the mail sent on arrival) and deleted; a stage that holds tickets is deleted only once
the admin has chosen the stage they move to."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Select

from deskline.text import plain
from tui import keymap
from tui.screens.settings.form import Checklist, SettingsForm, SettingsList, YesNo, field, shown
from widgets.rows import Row
from widgets.safe_input import SafeInput

NO_TEMPLATE = 0


def stage_row(stage, teams: dict[int, Any], templates: dict[int, Any]) -> Row:
    """Name, closing, the mail sent on arrival, then the teams (cut first at 80 columns)."""
    row: Row = [(f"{plain(stage.name, one_line=True):<20}", "strong")]
    row.append(("  ✓ closing" if stage.closing else "  · open   ", "soon" if stage.closing
                else "dim"))
    if stage.template_id:
        template = templates.get(stage.template_id)
        name = plain(template.name, one_line=True) if template else f"#{stage.template_id}"
        row.append((f" · mails “{name}”", "dim"))
    names = ", ".join(plain(teams[t].name, one_line=True) if t in teams else f"team {t}"
                      for t in stage.team_ids)
    row.append((f" · teams: {names or 'none'}", "dim"))
    return row


class StageSettings(SettingsList):
    SCOPE = "stages"
    BINDINGS = keymap.bindings("stages")
    TITLE_TEXT = "Settings › Stages"
    DETAILS = False
    EMPTY = "(no stage yet: n creates one)"

    def __init__(self) -> None:
        super().__init__()
        self.stages: list = []
        self.teams: dict[int, Any] = {}
        self.templates: dict[int, Any] = {}

    def on_mount(self) -> None:
        self.load()

    def load(self, select_id: int | None = None) -> None:
        async def fetch(backend):
            return (await backend.list_stages(), await backend.list_teams(),
                    await backend.list_templates())

        def show(result) -> None:
            stages, teams, templates = result
            self.teams = {t.id: t for t in teams}
            self.templates = {t.id: t for t in templates}
            self.show_stages(stages, select_id)

        self.submit(fetch, "Loading the stages", show)

    def show_stages(self, stages: list, select_id: int | None = None) -> None:
        self.stages = sorted(stages, key=lambda s: s.sequence)
        self.app._stages.clear()  # boards ask again, in the new order
        self.set_rows([stage_row(s, self.teams, self.templates) for s in self.stages])
        self.select_id(self.stages, select_id)
        self.set_context(
            f"{len(self.stages)} stage(s), in board order · "
            f"{keymap.display('stages.move_up')} / {keymap.display('stages.move_down')} move")
        self.app.trace("settings-stages")

    @property
    def current(self):
        return self.stages[self.selected] if 0 <= self.selected < len(self.stages) else None

    def action_refresh(self) -> None:
        self.load()

    def action_move(self, offset: int) -> None:
        stage = self.current
        if stage is None:
            return

        def moved(stages) -> None:
            self.show_stages(stages, stage.id)
            self.say(f"Moved {plain(stage.name, one_line=True)} "
                     f"{'up' if offset < 0 else 'down'}")

        self.submit(lambda b: b.move_stage(stage.id, offset), "Moving the stage", moved)

    def action_new(self) -> None:
        self.app.push_screen(StageForm(None, self.teams, self.templates), self._saved)

    def action_edit(self) -> None:
        stage = self.current
        if stage is not None:
            self.app.push_screen(StageForm(stage, self.teams, self.templates), self._saved)

    def _saved(self, stage) -> None:
        if stage is not None:
            self.say(f"Saved stage {plain(stage.name, one_line=True)}")
            self.load(select_id=stage.id)

    def action_delete(self) -> None:
        from tui.pickers import Confirm

        stage = self.current
        if stage is None:
            return
        name = shown(stage.name)

        def answered(yes) -> None:
            if yes:
                self._delete(stage, None)

        self.app.push_screen(Confirm(f"Delete the stage {name}?", f"Delete {name}",
                                     "Keep it"), answered)

    def _delete(self, stage, move_to: int | None) -> None:
        from deskline.errors import ValidationFailed

        def deleted(_none) -> None:
            where = ""
            if move_to is not None:
                target = next((s for s in self.stages if s.id == move_to), None)
                where = f"; its tickets moved to {shown(target.name) if target else move_to}"
            self.say(f"Deleted stage {shown(stage.name)}{where}")
            self.load()

        def failed(exc: BaseException) -> None:
            self.refused(exc)
            if isinstance(exc, ValidationFailed) and exc.field == "move_to" and move_to is None:
                self._choose_destination(stage, exc.message)

        self.submit(lambda b: b.delete_stage(stage.id, move_to), "Deleting the stage",
                    deleted, failed)

    def _choose_destination(self, stage, why: str) -> None:
        """The stage holds tickets: they go to a stage of the same teams, chosen here."""
        from tui.pickers import Picker

        teams = set(stage.team_ids)
        options = [(f"{s.name}{'  (closing)' if s.closing else ''} · teams: "
                    + ", ".join(self.teams[t].name for t in s.team_ids if t in self.teams), s.id)
                   for s in self.stages if s.id != stage.id and teams & set(s.team_ids)]
        if not options:
            self.say(f"{plain(why, one_line=True)} — but no other stage shares its teams: "
                     "add one to them first", problem=True)
            return

        def chosen(target) -> None:
            if target is None:
                self.say(f"Not deleted: {plain(why, one_line=True)}", problem=True)
            else:
                self._delete(stage, target)

        self.app.push_screen(Picker(f"{plain(why, one_line=True)}. Move them to:", options),
                             chosen)


class StageForm(SettingsForm):
    """Create (stage None) or edit a stage."""

    LABELS = {"name": "Name", "team_ids": "Teams", "closing": "Closing",
              "template_id": "Mail on arrival"}

    def __init__(self, stage, teams: dict[int, Any], templates: dict[int, Any]) -> None:
        super().__init__()
        self.stage = stage
        self.teams = teams
        self.templates = templates
        self.title_text = "New stage" if stage is None else f"Stage {shown(stage.name)}"

    def fields(self) -> ComposeResult:
        s = self.stage
        yield from field("Name (required)", SafeInput(s.name if s else "", id="name",
                                                       compact=True))
        yield YesNo("Closing stage (a ticket here is closed)", bool(s and s.closing),
                    id="closing")
        # Text labels: a str label of a Select is parsed as markup.
        options = [(Text("no mail"), NO_TEMPLATE)] + [(Text(shown(t.name)), t.id)
                                                      for t in self.templates.values()]
        yield from field("Mail to the customer when a ticket arrives",
                         Select(options, value=(s.template_id or NO_TEMPLATE) if s else
                                NO_TEMPLATE, allow_blank=False, id="template_id",
                                compact=True))
        teams = sorted(self.teams.values(), key=lambda t: t.name.casefold())
        yield from field("Teams that use it", Checklist(
            [(t.name + ("  (archived)" if t.archived else ""), t.id) for t in teams],
            s.team_ids if s else (), id="team_ids"))

    def action_save(self) -> None:
        from pydantic import ValidationError

        from deskline.models import StageCreate, StageUpdate

        self.clear_problem()
        name = self.text("name")
        closing = self.query_one("#closing", YesNo).value
        template = self.query_one("#template_id", Select).value
        template_id = None if template in (NO_TEMPLATE, Select.BLANK) else template
        team_ids = self.query_one("#team_ids", Checklist).values
        s = self.stage
        try:
            if s is None:
                data: Any = StageCreate(name=name, closing=closing, template_id=template_id,
                                        team_ids=team_ids)
            else:
                changes: dict[str, Any] = {}
                if self.query_one("#name", SafeInput).changed:  # else its bytes stay
                    changes["name"] = name
                if closing != s.closing:
                    changes["closing"] = closing
                if template_id != s.template_id:
                    changes["template_id"] = template_id
                if sorted(team_ids) != sorted(s.team_ids):
                    changes["team_ids"] = team_ids
                data = StageUpdate(**changes)
        except ValidationError as exc:
            self.invalid(exc)
            return
        if s is None:
            self.submit(lambda b: b.create_stage(data), "Creating the stage")
        elif not data.model_fields_set:
            self.dismiss(None)
        else:
            self.submit(lambda b: b.update_stage(s.id, data, s.version), "Saving the stage")
