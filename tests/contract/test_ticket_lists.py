"""Contract: the integrations' ticket list (filters, sorts, keyset pages, visibility) and
the change feed (each ticket once at its latest change, tombstones, cursors)."""

from __future__ import annotations

import pytest

from deskline.errors import ValidationFailed
from deskline.models import TicketListFilter, TicketUpdate
from deskline.store import ticket_lists
from tests.conftest import ADMIN, JONAS, PORTAL
from tests.contract.helpers import every_page


async def _all(backend, f: TicketListFilter | None = None, limit: int = 200):
    return await every_page(lambda cursor: backend.list_tickets(f, cursor, limit))


async def _drain(backend, cursor=None, limit=1000):
    items = []
    while True:
        page = await backend.ticket_changes(cursor, limit)
        items += page.items
        cursor = page.cursor
        if not page.more:
            return items, cursor


async def test_list_filters_sorts_and_pages(open_backend):
    admin = await open_backend(ADMIN)
    first = (await admin.list_tickets(TicketListFilter(status="closed"), limit=1)).items[0]
    await admin.archive_ticket(first.id, first.version)
    everything = await _all(admin)
    assert len(everything) == len({t.id for t in everything}) == 300
    assert [(t.updated_at, t.id) for t in everything] == sorted(
        ((t.updated_at, t.id) for t in everything), reverse=True)
    by_priority = await _all(admin, TicketListFilter(sort="priority"), limit=37)
    assert [t.id for t in by_priority] == [t.id for t in sorted(
        everything, key=lambda t: (t.priority, t.created_at, t.id), reverse=True)]
    by_created = await _all(admin, TicketListFilter(sort="created"), limit=90)
    assert [t.id for t in by_created] == [t.id for t in sorted(
        everything, key=lambda t: (t.created_at, t.id), reverse=True)]

    oldest_first = await _all(admin, TicketListFilter(sort="created", order="asc"), limit=90)
    assert [t.id for t in oldest_first] == [t.id for t in reversed(by_created)]

    sample = next(t for t in everything if t.assignee_id and t.customer_id and t.tags
                  and t.organization_id)
    middle = sorted(t.created_at for t in everything)[150]
    changed = sorted(t.updated_at for t in everything)[100]
    checks = [
        (TicketListFilter(team_id=sample.team_id, stage_id=sample.stage_id),
         lambda t: t.team_id == sample.team_id and t.stage_id == sample.stage_id),
        (TicketListFilter(assignee=sample.assignee_id, priority=sample.priority),
         lambda t: t.assignee_id == sample.assignee_id and t.priority == sample.priority),
        (TicketListFilter(assignee="none", status="open"),
         lambda t: t.assignee_id is None and t.closed_at is None and not t.archived
         and t.merged_into is None),
        (TicketListFilter(customer_id=sample.customer_id), lambda t: t.customer_id ==
         sample.customer_id),
        (TicketListFilter(organization_id=sample.organization_id, status="closed"),
         lambda t: t.organization_id == sample.organization_id and t.closed_at is not None
         and not t.archived),
        (TicketListFilter(tag=sample.tags[0]), lambda t: sample.tags[0] in t.tags),
        (TicketListFilter(status="archived"), lambda t: t.archived),
        (TicketListFilter(created_since=middle, updated_until=changed),
         lambda t: t.created_at >= middle and t.updated_at < changed),
        (TicketListFilter(created_until=middle, sort="priority"),
         lambda t: t.created_at < middle),
    ]
    empty = []
    for f, keep in checks:
        got = await _all(admin, f)
        assert {t.id for t in got} == {t.id for t in everything if keep(t)}, f
        empty.append(not got)
    assert sum(empty) <= 1, empty  # the filters were put to work
    assert sample.id in {t.id for t in await _all(admin, TicketListFilter(
        text=str(sample.number)))}
    words = await _all(admin, TicketListFilter(text=sample.subject.split()[0]))
    assert sample.id in {t.id for t in words}
    tagged = await _all(admin, TicketListFilter(tag=sample.tags[0], sort="created"))
    await open_backend.patch(ticket_lists, "COMMON_TAG", 0)  # looked up per row instead
    admin = await open_backend(ADMIN)  # on a server started with it, if there is one
    assert await _all(admin, TicketListFilter(tag=sample.tags[0], sort="created")) == tagged
    me = await admin.me()
    mine = await _all(admin, TicketListFilter(assignee="me"))
    assert {t.id for t in mine} == {t.id for t in everything if t.assignee_id == me.id}


async def test_list_visibility_and_refusals(open_backend):
    admin, jonas, portal = (await open_backend(ADMIN), await open_backend(JONAS),
                            await open_backend(PORTAL))
    everything = await _all(admin)
    visible_teams = {t.id for t in await jonas.list_teams()}
    seen = await _all(jonas)
    assert seen and {t.team_id for t in seen} <= visible_teams
    hidden = next(t for t in await admin.list_teams() if t.id not in visible_teams)
    with pytest.raises(ValidationFailed) as refused:
        await jonas.list_tickets(TicketListFilter(team_id=hidden.id))
    assert refused.value.field == "team_id"
    assert not [t for t in await _all(jonas, TicketListFilter(sort="created"))
                if t.team_id == hidden.id]
    own = await _all(portal)
    me = await portal.me()
    assert own and {t.customer_id for t in own} == {me.customer_id}
    assert len(own) < len(everything)
    with pytest.raises(ValidationFailed) as bad:
        await admin.list_tickets(TicketListFilter(), cursor="not a cursor")
    assert bad.value.field == "cursor"
    page = await admin.list_tickets(TicketListFilter(sort="created"), limit=2)
    with pytest.raises(ValidationFailed) as other:
        await admin.list_tickets(TicketListFilter(sort="updated"), cursor=page.next_cursor)
    assert other.value.field == "cursor"
    with pytest.raises(ValidationFailed) as big:
        await admin.list_tickets(limit=1000)
    assert big.value.field == "limit"


async def test_change_feed_cursor_tombstones_and_visibility(open_backend):
    admin, jonas = await open_backend(ADMIN), await open_backend(JONAS)
    first, cursor = await _drain(admin, limit=120)
    assert len(first) == len({c.id for c in first}) == 300
    assert [c.seq for c in first] == sorted(c.seq for c in first)
    assert all(not c.deleted and c.ticket and c.ticket.id == c.id for c in first)
    page = await admin.ticket_changes(cursor)
    assert page.items == [] and page.cursor == cursor and not page.more

    visible_teams = {t.id for t in await jonas.list_teams()}
    seen_by_jonas, jonas_cursor = await _drain(jonas)
    assert {c.id for c in seen_by_jonas} == {
        c.id for c in first if c.ticket and c.ticket.team_id in visible_teams}

    tickets = {c.id: c.ticket for c in first}
    shown = next(t for t in tickets.values() if t and t.team_id in visible_teams)
    hidden = next(t for t in tickets.values() if t and t.team_id not in visible_teams)
    updated = await admin.update_ticket(shown.id, shown.version, TicketUpdate(
        priority=3 - shown.priority))
    await admin.update_ticket(hidden.id, hidden.version, TicketUpdate(subject="Moved on"))
    gone = next(t for t in tickets.values() if t and t.id not in (shown.id, hidden.id)
                and t.team_id in visible_teams)
    await admin.delete_ticket(gone.id, gone.version)

    changes, _ = await _drain(admin, cursor)
    assert [c.id for c in changes] == [shown.id, hidden.id, gone.id]
    assert changes[0].ticket.version == updated.version
    assert changes[2].deleted and changes[2].number == gone.number and changes[2].ticket is None
    later, after = await _drain(jonas, jonas_cursor)
    assert [c.id for c in later] == [shown.id, gone.id]  # the hidden ticket is skipped
    assert (await jonas.ticket_changes(after)).items == []

    again = await admin.ticket_changes(None, 1000)  # from the start: each ticket once
    assert len(again.items) == 300 and sum(c.deleted for c in again.items) == 1
    with pytest.raises(ValidationFailed) as bad:
        await admin.ticket_changes("nonsense")
    assert bad.value.field == "cursor"
    with pytest.raises(ValidationFailed) as big:
        await admin.ticket_changes(None, 5000)
    assert big.value.field == "limit"


async def test_change_feed_resets_a_cursor_from_elsewhere(open_backend):
    admin = await open_backend(ADMIN)
    from deskline.store import keyset

    page = await admin.ticket_changes(keyset.encode(10**9), 50)
    assert page.reset and len(page.items) == 50 and page.more
