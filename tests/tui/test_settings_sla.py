"""SLA policies in the settings: per team, a target stage, recompute or not, delete."""

from __future__ import annotations

from deskline.models import SlaPolicyUpdate
from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tui.screens.settings.sla import NEW_ONLY, RECOMPUTE, SlaForm, SlaSettings


def note(form) -> str:
    return str(form.query_one("#recompute-note").render())


async def open_sla(pilot):
    return await open_section(pilot, SlaSettings, loaded="policies")


async def choose_team(pilot, screen, name: str):
    await pilot.press("t")
    labels = pilot.app.screen.labels
    for _ in range(labels.index(name)):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.team.name == name and screen.stages)
    await pilot.pause()


async def test_new_policy_with_a_target_stage_and_paused_stage(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sla(pilot)
        assert "Team: Billing" in screen_text(app)
        assert "Billing answer in 2 days" in screen_text(app)
        await choose_team(pilot, screen, "Onboarding")
        assert "no SLA policy for this team" in screen_text(app)

        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SlaForm))
        form = app.screen
        assert "A new policy applies to tickets created from now on." in screen_text(app)
        await pilot.press(*"Answer fast")
        await pilot.press("tab", "tab", "tab", "space", "tab", "space")  # high, urgent
        await pilot.press("tab", *"vip, outage", "tab", *"nobody@nowhere.example")
        form.query_one("#f-target_stage_id").value = 2  # In Progress
        form.query_one("#f-hours").value = "many"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Working hours: a number" in screen_text(app))
        form.query_one("#f-hours").value = "6"
        form.query_one("#pause-3").value = True  # Waiting on Customer pauses
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "no customer with the email nobody@nowhere.example"
                       in screen_text(app))
        assert app.screen is form  # kept open, with what was typed
        assert form.query_one("#f-name").value == "Answer fast"
        form.query_one("#f-customer_ids").value = ""
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and screen.policies)
        (args, _kw), = app.backend.writes("create_sla_policy")
        data = args[0]
        assert (data.name, data.priorities, data.tags, data.target_stage_id, data.hours,
                data.excluded_stage_ids) == ("Answer fast", [2, 3], ["vip", "outage"], 2, 6.0, [3])
        await wait_for(pilot, lambda: "Answer fast" in screen_text(app))
        assert "In Progress in 6 h" in screen_text(app)
        assert "Paused in: Waiting on Customer" in screen_text(app)


async def test_edit_applies_to_new_tickets_or_recomputes(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sla(pilot)
        await choose_team(pilot, screen, "Customer Care")
        policy = screen.policies[0]
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SlaForm))
        form = app.screen
        await pilot.pause()
        assert note(form) == NEW_ONLY
        form.query_one("#f-hours").value = "5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        (args, _kw), = app.backend.writes("update_sla_policy")
        assert args == (policy.id, SlaPolicyUpdate(hours=5.0), policy.version)
        assert args[1].model_fields_set == {"hours"}  # only what changed

        await wait_for(pilot, lambda: screen.policies[0].version == policy.version + 1)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SlaForm))
        form = app.screen
        form.query_one("#recompute").focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: note(form) == RECOMPUTE)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        args, _kw = app.backend.writes("update_sla_policy")[-1]
        assert args == (policy.id, SlaPolicyUpdate(recompute=True), policy.version + 1)
        audit = await app.backend.audit_log(kind="sla_policy", limit=1)
        assert any(c.field == "open tickets recomputed" for c in audit.items[0].changes)

        # A stale version is refused and said; the form keeps what was typed.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SlaForm))
        form = app.screen
        await app.backend.update_sla_policy(policy.id, SlaPolicyUpdate(name="Other"))
        form.query_one("#f-hours").value = "7"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "✗" in str(form.query_one("#form-problem").render()))
        assert app.screen is form and form.query_one("#f-hours").value == "7"


async def test_delete_asks_first(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sla(pilot)
        policy = screen.policies[0]
        await pilot.press("d")
        await wait_for(pilot, lambda: "Delete the SLA policy" in screen_text(app))
        await pilot.press("escape")
        assert not app.backend.writes("delete_sla_policy")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.backend.writes("delete_sla_policy"))
        await wait_for(pilot, lambda: not screen.policies)
        assert app.backend.writes("delete_sla_policy")[0][0] == (policy.id,)
        assert "Deleted SLA policy" in screen_text(app)
