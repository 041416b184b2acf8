"""The store's board pages filter and order exactly as the models say (`BoardFilter.matches`,
`board_order`, `Ticket.card`): the console places a changed card by those functions
without asking the store again."""

from __future__ import annotations

from collections import Counter

import pytest

from deskline.models import BoardFilter, board_order
from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.conftest import ALICE


@pytest.fixture
def alice(demo_db):
    store = SqliteStore.open(demo_db)
    yield Service(store, resolve_agent(store, ALICE))
    store.close()


def _column(svc: Service, team_id: int, stage_id: int, f: BoardFilter | None) -> list:
    """Every card of the column, through keyset pages small enough to need several."""
    cards, cursor = [], None
    while True:
        page = svc.board_page(team_id, stage_id, f, cursor=cursor, limit=7)
        cards += page.items
        cursor = page.next_cursor
        if cursor is None:
            return cards


def test_board_pages_filter_and_order_as_the_models_say(alice):
    team = next(t for t in alice.list_teams() if t.name == "Customer Care")
    me = alice.me().id
    stages = [c.stage for c in alice.board_columns(team.id)]
    everything = {s.id: _column(alice, team.id, s.id, None) for s in stages}
    cards = [c for column in everything.values() for c in column]
    assert any(c.assignee_id == me for c in cards) and any(c.assignee_id is None for c in cards)
    tag = Counter(t for c in cards for t in c.tags).most_common(1)[0][0]
    filters = [BoardFilter(mine=True), BoardFilter(unassigned=True), BoardFilter(tag=tag),
               BoardFilter(tag=tag, unassigned=True), BoardFilter(mine=True, priority=2),
               *(BoardFilter(priority=p) for p in range(4))]
    for stage in stages:
        column = everything[stage.id]
        assert column == sorted(column, key=board_order)
        for f in filters:
            assert f.on_card
            expected = [c for c in column if f.matches(c, me)]
            assert _column(alice, team.id, stage.id, f) == expected, (stage.name, f)
        counts = {c.stage.id: c.count for c in alice.board_columns(team.id, filters[0])}
        assert counts[stage.id] == len([c for c in column if filters[0].matches(c, me)])


def test_text_and_project_are_for_the_store_only():
    assert not BoardFilter(text="printer").on_card
    assert not BoardFilter(project_id=1).on_card
    assert BoardFilter(mine=True, tag="x").on_card


def test_a_tickets_card_is_the_card_the_store_lists(alice):
    team = next(t for t in alice.list_teams() if t.name == "Customer Care")
    for column in alice.board_columns(team.id):
        for card in alice.board_page(team.id, column.stage.id, limit=5).items:
            assert alice.get_ticket(card.id).card() == card
