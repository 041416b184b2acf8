"""Contract: many tickets at once — preview, apply, refusals, undo of the last one."""

from __future__ import annotations

import pytest

from deskline.errors import NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    BoardFilter,
    BulkAction,
    BulkItem,
    BulkMatch,
    BulkRequest,
    MessageKind,
    TicketUpdate,
)
from tests.conftest import ADMIN, ALICE, PORTAL
from tests.contract.helpers import team_named as _team


async def _open_cards(backend, team, count):
    cards = []
    for stage_id in team.stage_ids:
        page = await backend.board_page(team.id, stage_id, limit=100)
        cards += [c for c in page.items if not c.closed]
    return cards[:count]


async def test_marked_tickets_preview_apply_and_undo(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    care = await _team(alice, "Customer Care")
    hidden = await _team(admin, "Platform Escalations")  # private; Alice is not invited
    cards = [c for c in await _open_cards(alice, care, 20) if c.priority != 3][:4]
    secret = (await _open_cards(admin, hidden, 1))[0]
    stale = cards[3]
    await admin.assign_ticket(stale.id, stale.version, None if stale.assignee_id else
                              (await admin.me()).id)
    items = [BulkItem(ticket_id=c.id, version=c.version) for c in cards]
    items.append(BulkItem(ticket_id=secret.id, version=secret.version))
    request = BulkRequest(action=BulkAction.priority, priority=3, tickets=items)

    preview = await alice.bulk_preview(request)
    assert preview.total == 5 and preview.undoable
    assert preview.changed == [c.id for c in cards[:3]]
    skipped = {s.ticket_id: s for s in preview.skipped}
    assert skipped[stale.id].reason == "changed_since"
    assert skipped[stale.id].number == stale.number
    # Not visible: nothing but the id that was sent.
    assert skipped[secret.id].reason == "not_visible" and skipped[secret.id].number is None
    assert secret.subject not in skipped[secret.id].detail
    assert (await alice.get_ticket(cards[0].id)).version == cards[0].version  # nothing written

    done = await alice.bulk_apply(request)
    assert done.changed == preview.changed
    assert {s.ticket_id for s in done.skipped} == {stale.id, secret.id}
    first = await alice.get_ticket(cards[0].id)
    assert first.priority == 3 and first.version == cards[0].version + 1
    thread = (await alice.ticket_messages(first.id, limit=200)).items
    assert thread[-1].kind is MessageKind.event and "priority" in thread[-1].body

    # Someone changes one of them: the undo puts back the others and says which it left.
    moved = await admin.get_ticket(cards[1].id)
    await admin.update_ticket(moved.id, moved.version,
                               TicketUpdate(subject="Changed meanwhile"))
    undone = await alice.undo_last_bulk()
    assert undone.changed == [cards[0].id, cards[2].id]
    assert [(s.ticket_id, s.reason) for s in undone.skipped] == [(cards[1].id,
                                                                   "changed_since")]
    assert (await alice.get_ticket(cards[0].id)).priority == cards[0].priority
    assert (await alice.get_ticket(cards[1].id)).priority == 3
    with pytest.raises(NotFound):  # one undo, of the last bulk action only
        await alice.undo_last_bulk()


async def test_all_that_match_a_filter_then_merge(open_backend):
    alice = await open_backend(ALICE)
    care = await _team(alice, "Customer Care")
    first = care.stage_ids[0]
    match = BulkMatch(team_id=care.id, stage_id=first, filter=BoardFilter(priority=2))
    counted = {c.stage.id: c.count for c in await alice.board_columns(
        care.id, BoardFilter(priority=2))}
    request = BulkRequest(action=BulkAction.add_tag, tag="bulk-checked", match=match)
    preview = await alice.bulk_preview(request)
    assert preview.total == counted[first] > 0
    done = await alice.bulk_apply(request)
    assert len(done.changed) + len(done.unchanged) == counted[first]
    page = await alice.board_page(care.id, first, BoardFilter(tag="bulk-checked"), limit=200)
    assert {c.id for c in page.items} == set(done.changed) | set(done.unchanged)

    # A bad argument refuses the whole request, naming the field.
    with pytest.raises(ValidationFailed) as err:
        await alice.bulk_preview(BulkRequest(action=BulkAction.move, match=match))
    assert err.value.field == "stage_id"

    cards = page.items[:3]
    merge = BulkRequest(action=BulkAction.merge, tickets=[
        BulkItem(ticket_id=c.id, version=(await alice.get_ticket(c.id)).version)
        for c in cards])
    preview = await alice.bulk_preview(merge)
    assert not preview.undoable and "cannot be undone" in preview.note
    oldest = min(cards, key=lambda c: (c.created_at, c.number))
    assert preview.target_id == oldest.id
    done = await alice.bulk_apply(merge)
    assert sorted(done.changed) == sorted(c.id for c in cards)
    for card in cards:
        if card.id != oldest.id:
            assert (await alice.get_ticket(card.id)).merged_into == oldest.id
    with pytest.raises(NotFound):  # a merge is the last bulk action and has no undo
        await alice.undo_last_bulk()

    portal = await open_backend(PORTAL)
    with pytest.raises(PermissionDenied):
        await portal.bulk_apply(BulkRequest(action=BulkAction.close, tickets=[
            BulkItem(ticket_id=cards[0].id, version=1)]))
