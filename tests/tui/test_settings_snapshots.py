"""SVG snapshots of the settings hub and the team form at 80×24 and 120×40.

The hub is drawn with every section available, so the picture does not depend on which
sections' modules are installed yet. Update with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_pilot import is_ready
from tui.screens.settings import SettingsHub
from tui.screens.settings.teams import TeamForm, TeamSettings

SIZES = [(80, 24), (120, 40)]


async def _hub(pilot):
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    await pilot.press("S")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsHub))
    await pilot.press("down")
    await pilot.pause()


async def _team_form(pilot):
    app = pilot.app
    await _hub(pilot)
    await pilot.press("up", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TeamSettings) and app.screen.teams)
    await pilot.press("enter")  # Billing, the first by name
    await wait_for(pilot, lambda: isinstance(app.screen, TeamForm)
                   and "Team Billing" in screen_text(app))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_hub(snap_compare, demo_db, size, monkeypatch):
    monkeypatch.setattr("tui.screens.settings.available", lambda module: True)
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_hub)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_team_form(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_team_form)
