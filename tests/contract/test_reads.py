"""Contract: what an agent reads — dashboard, board, tickets, threads, search, visibility."""

from __future__ import annotations

import pytest

from deskline.errors import NotFound, ValidationFailed
from deskline.models import BoardFilter, MessageKind
from tests.conftest import ADMIN, ALICE, JONAS, PORTAL
from tests.contract.helpers import every_page, team_named


async def _all_cards(backend, team_id: int, stage_id: int, flt=None, limit=50):
    return await every_page(lambda cursor: backend.board_page(team_id, stage_id, flt,
                                                              cursor=cursor, limit=limit))


async def test_me_and_visible_teams(open_backend):
    alice = await open_backend(ALICE)
    me = await alice.me()
    assert me.email == ALICE and me.role.value == "agent"
    names = {t.name for t in await alice.list_teams()}
    # Alice is in Billing (private) and Customer Care; Onboarding is public;
    # Platform Escalations is private and she is not invited.
    assert names == {"Billing", "Customer Care", "Onboarding"}
    jonas = await open_backend(JONAS)
    assert {t.name for t in await jonas.list_teams()} == {"Customer Care", "Onboarding"}
    admin = await open_backend(ADMIN)
    assert len(await admin.list_teams()) == 4


async def test_dashboard_matches_the_board(open_backend):
    alice = await open_backend(ALICE)
    figures = {f.team_name: f for f in await alice.dashboard()}
    assert set(figures) == {"Billing", "Customer Care", "Onboarding"}
    care = await team_named(alice, "Customer Care")
    columns = await alice.board_columns(care.id)
    open_count = sum(c.count for c in columns if not c.stage.closing)
    assert figures["Customer Care"].open == open_count
    unassigned = await alice.board_columns(care.id, BoardFilter(unassigned=True))
    assert figures["Customer Care"].unassigned == sum(
        c.count for c in unassigned if not c.stage.closing)
    mine = await alice.my_tickets(limit=200)
    assert sum(f.mine for f in figures.values()) == len(mine.items)
    assert all(card.assignee_name == "Alice Martin" and not card.closed for card in mine.items)
    f = figures["Customer Care"]
    assert 0 <= f.urgent <= f.open and 0 <= f.sla_failed <= f.open


async def test_board_columns_in_stage_order_and_pages_cover_each_column(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice, "Customer Care")
    columns = await alice.board_columns(care.id)
    assert [c.stage.name for c in columns] == [
        "New", "In Progress", "Waiting on Customer", "Solved", "Cancelled"]
    assert [c.stage.closing for c in columns] == [False, False, False, True, True]
    biggest = max(columns, key=lambda c: c.count)
    cards = await _all_cards(alice, care.id, biggest.stage.id, limit=7)
    assert len(cards) == biggest.count > 7
    assert len({c.id for c in cards}) == len(cards)
    keys = [(c.priority, c.created_at, c.id) for c in cards]
    assert keys == sorted(keys, reverse=True)  # priority first, then newest
    assert all(c.stage_id == biggest.stage.id and c.team_id == care.id for c in cards)
    assert all(c.closed for c in cards) == biggest.stage.closing


async def test_board_filters(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice, "Customer Care")
    new = (await alice.board_columns(care.id))[0].stage
    everything = await _all_cards(alice, care.id, new.id)
    urgent = await _all_cards(alice, care.id, new.id, BoardFilter(priority=3))
    assert {c.id for c in urgent} == {c.id for c in everything if c.priority == 3}
    tagged = await _all_cards(alice, care.id, new.id, BoardFilter(tag="bug"))
    assert {c.id for c in tagged} == {c.id for c in everything if "bug" in c.tags}
    mine = await _all_cards(alice, care.id, new.id, BoardFilter(mine=True))
    assert {c.id for c in mine} == {c.id for c in everything if c.assignee_name == "Alice Martin"}
    word = everything[0].subject.split()[0]
    texted = await _all_cards(alice, care.id, new.id, BoardFilter(text=word))
    assert everything[0].id in {c.id for c in texted}
    number = await _all_cards(alice, care.id, new.id, BoardFilter(text=f"#{everything[0].number}"))
    assert [c.id for c in number] == [everything[0].id]
    seen_projects = 0
    for project in await alice.list_projects():
        members = {c.id for c in (await alice.list_customers(project_id=project.id,
                                                             limit=200)).items}
        cards = await _all_cards(alice, care.id, new.id, BoardFilter(project_id=project.id))
        for c in cards:
            assert (await alice.get_ticket(c.id)).customer_id in members
        expected = [c.id for c in everything
                    if (await alice.get_ticket(c.id)).customer_id in members]
        assert sorted(c.id for c in cards) == sorted(expected)
        seen_projects += bool(cards)
    assert seen_projects


async def test_bad_cursor_and_limit_are_refused(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice, "Customer Care")
    with pytest.raises(ValidationFailed) as err:
        await alice.board_page(care.id, care.stage_ids[0], cursor="not-a-cursor")
    assert err.value.field == "cursor"
    with pytest.raises(ValidationFailed):
        await alice.board_page(care.id, care.stage_ids[0], limit=0)


async def test_ticket_and_thread_paging(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice, "Customer Care")
    solved = next(c for c in await alice.board_columns(care.id) if c.stage.name == "Solved")
    card = (await alice.board_page(care.id, solved.stage.id, limit=1)).items[0]
    ticket = await alice.get_ticket(card.id)
    assert ticket.number == card.number and ticket.subject == card.subject
    assert ticket.team_name == "Customer Care" and ticket.stage_name == "Solved"
    assert ticket.closed_at is not None
    assert (await alice.get_ticket_by_number(ticket.number)).id == ticket.id
    seen, cursor = [], None
    while True:
        page = await alice.ticket_messages(ticket.id, cursor=cursor, limit=3)
        seen += page.items
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == ticket.message_count
    assert [m.id for m in seen] == sorted(m.id for m in seen)  # oldest first
    assert {m.kind for m in seen} <= set(MessageKind)


async def test_invisible_ticket_is_missing_everywhere(open_backend):
    admin = await open_backend(ADMIN)
    escalations = await team_named(admin, "Platform Escalations")
    column = next(c for c in await admin.board_columns(escalations.id) if c.count)
    hidden = (await admin.board_page(escalations.id, column.stage.id, limit=1)).items[0]
    jonas = await open_backend(JONAS)
    for call in (jonas.get_ticket(hidden.id), jonas.ticket_messages(hidden.id),
                 jonas.get_ticket_by_number(hidden.number),
                 jonas.board_columns(escalations.id),
                 jonas.comment(hidden.id, "hello"),
                 jonas.move_ticket(hidden.id, hidden.version, column.stage.id)):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(NotFound) as missing:
        await jonas.get_ticket(10 ** 9)
    with pytest.raises(NotFound) as invisible:
        await jonas.get_ticket(hidden.id)
    # Same words for missing and invisible, apart from the id asked for.
    assert str(missing.value).replace(str(10 ** 9), "N") == \
        str(invisible.value).replace(str(hidden.id), "N")
    assert hidden.id not in {h.ticket.id for h in await jonas.search(f"#{hidden.number}")}
    assert hidden.id not in {h.ticket.id for h in await jonas.search(hidden.subject)}
    assert escalations.id not in {f.team_id for f in await jonas.dashboard()}


async def test_portal_sees_own_public_tickets_without_internal_notes(open_backend):
    portal = await open_backend(PORTAL)
    admin = await open_backend(ADMIN)
    me = await portal.me()
    onboarding = await team_named(admin, "Onboarding")
    created = await portal.create_ticket(_ticket_create(onboarding.id, "Portal question"))
    assert created.customer_id == me.customer_id
    await admin.comment(created.id, "internal: customer is on the old plan")
    await admin.reply(created.id, "Hello, we are looking at it")
    thread = await portal.ticket_messages(created.id)
    assert [m.kind for m in thread.items] == [MessageKind.reply]
    assert "internal" not in " ".join(m.body for m in thread.items)
    care = await team_named(admin, "Customer Care")
    other = (await admin.board_page(care.id, care.stage_ids[0], limit=1)).items[0]
    with pytest.raises(NotFound):
        await portal.get_ticket(other.id)


def _ticket_create(team_id: int, subject: str, **kw):
    from deskline.models import TicketCreate

    return TicketCreate(team_id=team_id, subject=subject, **kw)


async def test_search_finds_numbers_emails_subjects_and_messages(open_backend):
    alice = await open_backend(ALICE)
    care = await team_named(alice, "Customer Care")
    made = await alice.create_ticket(_ticket_create(care.id, "Quokka sync failure"))
    await alice.comment(made.id, "the wombatlog shows a checksum mismatch")
    by_number = await alice.search(f"#{made.number}")
    assert [(h.ticket.id, h.matched) for h in by_number] == [(made.id, "number")]
    by_subject = await alice.search("quokka")
    assert by_subject[0].ticket.id == made.id and by_subject[0].matched == "subject"
    by_message = await alice.search("wombatlog")
    assert by_message[0].ticket.id == made.id and by_message[0].matched == "message"
    assert "wombatlog" in by_message[0].snippet
    # Words inside addresses, links, paths and versions are words (as FTS5 cuts them).
    await alice.comment(made.id, "ask ines.quarterfold@numbat.example, see "
                                 "https://wiki.numbat.example/Sync_Setup or /opt/numbat/4.17.2")
    for words in ("quarterfold", "numbat", "setup wiki", "17"):
        found = await alice.search(words, limit=200)
        assert made.id in {h.ticket.id for h in found}, words
    customer = (await alice.list_customers(limit=1)).items[0]
    by_email = await alice.search(customer.email.upper())
    assert by_email and all(h.matched == "email" for h in by_email)
    common = await alice.search("printer", limit=20)
    assert len(common) == 20 and len({h.ticket.id for h in common}) == 20
    assert await alice.search("   ") == []


async def test_filtered_column_counts_stop_at_the_cap(open_backend):
    from deskline.service import reading

    await open_backend.patch(reading, "COLUMN_COUNT_CAP", 5)
    alice = await open_backend(ALICE)
    care = await team_named(alice, "Customer Care")
    exact = await alice.board_columns(care.id)
    assert not any(c.capped for c in exact) and max(c.count for c in exact) > 5
    word = (await alice.board_page(care.id, exact[0].stage.id, limit=1)).items[0].subject.split()[0]
    projects = [BoardFilter(project_id=p.id) for p in await alice.list_projects()]
    capped = []
    for flt in (BoardFilter(text=word), BoardFilter(tag="bug"), *projects):
        columns = await alice.board_columns(care.id, flt)
        for column in columns:  # the board's pages are the exact truth
            n = len(await _all_cards(alice, care.id, column.stage.id, flt))
            assert (column.count, column.capped) == ((5, True) if n > 5 else (n, False))
        capped.append(any(c.capped for c in columns))
    assert capped[:2] == [True, True] and any(capped[2:])
    portal = await open_backend(PORTAL)  # a portal account's board is counted too
    onboarding = await team_named(portal, "Onboarding")
    seen = 0
    for column in await portal.board_columns(onboarding.id):
        n = len(await _all_cards(portal, onboarding.id, column.stage.id))
        assert (column.count, column.capped) == ((5, True) if n > 5 else (n, False))
        seen += n
    assert seen
