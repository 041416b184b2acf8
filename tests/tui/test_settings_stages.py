"""Settings › Stages at 80×24: order, create, delete with and without a destination."""

from __future__ import annotations

from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tests.tui.test_settings_teams import SIZE, flat, type_into
from tui.pickers import Confirm, Picker
from tui.screens.settings.stages import StageForm, StageSettings


async def open_stages(pilot) -> StageSettings:
    return await open_section(pilot, StageSettings, key="stages", loaded="stages",
                              shown="stage(s), in board order")


def names(screen) -> list[str]:
    return [s.name for s in screen.stages]


async def test_move_a_stage_up_and_down(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stages(pilot)
        assert names(screen) == ["New", "In Progress", "Waiting on Customer", "Solved",
                                 "Cancelled"]
        assert "✓ closing" in screen_text(app) and "mails “Ticket solved”" in screen_text(app)
        await pilot.press("down", "K")
        await wait_for(pilot, lambda: names(screen)[0] == "In Progress")
        assert screen.current.name == "In Progress"  # the selection follows the stage
        backend = app.holder["backend"]
        stage_id = screen.current.id
        assert backend.writes("move_stage")[-1] == ((stage_id, -1), {})
        await pilot.press("J", "J")
        await wait_for(pilot, lambda: names(screen)[2] == "In Progress")
        assert names(screen) == ["New", "Waiting on Customer", "In Progress", "Solved",
                                 "Cancelled"]
        assert "Moved In Progress down" in screen_text(app)


async def test_create_then_delete_an_empty_stage(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stages(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, StageForm))
        await type_into(pilot, "name", "Triage")
        app.screen.query_one("#team_ids").focus()
        await pilot.press("space")  # the first team by name: Billing
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, StageSettings)
                       and "Triage" in names(screen))
        (data,), _ = app.holder["backend"].writes("create_stage")[-1]
        assert data.name == "Triage" and len(data.team_ids) == 1
        assert screen.current.name == "Triage"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Triage" not in names(screen))
        assert app.holder["backend"].writes("delete_stage")[-1][0][1] is None
        assert "Deleted stage Triage" in screen_text(app)


async def test_a_stage_with_tickets_needs_a_destination(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stages(pilot)
        new = screen.current
        assert new.name == "New"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        # Refused without a destination: the reason shown, and a picker among the stages
        # of the same teams.
        await wait_for(pilot, lambda: isinstance(app.screen, Picker)
                       and not isinstance(app.screen, Confirm))
        assert "choose the stage they move to" in flat(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StageSettings))
        assert "Not deleted" in flat(app) and "New" in names(screen)

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Picker)
                       and not isinstance(app.screen, Confirm))
        await pilot.press("enter")  # In Progress, the first one offered
        await wait_for(pilot, lambda: "New" not in names(screen))
        calls = app.holder["backend"].writes("delete_stage")
        in_progress = next(s for s in screen.stages if s.name == "In Progress")
        assert calls[-2] == ((new.id, None), {}) and calls[-1] == ((new.id, in_progress.id), {})
        assert "its tickets moved to In Progress" in flat(app)


async def test_a_refused_delete_shows_the_reason(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stages(pilot)
        await pilot.press("down", "down", "down")  # Solved: an SLA policy aims at it
        assert screen.current.name == "Solved"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "aims at this stage" in flat(app))
        assert isinstance(app.screen, StageSettings) and "Solved" in names(screen)


async def test_rename_sends_only_the_name_with_the_version(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stages(pilot)
        stage = screen.current
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StageForm))
        await type_into(pilot, "name", "Fresh")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Fresh" in names(screen))
        (sid, data, version), _ = app.holder["backend"].writes("update_stage")[-1]
        assert (sid, version) == (stage.id, stage.version)
        assert data.model_dump(exclude_unset=True) == {"name": "Fresh"}
