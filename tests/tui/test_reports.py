"""The reports screen: first frame before the report, charts with their numbers, filters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.tui.helpers import NOW, make_app, screen_text, wait_for
from tests.tui.test_customers import Everything
from tests.tui.test_pilot import is_ready
from tui.screens.reports import ReportsScreen
from widgets.barchart import columns, hbar

SIZES = [(80, 24), (120, 40)]
ANSWERS = ("satisfied", "satisfied", "okay", "dissatisfied", "satisfied", "okay")


def add_ratings(path) -> None:
    """Ratings on closed tickets of the teams that ask for them (the demo has none)."""
    from deskline.local import resolve_agent
    from deskline.models import RatingAnswer, RatingCreate
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, None), clock=lambda: NOW - timedelta(hours=3))
    teams = [t.id for t in svc.list_teams() if t.ratings]
    marks = ",".join("?" * len(teams))
    rows = store.conn.execute(
        f"SELECT id FROM tickets WHERE closed_at IS NOT NULL AND team_id IN ({marks})"
        " ORDER BY id LIMIT 12", teams).fetchall()
    for i, (ticket_id,) in enumerate(rows):
        svc.rate_ticket(ticket_id, RatingCreate(answer=RatingAnswer(ANSWERS[i % len(ANSWERS)])))
    store.close()


class Gate(Everything):
    """Holds `report` until the test opens the gate."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.gate = asyncio.Event()

    def __getattr__(self, name):
        call = super().__getattr__(name)
        if name != "report":
            return call

        async def held(*args, **kwargs):
            await self.gate.wait()
            return await call(*args, **kwargs)

        return held


async def open_reports(pilot, spy_class=Everything):
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    app.backend = spy = spy_class(app.backend)
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen))
    return spy


def test_bars_are_block_characters_in_eighths():
    assert hbar(0, 10, 20) == ""
    assert hbar(10, 10, 20) == "█" * 20
    assert hbar(5, 10, 20) == "█" * 10
    assert hbar(1, 160, 20) == "▏"  # tiny but not zero: a sliver
    assert hbar(3, 16, 4) == "▊"  # 0.75 of a cell
    assert columns([0, 4, 8], 2) == ["  █", " ██"]


async def test_first_frame_comes_before_the_report_and_fills_in(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await open_reports(pilot, Gate)
        await pilot.pause()
        text = screen_text(app)
        assert "Reports · last 30 days · team: all teams · agent: all agents" in text
        assert "Tickets opened and closed per day" in text and "loading…" in text
        assert app.screen.report is None
        spy.gate.set()
        await wait_for(pilot, lambda: app.screen.report is not None)
        await pilot.pause()
        report = app.screen.report
        text = screen_text(app)
        assert f"{report.opened:,} opened · {report.closed:,} closed" in text
        assert "loading…" not in text
        # The backlog bars carry their numbers.
        for row in report.backlog:
            line = next(x for x in text.splitlines() if x.strip().startswith(row.stage_name))
            assert "█" in line and line.split("█")[-1].split()[-2 if "▆" in line else -1] \
                == f"{row.open:,}" or line.split()[-1] == f"{row.open:,}"


async def test_every_chart_shows_its_figures(demo_db):
    add_ratings(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 60)) as pilot:
        await open_reports(pilot)
        await wait_for(pilot, lambda: app.screen.report is not None)
        await pilot.pause()
        report = app.screen.report
        text = screen_text(app)
        sla = report.sla
        assert f"{sla.success_rate * 100:.1f}% met · {sla.reached:,} ✓ met · " \
               f"{sla.failed:,} ✗ failed" in text
        assert "░" in text  # failed part of the SLA bar: a glyph, not only a colour
        first = report.first_response
        assert f"median {first.median_hours:.1f} h" in text
        assert f"{first.count:,} tickets" in text
        assert report.ratings_by_team and report.ratings_by_agent
        for r in report.ratings_by_team + report.ratings_by_agent:
            assert f"{r.average:.1f} of 5 · {r.satisfied}☺ {r.okay}≈ {r.dissatisfied}☹ " \
                   f"({r.count})" in text
        assert "█ satisfied  ▓ okay  ░ dissatisfied" in text
        peak = max(report.per_day, key=lambda d: d.opened)
        assert f"peak {peak.opened} on {peak.day[5:]}" in text
        assert f"{report.opened} opened" in text


async def test_filters_team_agent_and_period_reach_the_backend(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await open_reports(pilot)
        await wait_for(pilot, lambda: app.screen.report is not None)
        (first,), _ = spy.writes("report")[0]
        assert (first.team_id, first.agent_id, first.since) == (None, None,
                                                                NOW - timedelta(days=30))
        await pilot.press("t")
        await wait_for(pilot, lambda: "Report on the team" in screen_text(app))
        await pilot.press("down", "enter")
        team = app.teams[0]
        await wait_for(pilot, lambda: spy.writes("report")[-1][0][0].team_id == team.id)
        await wait_for(pilot, lambda: app.screen.report.filter.team_id == team.id)
        assert f"team: {team.name}" in screen_text(app)

        await pilot.press("a")
        await wait_for(pilot, lambda: "Report on the agent" in screen_text(app))
        await pilot.press("down", "enter")
        agent = (await app.agent_list())[0]
        await wait_for(pilot, lambda: spy.writes("report")[-1][0][0].agent_id == agent.id)
        assert f"agent: {agent.name}" in screen_text(app)

        await pilot.press("p")
        await wait_for(pilot, lambda: "Period" in screen_text(app))
        await pilot.press("home", "enter")  # last 7 days
        await wait_for(pilot, lambda: spy.writes("report")[-1][0][0].since
                       == NOW - timedelta(days=7))
        last = spy.writes("report")[-1][0][0]
        assert (last.team_id, last.agent_id) == (team.id, agent.id)
        await wait_for(pilot, lambda: len(app.screen.report.per_day) in (7, 8))
        assert "last 7 days" in screen_text(app)

        await pilot.press("t", "home", "enter")  # all teams again
        await wait_for(pilot, lambda: spy.writes("report")[-1][0][0].team_id is None)


class HoldFirst(Everything):
    """Holds only the first `report` call: its answer comes after a newer one."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.gate = asyncio.Event()
        self.held = 0

    def __getattr__(self, name):
        call = super().__getattr__(name)
        if name != "report":
            return call

        async def maybe_held(*args, **kwargs):
            self.held += 1
            if self.held == 1:
                result = await call(*args, **kwargs)
                await self.gate.wait()
                return result
            return await call(*args, **kwargs)

        return maybe_held


async def test_a_late_answer_for_an_old_filter_is_dropped(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await open_reports(pilot, HoldFirst)
        screen = app.screen
        await pilot.press("p")
        await wait_for(pilot, lambda: "Period" in screen_text(app))
        await pilot.press("home", "enter")  # last 7 days, while the 30 days still load
        await wait_for(pilot, lambda: screen.report is not None)
        assert screen.report.since == NOW - timedelta(days=7)
        spy.gate.set()  # the 30-day answer arrives late
        await pilot.pause(0.2)
        assert screen.report.since == NOW - timedelta(days=7)
        assert "last 7 days" in screen_text(app)


async def test_escape_goes_back_and_keys_scroll(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reports(pilot)
        await wait_for(pilot, lambda: app.screen.report is not None)
        body = app.screen.query_one("#report-body")
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: is_ready(app))


async def _reports(pilot):
    await open_reports(pilot)
    await wait_for(pilot, lambda: pilot.app.screen.report is not None)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reports_snapshot(snap_compare, demo_db, size):
    add_ratings(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_reports)
