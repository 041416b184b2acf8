"""Settings › Agents at 80×24: add, roles, the last admin kept, deactivation with the
open tickets to reassign, time off (and in the assign picker), teams."""

from __future__ import annotations

from textual.widgets import Select

from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready
from tests.tui.test_settings_teams import SIZE, flat, form_error, type_into
from tui.pickers import AgentPicker, Confirm
from tui.screens.settings.agents import (
    AgentForm,
    AgentSettings,
    AgentTeamsForm,
    DeactivatedScreen,
    TimeOffDialog,
)
from tui.screens.ticket import TicketScreen


async def open_agents(pilot) -> AgentSettings:
    return await open_section(pilot, AgentSettings, key="agents", loaded="agents",
                              shown="active agent(s)")


async def select(pilot, screen, email: str) -> None:
    index = next(i for i, a in enumerate(screen.agents) if a.email == email)
    screen.rows.select(index)
    await pilot.pause()


async def test_list_shows_roles_and_time_off(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_agents(pilot)
        text = screen_text(app)
        assert "Ada Admin" in text and "· admin" in text
        assert "☾ away until 2026-03-03" in text  # back tomorrow (the demo's day is 03-02)
        assert "portal" not in text  # customer accounts are not staff
        assert screen.agents[0].email == "admin@deskline.example" or "· agent" in text


async def test_add_an_agent(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agents(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentForm))
        await type_into(pilot, "email", "zoe.new@deskline.example")
        await type_into(pilot, "name", "Zoe New")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(a.email == "zoe.new@deskline.example"
                                          for a in screen.agents))
        (data,), _ = app.holder["backend"].writes("create_agent")[-1]
        assert data.email == "zoe.new@deskline.example" and data.role.value == "agent"
        assert screen.current.email == "zoe.new@deskline.example"

        # The same email again: refused, the field named, the typing kept.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentForm))
        await type_into(pilot, "email", "zoe.new@deskline.example")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Email" in form_error(app) and "exists" in form_error(app))
        assert app.screen.query_one("#email").value == "zoe.new@deskline.example"


async def test_the_last_admin_cannot_be_demoted_or_deactivated(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agents(pilot)
        await select(pilot, screen, "admin@deskline.example")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentForm))
        app.screen.query_one("#role", Select).value = "agent"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Role" in form_error(app)
                       and "needs an active admin" in form_error(app))
        assert isinstance(app.screen, AgentForm)
        (_id, data), _ = app.holder["backend"].writes("update_agent")[-1]
        assert data.model_dump(exclude_unset=True) == {"role": "agent"}  # nothing else sent
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentSettings))

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "needs an active admin" in flat(app)
                       and isinstance(app.screen, AgentSettings))
        assert all(a.active for a in screen.agents if a.email == "admin@deskline.example")


async def test_deactivate_lists_open_tickets_each_openable_then_reactivate(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agents(pilot)
        await select(pilot, screen, ALICE)
        alice = screen.current
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert "Deactivate Alice Martin" in flat(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeactivatedScreen))
        result = app.screen.result
        assert result.open_tickets and not result.agent.active
        assert f"{len(result.open_tickets)} open ticket(s) to reassign" in flat(app)
        assert f"#{result.open_tickets[0].number}" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.ticket)
        assert app.screen.ticket.id == result.open_tickets[0].id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DeactivatedScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentSettings)
                       and not next(a for a in screen.agents if a.id == alice.id).active)
        assert "✗ inactive" in screen_text(app)
        await select(pilot, screen, ALICE)
        await pilot.press("x")  # reactivate: no question
        await wait_for(pilot, lambda: next(a for a in screen.agents if a.id == alice.id).active)
        (_id, data), _ = app.holder["backend"].writes("update_agent")[-1]
        assert data.model_dump(exclude_unset=True) == {"active": True}


async def test_time_off_that_ends_before_it_starts_is_refused(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agents(pilot)
        await select(pilot, screen, ALICE)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TimeOffDialog))
        await type_into(pilot, "start", "2026-03-10")
        await type_into(pilot, "end", "2026-03-05")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "must end after it starts" in form_error(app))
        assert "Ends" in form_error(app)
        assert app.screen.query_one("#end").value == "2026-03-05"  # kept
        assert not app.holder["backend"].writes("add_time_off")

        await type_into(pilot, "end", "2026-03-12")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "2026-03-10 00:00 → 2026-03-13 00:00" in screen_text(app))
        (agent_id, period), _ = app.holder["backend"].writes("add_time_off")[-1]
        assert agent_id == screen.current.id

        # Remove it again: choose it in the list, then delete.
        app.screen.query_one("#periods").focus()
        await pilot.press("home", "delete")
        await wait_for(pilot, lambda: app.holder["backend"].writes("remove_time_off"))
        await wait_for(pilot, lambda: "(no time off)" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentSettings))


async def test_teams_from_the_agents_side(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agents(pilot)
        await select(pilot, screen, "admin@deskline.example")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentTeamsForm))
        assert "[ ] Billing" in screen_text(app)
        await pilot.press("space", "ctrl+s")  # Billing, the first by name
        await wait_for(pilot, lambda: isinstance(app.screen, AgentSettings)
                       and app.holder["backend"].writes("set_agent_teams"))
        (agent_id, team_ids), _ = app.holder["backend"].writes("set_agent_teams")[-1]
        billing = next(t for t in screen.teams if t.name == "Billing")
        assert team_ids == [billing.id]
        await wait_for(pilot, lambda: "· Billing" in screen_text(app))


async def test_assign_picker_marks_agents_on_time_off(demo_db):
    from tests.tui.test_pilot import open_ticket

    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_ticket(pilot, app, 386)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker) and app.screen.labels)
        labels = app.screen.labels
        assert any(label.startswith("Chloé Schmidt") and "away until 2026-03-03" in label
                   for label in labels)
        assert any("away until 2026-03-16" in label for label in labels)
        assert sum("away until" in label for label in labels) == 2
