"""Friction found trying an agent's day: writing on a merged ticket, the focus after
sending, taking a colleague's ticket, and the assign picker."""

from __future__ import annotations

from deskline.models import MergeRequest
from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_ticket
from tui.pickers import Confirm


async def test_sending_gives_the_focus_back_to_the_thread(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 1)
        backend = app.holder["backend"]
        await pilot.press("c", *"checked the logs", "ctrl+s")
        await wait_for(pilot, lambda: backend.writes("comment"))
        await wait_for(pilot, lambda: screen.chatter.has_focus)
        await pilot.press("c")  # the key bar's key again, not a letter in the box
        assert screen.composer.kind == "comment" and screen.composer.text == ""


async def test_a_merged_ticket_offers_the_one_it_was_merged_into(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        backend = app.holder["backend"]
        target = await backend.get_ticket_by_number(1)
        source = await backend.get_ticket_by_number(2)
        screen = await open_ticket(pilot, app, 2)  # opened before a colleague merges it
        await backend.merge(MergeRequest(target_id=target.id, source_ids=[source.id],
                                         versions={target.id: target.version,
                                                   source.id: source.version}))
        await pilot.press("r", *"Any news?", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"merged into #{target.number}" in screen_text(app)
        assert any("draft is kept" in str(n.message) for n in app._notifications)
        assert app.drafts.get(source.id).get("reply") == "Any news?"
        await pilot.press("enter")  # the first choice: open it
        await wait_for(pilot, lambda: app.screen is not screen and getattr(
            app.screen, "ticket", None) is not None and app.screen.ticket.id == target.id)
        await pilot.press("escape")  # back on the merged one: its header names the target
        await wait_for(pilot, lambda: app.screen is screen
                       and f"[merged into #{target.number}]" in screen_text(app))


async def test_taking_a_colleagues_ticket_asks_first(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        backend = app.holder["backend"]
        bruno = next(a for a in await backend.list_agents() if a.name == "Bruno Okafor")
        ticket = await backend.get_ticket_by_number(3)
        await backend.assign_ticket(ticket.id, ticket.version, bruno.id)
        screen = await open_ticket(pilot, app, 3)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert "#3 is assigned to Bruno Okafor. Take it?" in screen_text(app)
        await pilot.press("escape")  # left with Bruno: nothing written
        await wait_for(pilot, lambda: app.screen is screen)
        assert not backend.writes("assign_to_me")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")  # "Take it"
        await wait_for(pilot, lambda: backend.writes("assign_to_me"))
        await wait_for(pilot, lambda: screen.ticket.assignee_name == "Alice Martin")
        # Mine now: taking it again asks nothing.
        await pilot.press("a")
        await wait_for(pilot, lambda: len(backend.writes("assign_to_me")) == 2)
        assert app.screen is screen


async def test_assign_picker_team_first_filters_and_leaves_out_inactive(demo_db):
    from textual.widgets import OptionList

    from tui.pickers import AgentPicker

    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        backend = app.holder["backend"]
        screen = await open_ticket(pilot, app, 3)
        team = next(t for t in app.teams if t.id == screen.ticket.team_id)
        agents = await app.agent_list()
        gone = next(a for a in agents if a.id not in team.member_ids)
        app.agents = [a.model_copy(update={"active": False}) if a.id == gone.id else a
                      for a in agents]
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker))
        picker = app.screen
        members = [a.id for a in agents if a.id in team.member_ids]
        others = [a.id for a in agents if a.id not in team.member_ids and a.id != gone.id]
        assert picker.values == [0, *members, *others]
        assert members and others
        if members and others:  # a separator line between the team and everyone else
            options = picker.query_one(OptionList)
            assert options.option_count == len(picker.values)
            assert f"not in {team.name}" in screen_text(app)
        assert gone.name not in screen_text(app)
        bruno = next(a for a in agents if a.name == "Bruno Okafor")
        await pilot.press(*"okafor")
        await wait_for(pilot, lambda: picker.values == [bruno.id])
        await pilot.press("enter")
        await wait_for(pilot, lambda: backend.writes("assign_ticket"))
        assert backend.writes("assign_ticket")[0][0][2] == bruno.id

