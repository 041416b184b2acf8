"""Start-up: the helper process that fetches the dashboard while the console imports
Textual, the first frame painted from its answer, and the fallbacks when it has none."""

from __future__ import annotations

import asyncio
from dataclasses import fields

import pytest

from tests.conftest import ADMIN, ALICE, JONAS
from tests.tui.helpers import make_app, screen_text, wait_for
from tui import prefetch

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")


def service_answers(path, email):
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    try:
        svc = Service(store, resolve_agent(store, email))
        return svc.dashboard(), svc.my_tickets(limit=100), svc.list_teams()
    finally:
        store.close()


@pytest.mark.parametrize("email", [ALICE, JONAS, ADMIN])
def test_the_helper_answers_what_the_service_answers_for_that_agent(demo_db, email):
    helper = prefetch.start(str(demo_db), email)
    assert helper is not None
    me, teams, figures, mine = prefetch.first_screen(helper.result())
    expected_figures, expected_mine, expected_teams = service_answers(demo_db, email)
    assert me.email == email
    assert [(t.id, t.name) for t in teams] == [(t.id, t.name) for t in expected_teams]
    assert [vars(f) for f in figures] == [f.model_dump(mode="json") for f in expected_figures]
    assert [c.number for c in mine.items] == [c.number for c in expected_mine.items]
    assert all(c.sla_deadline is None or c.sla_deadline.tzinfo for c in mine.items)


def test_the_helper_sees_only_what_the_agent_may_see(demo_db):
    helper = prefetch.start(str(demo_db), JONAS)
    _me, teams, figures, _mine = prefetch.first_screen(helper.result())
    names = {t.name for t in teams}
    assert names == {"Customer Care", "Onboarding"}  # not the private Billing, Platform…
    assert {f.team_name for f in figures} == names


@pytest.mark.parametrize("email", ["nobody@nowhere.example"])
def test_a_helper_that_cannot_answer_gives_nothing(demo_db, email):
    helper = prefetch.start(str(demo_db), email)
    assert helper.result() is None


def test_a_helper_on_a_missing_database_gives_nothing(tmp_path):
    helper = prefetch.start(str(tmp_path / "missing.db"), None)
    assert helper.result() is None
    assert not (tmp_path / "missing.db").exists()  # the helper never creates a database


async def test_first_frame_has_the_helpers_figures_before_the_backend_opens(demo_db):
    """The dashboard shows the helper's figures while the console's own backend is still
    opening; the backend opens only once they are on screen."""
    helper = prefetch.start(str(demo_db), ALICE)
    assert helper.ready(10)
    release = asyncio.Event()
    first_frame: list[str] = []
    asked: list[str] = []  # when the console began to open its own backend

    def trace(event: str) -> None:
        if event == "first-frame":
            first_frame.append(screen_text(app))
            asked.append("first-frame")

    app = make_app(demo_db, email=ALICE, prefetch=helper, trace=trace)
    opener = app._open_backend

    async def slow_open():
        asked.append("open")
        await release.wait()
        return await opener()

    app._open_backend = slow_open
    expected, _mine, _teams = service_answers(demo_db, ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: first_frame)
        text = first_frame[0]
        assert app.backend is None
        assert "Alice Martin" in text
        for figures in expected:
            assert figures.team_name in text and f"{figures.open:,} open" in text
        assert "Loading teams" not in text
        await wait_for(pilot, lambda: "open" in asked)
        assert asked == ["first-frame", "open"]  # the engine's import waits for the frame
        release.set()
        await wait_for(pilot, lambda: app.backend is not None)
        dashboard = app.screen
        # every worker done but the one that follows the live events for good
        await wait_for(pilot, lambda: all(w.group == "live" for w in dashboard.workers))
        assert [f.team_id for f in dashboard.figures] == [f.team_id for f in expected]
        assert "dashboard" in app.holder["backend"].all_calls  # then refreshed from it


async def test_without_an_answer_the_dashboard_waits_for_the_backend(demo_db):
    helper = prefetch.start(str(demo_db), "nobody@nowhere.example")
    app = make_app(demo_db, email=ALICE, prefetch=helper)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "SLA failed" in screen_text(app))
        assert "Alice Martin" in screen_text(app)
        assert app.backend is not None


def test_the_helpers_objects_have_the_models_attributes():
    from deskline import models

    for name in ("Agent", "TimeOff", "TeamFigures", "TicketCard", "Page"):
        stand_in = getattr(prefetch, name)
        assert [f.name for f in fields(stand_in)] == list(getattr(models, name).model_fields), name
    team = [f.name for f in fields(prefetch.Team)]
    assert set(team) <= set(models.Team.model_fields) and team == ["id", "name"]
