"""A view's keyset pages hold exactly the tickets its filter keeps, each once, newest
change first: checked against the board's pages of every team the agent sees."""

from __future__ import annotations

import pytest

from deskline.models import SavedViewCreate, ViewFilter
from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.conftest import ALICE


@pytest.fixture
def alice(demo_db):
    store = SqliteStore.open(demo_db)
    yield Service(store, resolve_agent(store, ALICE))
    store.close()


def _cards(svc: Service) -> list:
    """Every card (archived ones aside) of every team the agent sees, from the board."""
    cards = []
    for team in svc.list_teams():
        for column in svc.board_columns(team.id):
            cursor = None
            while True:
                page = svc.board_page(team.id, column.stage.id, cursor=cursor, limit=200)
                cards += page.items
                if (cursor := page.next_cursor) is None:
                    break
    return cards


def test_view_pages_keep_exactly_what_the_filter_says(alice):
    me = alice.me().id
    alice.refresh_sla()  # as an SLA view does before it reads
    cards = _cards(alice)
    teams = sorted({c.team_id for c in cards})
    stages = sorted({c.stage_id for c in cards})
    cases = [
        (ViewFilter(), lambda c: not c.closed),
        (ViewFilter(open_only=False), lambda c: True),
        (ViewFilter(assignee="none", priorities=[2, 3]),
         lambda c: not c.closed and c.assignee_id is None and c.priority >= 2),
        (ViewFilter(assignee="me", open_only=False), lambda c: c.assignee_id == me),
        (ViewFilter(team_ids=teams[:2], stage_ids=stages[1:3]),
         lambda c: not c.closed and c.team_id in teams[:2] and c.stage_id in stages[1:3]),
        (ViewFilter(tags=["vip", "billing"], open_only=False),
         lambda c: {"vip", "billing"} <= set(c.tags)),
        (ViewFilter(sla="failed"), lambda c: not c.closed and c.sla_status == "failed"),
    ]
    for n, (f, keeps) in enumerate(cases):
        view = alice.create_view(SavedViewCreate(name=f"case {n}", filter=f))
        rows, cursor = [], None
        while True:
            page = alice.view_tickets(view.id, cursor, limit=9)
            rows += page.items
            if (cursor := page.next_cursor) is None:
                break
        ids = [r.id for r in rows]
        assert len(ids) == len(set(ids)), f
        assert set(ids) == {c.id for c in cards if keeps(c)}, f
        keys = [(r.updated_at, r.id) for r in rows]
        assert keys == sorted(keys, reverse=True), f
    assert any(len(alice.view_tickets(v.id, limit=200).items) > 9 for v in alice.list_views())


def test_waiting_in_a_stage_counts_from_the_move_and_unchanged_from_any_change(alice):
    waiting = alice.create_view(SavedViewCreate(name="in stage", filter=ViewFilter(
        in_stage_days=1, assignee="me")))
    idle = alice.create_view(SavedViewCreate(name="idle", filter=ViewFilter(
        idle_days=1, assignee="me")))
    ticket = alice.view_tickets(waiting.id, limit=1).items[0]
    alice.comment(ticket.id, "Still waiting for the customer")  # a change, not a move

    def ids(view) -> set[int]:
        return {r.id for r in alice.view_tickets(view.id, limit=200).items}

    assert ticket.id in ids(waiting) and ticket.id not in ids(idle)
    team = next(t for t in alice.list_teams() if t.id == ticket.team_id)
    other = next(s for s in team.stage_ids if s != ticket.stage_id)
    alice.move_ticket(ticket.id, alice.get_ticket(ticket.id).version, other)
    assert ticket.id not in ids(waiting)
