"""The settings area on hostile stored text (pilot): every form opens on a hostile record
with its fields sanitized, saving a change to one other field leaves the hostile fields
byte for byte in the database, and names made of markup never crash a settings screen."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from deskline.text import plain
from tests.tui.helpers import copy_db, make_app, screen_text, wait_for
from tests.tui.hostile import MARKUP, admin_service, make_markup
from tests.tui.test_pilot import is_ready
from tui.screens.settings import open_settings
from tui.screens.settings.agents import AgentForm, AgentTeamsForm, TimeOffDialog
from tui.screens.settings.audit import AuditEntryView
from tui.screens.settings.form import FieldsForm, YesNo
from tui.screens.settings.sla import SlaForm
from tui.screens.settings.stages import StageForm
from tui.screens.settings.teams import TeamForm
from tui.screens.settings.templates import TemplateEditor
from widgets.safe_input import SafeInput, SafeTextArea

STANDIN = "␛]52;c;SGVsbG8=␇"  # how a generated value's first control shows


async def _section(pilot, key: str, loaded):
    """Open a settings section as the admin and wait until `loaded(screen)`."""
    app = pilot.app
    open_settings(app, key)
    await wait_for(pilot, lambda: getattr(app.screen, "SCOPE", "") == key
                   and loaded(app.screen))
    await pilot.pause()
    return app.screen


async def _open(pilot, screen, items: list, pick, form_type, key: str = "e"):
    """Select the item `pick` chooses in the section's list, press `key`, wait for the
    form."""
    screen.rows.select(next(i for i, x in enumerate(items) if pick(x)))
    screen.show_details()
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, form_type))
    await pilot.pause()
    return pilot.app.screen


async def _save(pilot, form) -> None:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: pilot.app.screen is not form)
    await pilot.pause(0.2)


def _fields_clean(form) -> None:
    """Every prefilled field shows stand-ins, never the control characters."""
    for widget in form.query(SafeInput):
        assert "\x1b" not in widget.value and "\x9b" not in widget.value
    for widget in form.query(SafeTextArea):
        assert "\x1b" not in widget.text and "\x9b" not in widget.text


async def test_settings_forms_keep_untouched_hostile_values(hostile):
    path, made = hostile
    v = made.values
    app = make_app(path)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))

        # A team: name, description and alias (refused at the door now) stay as stored.
        screen = await _section(pilot, "teams", lambda s: s.teams)
        assert "Team " + STANDIN in screen_text(app)
        form = await _open(pilot, screen, screen.teams, lambda t: t.id == made.team_id,
                           TeamForm)
        _fields_clean(form)
        assert form.query_one("#name", SafeInput).value == plain(v["team"], one_line=True)
        assert form.query_one("#description", SafeTextArea).text == \
            plain(v["team_description"])
        ratings = form.query_one("#ratings", YesNo)
        ratings.value = not ratings.value
        await _save(pilot, form)
        assert "Saved team" in screen_text(app)
        await pilot.press("escape")

        # A stage: its name stays while its mail on arrival changes.
        screen = await _section(pilot, "stages", lambda s: s.stages)
        form = await _open(pilot, screen, screen.stages, lambda s: s.name == v["stage"],
                           StageForm)
        _fields_clean(form)
        template_id = next(t.id for t in screen.templates.values() if t.name == v["template"])
        form.query_one("#template_id", Select).value = template_id
        await _save(pilot, form)
        assert "Saved stage" in screen_text(app)
        await pilot.press("escape")

        # An agent: the name and an email with control characters stay; the role changes.
        screen = await _section(pilot, "agents", lambda s: s.agents)
        form = await _open(pilot, screen, screen.agents, lambda a: a.name == v["agent"],
                           AgentForm)
        _fields_clean(form)
        form.query_one("#role", Select).value = "admin"
        await _save(pilot, form)
        await pilot.press("escape")

        # An SLA policy: name and tags stay, the hours change.
        screen = await _section(pilot, "sla", lambda s: s.teams)
        screen.choose_team(next(t for t in screen.teams if t.id == made.team_id))
        await wait_for(pilot, lambda: any(p.name == v["sla"] for p in screen.policies))
        form = await _open(pilot, screen, screen.policies, lambda p: p.name == v["sla"],
                           SlaForm)
        _fields_clean(form)
        assert form.query_one("#f-name", SafeInput).value == plain(v["sla"], one_line=True)
        form.query_one("#f-hours", SafeInput).value = "6"
        await _save(pilot, form)
        await wait_for(pilot, lambda: "Saved SLA policy" in screen_text(app))
        await pilot.press("escape")

        # A mail template: a new name leaves the subject and body as stored.
        screen = await _section(pilot, "templates", lambda s: s.templates)
        editor = await _open(pilot, screen, screen.templates,
                             lambda t: t.name == v["template"], TemplateEditor)
        _fields_clean(editor)
        assert editor.query_one("#f-body", SafeTextArea).text == plain(v["template_body"])
        await wait_for(pilot, lambda: editor.error is None)
        editor.query_one("#f-name", SafeInput).value = "Renamed template"
        await wait_for(pilot, lambda: editor.error is None)
        await _save(pilot, editor)
        await wait_for(pilot, lambda: "Saved the template Renamed template"
                       in screen_text(app))
        await pilot.press("escape")

        # An organization: a new domain leaves the name; a project leaves its organization.
        screen = await _section(pilot, "catalog", lambda s: s.organizations)
        form = await _open(pilot, screen, screen.organizations,
                           lambda o: o.name == v["organization"], FieldsForm)
        _fields_clean(form)
        form.query_one("#f-domain", SafeInput).value = "evil.test"
        await _save(pilot, form)
        await pilot.press("s")  # projects
        form = await _open(pilot, screen, screen.projects, lambda p: p.name == v["project"],
                           FieldsForm)
        form.query_one("#f-organization_id", Select).value = 0  # no organization
        await _save(pilot, form)
        assert app.is_running

    with admin_service(path) as svc:
        team = next(t for t in svc.list_teams() if t.id == made.team_id)
        assert team.name == v["team"] and team.description == v["team_description"]
        assert team.email_alias == v["team_alias"]
        stage = next(s for s in svc.list_stages() if s.name == v["stage"])
        assert stage.template_id == template_id
        agent = next(a for a in svc.list_agents() if a.name == v["agent"])
        assert getattr(agent.role, "value", agent.role) == "admin"
        assert agent.email == v["agent_email"]  # the stored bytes, never a stand-in
        policy = next(p for p in svc.list_sla_policies(made.team_id) if p.name == v["sla"])
        assert policy.hours == 6 and policy.tags == [v["tag"]]
        template = next(t for t in svc.list_templates() if t.name == "Renamed template")
        assert template.subject == v["template_subject"]
        assert template.body == v["template_body"]
        org = next(o for o in svc.list_organizations() if o.name == v["organization"])
        assert org.domain == "evil.test"
        project = next(p for p in svc.list_projects() if p.name == v["project"])
        assert project.organization_id is None


@pytest.mark.parametrize("markup", MARKUP)
async def test_markup_names_never_crash_a_settings_screen(demo_master, tmp_path, markup):
    path = copy_db(demo_master, tmp_path / "markup.db")
    made = make_markup(path, markup)
    v = made.values
    app = make_app(path)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        open_settings(app)
        await pilot.pause(0.3)

        screen = await _section(pilot, "teams", lambda s: s.teams)
        assert f"Team {markup}" in screen_text(app)
        await _open(pilot, screen, screen.teams, lambda t: t.id == made.team_id, TeamForm)
        assert f"Team {markup}" in screen_text(app)
        await pilot.press("escape", "escape")

        screen = await _section(pilot, "stages", lambda s: s.stages)
        assert f"Stage {markup}" in screen_text(app)
        await _open(pilot, screen, screen.stages, lambda s: s.name == v["stage"], StageForm)
        await pilot.press("escape")
        await pilot.press("d")  # the confirmation names the stage
        await pilot.pause(0.3)
        assert f"Stage {markup}" in screen_text(app)
        await pilot.press("escape", "escape")

        screen = await _section(pilot, "agents", lambda s: s.agents)
        pick = lambda a: a.name == v["agent"]  # noqa: E731
        await _open(pilot, screen, screen.agents, pick, AgentForm)
        await pilot.press("escape")
        await _open(pilot, screen, screen.agents, pick, TimeOffDialog, "o")
        assert f"Agent {markup}" in screen_text(app)
        await pilot.press("escape")
        await _open(pilot, screen, screen.agents, pick, AgentTeamsForm, "m")
        await pilot.press("escape", "x")  # deactivation asks, naming the agent
        await pilot.pause(0.3)
        assert f"Agent {markup}" in screen_text(app)
        await pilot.press("escape", "escape")

        screen = await _section(pilot, "sla", lambda s: s.teams)
        screen.choose_team(next(t for t in screen.teams if t.id == made.team_id))
        await wait_for(pilot, lambda: any(p.name == v["sla"] for p in screen.policies))
        assert f"SLA {markup}" in screen_text(app)
        await _open(pilot, screen, screen.policies, lambda p: p.name == v["sla"], SlaForm)
        await pilot.press("escape", "escape")

        screen = await _section(pilot, "templates", lambda s: s.templates)
        editor = await _open(pilot, screen, screen.templates,
                             lambda t: t.name == v["template"], TemplateEditor)
        await pilot.press("f4", *str(made.ticket_number))
        await wait_for(pilot, lambda: editor.ticket is not None)
        await pilot.pause(0.5)
        assert f"Template subject {markup}" in screen_text(app)
        await pilot.press("escape", "escape")

        screen = await _section(pilot, "catalog", lambda s: s.organizations)
        for kind, name in (("organizations", v["organization"]), ("projects", v["project"]),
                           ("tags", v["tag"])):
            while screen.kind != kind:
                await pilot.press("s")
            await _open(pilot, screen, screen.items, lambda x, n=name: x.name == n,
                        FieldsForm)
            await pilot.press("escape")
        await pilot.press("escape")

        screen = await _section(pilot, "tokens", lambda s: s.tokens)
        assert f"Token {markup}" in screen_text(app)
        await pilot.press("escape")

        screen = await _section(pilot, "audit", lambda s: s.entries)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditEntryView))
        await pilot.press("escape", "escape")
        await pilot.pause(0.3)
        assert app.is_running
