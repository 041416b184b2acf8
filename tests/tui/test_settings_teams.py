"""The settings hub and Settings › Teams, driven with keys at 80×24: what shows and what
the backend got."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready
from tui.pickers import Confirm
from tui.screens.dashboard import DashboardScreen
from tui.screens.settings import SECTIONS, SettingsHub
from tui.screens.settings.teams import TeamForm, TeamSettings

ADMIN = "admin@deskline.example"
SIZE = (80, 24)


@pytest.fixture
def empty_db(tmp_path) -> Path:
    from deskline.starter import init_helpdesk

    path = tmp_path / "empty.db"
    init_helpdesk(path, "root@new.example", "Rita Root", empty=True, timezone="UTC")
    return path


async def open_teams(pilot) -> TeamSettings:
    return await open_section(pilot, TeamSettings, key="teams", loaded="teams", shown="team(s)")


def flat(app) -> str:
    """The screen's words on one line (wrapped text joined)."""
    return " ".join(screen_text(app).split())


def form_error(app) -> str:
    return str(app.screen.query_one("#form-problem").render())


async def type_into(pilot, widget_id: str, text: str, clear: bool = True) -> None:
    from textual.widgets import Input

    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.focus()
    if clear:
        widget.value = ""
    await pilot.press(*text)


async def test_hub_lists_every_section_and_marks_missing_ones(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsHub))
        text = screen_text(app)
        for _key, title, _module, _cls in SECTIONS:
            assert title in text
        assert "Teams" in text and "aliases, visibility" in text
        keys = [s[0] for s in SECTIONS]
        assert keys[:3] == ["teams", "stages", "agents"]
        assert {"sla", "templates", "catalog", "tokens", "audit"} <= set(keys)
        # A section whose module is not there says so instead of opening (or crashing).
        import importlib.util

        missing = [i for i, s in enumerate(SECTIONS) if importlib.util.find_spec(s[2]) is None]
        if missing:
            assert "(not available)" in text
            await pilot.press(*["down"] * missing[0], "enter")
            await pilot.pause()
            assert isinstance(app.screen, SettingsHub)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_agent_sees_no_settings(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any("Settings are for admins" in str(n.message) for n in app._notifications)
        await pilot.press("f4", "n")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        # The palette's entry says the same.
        app.action_open_screen("settings")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        backend = app.holder["backend"]
        assert not [c for c in backend.calls if c[0] in ("create_team", "update_team")]


async def test_create_a_team_with_an_alias_then_a_duplicate_alias_is_refused(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_teams(pilot)
        assert "Customer Care" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        await type_into(pilot, "name", "Field Service")
        await type_into(pilot, "email_alias", "field@deskline.example")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamSettings)
                       and "Field Service" in screen_text(app))
        backend = app.holder["backend"]
        (data,), _kw = backend.writes("create_team")[-1]
        assert data.name == "Field Service" and data.email_alias == "field@deskline.example"
        assert "Saved team Field Service" in screen_text(app)

        # The same alias again: refused by the service, the field named, the text kept.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        await type_into(pilot, "name", "Field Two")
        await type_into(pilot, "email_alias", "support@deskline.example")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Email alias" in form_error(app))
        assert "already the alias of team Customer Care" in form_error(app)
        form = app.screen
        assert isinstance(form, TeamForm)
        assert form.query_one("#name").value == "Field Two"
        assert form.query_one("#email_alias").value == "support@deskline.example"
        assert app.focused is form.query_one("#email_alias")
        assert "Email alias" in screen_text(app)  # the refusal is on screen at 80×24

        # A malformed alias is refused before anything is sent.
        before = len(backend.writes("create_team"))
        await type_into(pilot, "email_alias", "not-an-address")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "not an email address" in form_error(app))
        assert len(backend.writes("create_team")) == before
        await pilot.press("escape")
        assert screen is app.screen


async def test_edit_sends_only_what_changed_with_the_version(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_teams(pilot)
        team = screen.teams[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        await type_into(pilot, "auto_close_days", "21")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamSettings)
                       and app.holder["backend"].writes("update_team"))
        (team_id, data, version), _kw = app.holder["backend"].writes("update_team")[-1]
        assert team_id == team.id and version == team.version
        assert data.model_dump(exclude_unset=True) == {"auto_close_days": 21}


async def test_stale_version_is_a_conflict_said_under_the_form(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_teams(pilot)
        team = screen.teams[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        from deskline.models import TeamUpdate

        await app.backend.update_team(team.id, TeamUpdate(description="changed elsewhere"))
        await type_into(pilot, "name", "Care")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "someone else changed it" in form_error(app))
        assert isinstance(app.screen, TeamForm)
        assert app.screen.query_one("#name").value == "Care"


async def test_public_to_private_says_how_many_follows_go_and_asks(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_teams(pilot)
        index = next(i for i, t in enumerate(screen.teams) if t.name == "Onboarding")
        team = screen.teams[index]
        expected = await app.backend.portal_followers(team.id)
        await pilot.press(*["down"] * index, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        from textual.widgets import Select

        app.screen.query_one("#visibility", Select).value = "private"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"removes {expected} follow(s)" in screen_text(app)
        assert not app.holder["backend"].writes("update_team")
        await pilot.press("escape")  # no: the form stays, nothing saved
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        assert "stays public" in form_error(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")  # the first option: make it private
        await wait_for(pilot, lambda: isinstance(app.screen, TeamSettings)
                       and app.holder["backend"].writes("update_team"))
        (_tid, data, _v), _kw = app.holder["backend"].writes("update_team")[-1]
        assert data.model_dump(exclude_unset=True) == {"visibility": "private"}
        assert await app.backend.portal_followers(team.id) == 0


async def test_archive_and_restore(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_teams(pilot)
        name = screen.teams[0].name
        await pilot.press("x")
        await wait_for(pilot, lambda: "▣ archived" in screen_text(app))
        assert f"Archived {name}" in screen_text(app)
        index = next(i for i, t in enumerate(screen.teams) if t.name == name)
        assert screen.teams[index].archived and screen.selected == index
        await pilot.press("x")
        await wait_for(pilot, lambda: f"Restored {name}" in screen_text(app))
        assert not any(t.archived for t in screen.teams)


async def test_empty_helpdesk_admin_creates_the_first_team(empty_db):
    app = make_app(empty_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "create the first team" in flat(app))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TeamForm))
        await type_into(pilot, "name", "Support")
        await type_into(pilot, "email_alias", "help@new.example")
        form = app.screen
        form.query_one("#member_ids").focus()
        await pilot.press("space")  # the only agent: the admin
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen)
                       and app.screen.figures)
        assert "Support" in screen_text(app)
        (data,), _ = app.holder["backend"].writes("create_team")[-1]
        assert data.member_ids == [app.me.id]


async def test_empty_helpdesk_agent_is_told_whom_to_ask(empty_db):
    from deskline.models import AgentCreate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(empty_db)
    Service(store, resolve_agent(store, None)).create_agent(
        AgentCreate(email="new@new.example", name="Nina New"))
    store.close()
    app = make_app(empty_db, email="new@new.example")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Rita Root <root@new.example>" in flat(app))
        assert "Ask an admin to add you to a team" in flat(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
