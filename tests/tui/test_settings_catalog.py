"""Organizations, projects and tags in the settings."""

from __future__ import annotations

from deskline.models import OrganizationUpdate
from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tui.screens.settings.catalog import CatalogSettings
from tui.screens.settings.form import FieldsForm


async def open_catalog(pilot):
    return await open_section(pilot, CatalogSettings, loaded="organizations")


def status(screen) -> str:
    return str(screen.query_one("#settings-status").render())


async def test_organization_delete_refused_when_not_empty_and_done_when_empty(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_catalog(pilot)
        assert screen.current.name == "Acme Logistics"
        await pilot.press("d")
        await wait_for(pilot, lambda: "Only an empty one can be" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "still has" in status(screen))
        assert "still has 1 projects" in status(screen)  # what is left, counted
        assert any(o.name == "Acme Logistics" for o in screen.organizations)

        # A new, empty organization: created, renamed with a domain, deleted.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FieldsForm))
        await pilot.press("ctrl+s")  # no name: refused, naming the field
        await wait_for(pilot, lambda: "Name:" in str(app.screen.query_one("#form-problem")
                                                      .render()))
        await pilot.press(*"Aardvark Inc", "tab", *"aardvark.example", "enter")
        await wait_for(pilot, lambda: app.screen is screen and screen.current
                       and screen.current.name == "Aardvark Inc")
        org = screen.current
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, FieldsForm))
        app.screen.query_one("#f-domain").value = "aardvark.test"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and "aardvark.test" in screen_text(app))
        (args, _kw), = app.backend.writes("update_organization")
        assert args == (org.id, OrganizationUpdate(domain="aardvark.test"))
        assert args[1].model_fields_set == {"domain"}  # only what changed

        await pilot.press("d")
        await wait_for(pilot, lambda: "Delete the organization Aardvark Inc" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Deleted Aardvark Inc" in status(screen))
        assert all(o.id != org.id for o in screen.organizations)


async def test_project_moves_out_of_its_organization(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_catalog(pilot)
        await pilot.press("tab")
        assert "[Projects (5)]" in screen_text(app)
        project = screen.current
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, FieldsForm))
        app.screen.query_one("#f-organization_id").value = 0
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and app.backend.writes("update_project"))
        (args, _kw), = app.backend.writes("update_project")
        assert args[0] == project.id and args[1].model_dump(exclude_unset=True) == {
            "organization_id": None}


async def test_tags_merge_into_the_chosen_target_and_delete_with_count(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_catalog(pilot)
        await pilot.press("tab", "tab")
        assert "[Tags (13)]" in screen_text(app)
        billing = next(t for t in screen.tags if t.name == "billing")
        refund = next(t for t in screen.tags if t.name == "refund")
        screen.rows.select(screen.tags.index(billing))
        await pilot.press("m")
        await wait_for(pilot, lambda: "Merge #billing (36 tickets) into" in screen_text(app))
        picker = app.screen
        for _ in range(picker.values.index(refund.id)):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Merged #billing into #refund" in status(screen))
        assert app.backend.writes("merge_tags")[0][0] == (billing.id, refund.id)
        assert all(t.name != "billing" for t in screen.tags)
        merged = next(t for t in screen.tags if t.name == "refund")
        assert merged.ticket_count > refund.ticket_count
        assert screen.current.id == refund.id

        await pilot.press("d")
        await wait_for(pilot, lambda: f"taken off its {merged.ticket_count} tickets"
                       in screen_text(app))
        await pilot.press("escape")
        assert not app.backend.writes("delete_tag")
