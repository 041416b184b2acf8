"""Contract: customers and projects, closing, ratings and reports (issue 6).

A backend kind that does not offer one of these methods yet is skipped with the method's
name, so the gap shows in the test summary instead of failing every other kind."""

from __future__ import annotations

import pytest

from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    CustomerCreate,
    CustomerUpdate,
    MessageKind,
    RatingCreate,
    ReportFilter,
    TicketCreate,
)
from tests.conftest import ADMIN, ALICE, JONAS, PORTAL
from tests.contract.helpers import team_named


def need(backend, *names: str) -> None:
    for name in names:
        if not hasattr(backend, name):
            pytest.skip(f"{type(backend).__name__} does not implement {name} yet")


async def test_customers_by_project_and_unassigned(open_backend):
    alice = await open_backend(ALICE)
    need(alice, "list_projects")
    projects = await alice.list_projects()
    assert projects and all(p.organization_id for p in projects)
    members = []
    for project in projects:
        page = await alice.list_customers(project_id=project.id, limit=200)
        assert all(project.id in c.project_ids for c in page.items)
        members += page.items
    assert members
    loose = await alice.list_customers(unassigned=True, limit=200)
    assert loose.items and all(c.organization_id is None for c in loose.items)


async def test_update_customer_and_move_into_an_organization(open_backend):
    alice = await open_backend(ALICE)
    need(alice, "update_customer")
    loose = (await alice.list_customers(unassigned=True, limit=1)).items[0]
    org = (await alice.list_organizations())[0]
    moved = await alice.update_customer(loose.id, CustomerUpdate(organization_id=org.id,
                                                                 phone="+1 555 0100"))
    assert moved.organization_id == org.id and moved.phone == "+1 555 0100"
    assert moved.email == loose.email and moved.name == loose.name
    back = await alice.update_customer(loose.id, CustomerUpdate(organization_id=None))
    assert back.organization_id is None
    other = (await alice.list_customers(limit=2)).items[1]
    with pytest.raises(ConflictError) as err:
        await alice.update_customer(loose.id, CustomerUpdate(email=other.email.upper()))
    assert err.value.field == "email"
    with pytest.raises(ValidationFailed) as err:
        await alice.update_customer(loose.id, CustomerUpdate(organization_id=10 ** 6))
    assert err.value.field == "organization_id"
    with pytest.raises(NotFound):
        await alice.update_customer(10 ** 6, CustomerUpdate(name="x"))


async def test_invite_without_mail_configured_says_so(open_backend):
    alice = await open_backend(ALICE)
    need(alice, "invite_customer")
    result = await alice.invite_customer(CustomerCreate(email="new.person@example.org"))
    assert result.customer.email == "new.person@example.org" and result.customer.name == ""
    assert result.invitation_queued is False
    assert "no invitation was sent" in result.note
    with pytest.raises(ConflictError):
        await alice.invite_customer(CustomerCreate(email="NEW.person@example.org"))


async def test_customer_tickets(open_backend):
    alice = await open_backend(ALICE)
    need(alice, "customer_tickets")
    customer = (await alice.list_customers(limit=1)).items[0]
    page = await alice.customer_tickets(customer.id, limit=3)
    assert page.items
    seen = list(page.items)
    while page.next_cursor:
        page = await alice.customer_tickets(customer.id, cursor=page.next_cursor, limit=3)
        seen += page.items
    assert [t.created_at for t in seen] == sorted((t.created_at for t in seen), reverse=True)
    assert len({t.id for t in seen}) == len(seen)


async def test_organization_tickets(open_backend, backend_db):
    from deskline.store.opening import open_store

    alice = await open_backend(ALICE)
    jonas = await open_backend(JONAS)
    orgs = await alice.list_organizations()
    store = open_store(backend_db, create=False, pool_size=1)  # the truth, read directly
    try:
        counts = dict(store.conn.execute(
            "SELECT organization_id, count(*) FROM tickets WHERE organization_id IS NOT NULL"
            " AND archived = 0 GROUP BY organization_id").fetchall())
        org = max(orgs, key=lambda o: counts.get(o.id, 0))
        expected = {r[0] for r in store.conn.execute(
            "SELECT id FROM tickets WHERE organization_id = ? AND archived = 0", (org.id,))}
    finally:
        store.close()
    page = await alice.organization_tickets(org.id, limit=4)
    seen = list(page.items)
    while page.next_cursor:
        page = await alice.organization_tickets(org.id, cursor=page.next_cursor, limit=4)
        seen += page.items
    order = [(t.created_at, t.id) for t in seen]
    assert order == sorted(order, reverse=True) and len(set(order)) == len(order)
    visible = {t.id for t in seen}
    assert visible <= expected and len(visible) > 4
    # The one rule narrows it like every other list: Jonas sees no private team's ticket.
    jonas_sees = {t.team_id for t in (await jonas.organization_tickets(org.id, limit=200)).items}
    assert jonas_sees <= {t.id for t in await jonas.list_teams()}
    with pytest.raises(NotFound):
        await alice.organization_tickets(max(o.id for o in orgs) + 1)


async def test_close_and_rate(open_backend):
    alice = await open_backend(ALICE)
    need(alice, "close_my_ticket", "rate_ticket")
    care = await team_named(alice, "Customer Care")  # ratings on
    customer = (await alice.list_customers(limit=1)).items[0]
    ticket = await alice.create_ticket(TicketCreate(team_id=care.id, subject="Close me",
                                                    customer_id=customer.id))
    with pytest.raises(ValidationFailed):
        await alice.rate_ticket(ticket.id, RatingCreate(answer="okay"))
    closed = await alice.close_my_ticket(ticket.id, ticket.version)
    assert closed.closed_at is not None and closed.stage_name == "Solved"
    with pytest.raises(ConflictError):
        await alice.close_my_ticket(ticket.id, ticket.version)  # stale
    rated = await alice.rate_ticket(ticket.id, RatingCreate(answer="satisfied",
                                                            comment="Said so on the phone"))
    assert rated.rating == 5
    thread = await alice.ticket_messages(ticket.id, limit=50)
    events = [m for m in thread.items if m.kind is MessageKind.event]
    assert events[-1].body == "Rated satisfied (5/5): Said so on the phone"


async def test_portal_may_not_close_where_the_team_does_not_allow(open_backend):
    portal = await open_backend(PORTAL)
    need(portal, "close_my_ticket")
    onboarding = await team_named(portal, "Onboarding")
    ticket = await portal.create_ticket(TicketCreate(team_id=onboarding.id, subject="Help"))
    with pytest.raises(PermissionDenied):
        await portal.close_my_ticket(ticket.id, ticket.version)


async def test_a_portal_reply_reopens_the_closed_ticket(open_backend):
    portal = await open_backend(PORTAL)
    alice = await open_backend(ALICE)
    care = await team_named(portal, "Onboarding")  # public: the portal may open tickets there
    ticket = await portal.create_ticket(TicketCreate(team_id=care.id, subject="Still broken"))
    solved = next(s for s in await alice.list_stages(care.id) if s.closing)
    closed = await alice.move_ticket(ticket.id, ticket.version, solved.id)
    assert closed.closed_at is not None
    await portal.reply(ticket.id, "It broke again this morning.")
    reopened = await alice.get_ticket(ticket.id)
    first_open = next(s for s in await alice.list_stages(care.id) if not s.closing)
    assert reopened.closed_at is None and reopened.stage_id == first_open.id
    events = [m for m in (await alice.ticket_messages(ticket.id, limit=50)).items
              if m.kind is MessageKind.event]
    assert events[-1].events[0].field == "stage"
    assert (events[-1].events[0].old, events[-1].events[0].new) == (solved.name, first_open.name)
    assert events[-1].author_customer_id is not None and events[-1].author_agent_id is None
    # An agent's reply to a closed ticket leaves it closed.
    closed = await alice.move_ticket(ticket.id, reopened.version, solved.id)
    await alice.reply(ticket.id, "Glad it works now.")
    assert (await alice.get_ticket(ticket.id)).closed_at is not None


async def test_report(open_backend):
    admin = await open_backend(ADMIN)
    need(admin, "report")
    care = await team_named(admin, "Customer Care")
    whole = await admin.report()
    team = await admin.report(ReportFilter(team_id=care.id))
    assert whole.opened >= team.opened > 0
    assert len(whole.per_day) == 31 and sum(d.opened for d in whole.per_day) == whole.opened
    assert sum(b.open for b in team.backlog) > 0
    portal = await open_backend(PORTAL)
    with pytest.raises(PermissionDenied):
        await portal.report()


async def test_portal_limits(open_backend):
    portal = await open_backend(PORTAL)
    need(portal, "update_customer", "customer_tickets", "invite_customer")
    me = await portal.me()
    with pytest.raises(PermissionDenied):
        await portal.update_customer(me.customer_id, CustomerUpdate(name="Me"))
    with pytest.raises(PermissionDenied):
        await portal.invite_customer(CustomerCreate(email="friend@example.org"))
    with pytest.raises(NotFound):
        await portal.customer_tickets(me.customer_id + 1)
    onboarding = await team_named(portal, "Onboarding")
    await portal.create_ticket(TicketCreate(team_id=onboarding.id, subject="Mine"))
    own = await portal.customer_tickets(me.customer_id, limit=50)
    assert own.items and {t.team_id for t in own.items} == {onboarding.id}


async def test_report_by_agent_and_period(open_backend):
    from datetime import timedelta

    from tests.conftest import FIXED_NOW

    admin = await open_backend(ADMIN)
    need(admin, "report")
    alice = next(a for a in await admin.list_agents() if a.email == ALICE)
    since = FIXED_NOW - timedelta(days=90)
    mine = await admin.report(ReportFilter(agent_id=alice.id, since=since, until=FIXED_NOW))
    everyone = await admin.report(ReportFilter(since=since, until=FIXED_NOW))
    assert 0 < mine.opened < everyone.opened
    assert len(mine.per_day) == 91  # noon to noon: both partial days are listed
    assert mine.since == since and mine.until == FIXED_NOW
    with pytest.raises(ValidationFailed):
        await admin.report(ReportFilter(since=FIXED_NOW, until=since))


async def test_a_portal_account_opens_tickets_without_urgency_and_lists_its_own(open_backend):
    portal = await open_backend(PORTAL)
    onboarding = await team_named(portal, "Onboarding")
    with pytest.raises(PermissionDenied):
        await portal.create_ticket(TicketCreate(team_id=onboarding.id, subject="Now!",
                                                priority=3))
    ticket = await portal.create_ticket(TicketCreate(team_id=onboarding.id, subject="Help"))
    mine = await portal.my_tickets()
    assert ticket.id in [c.id for c in mine.items]
    agents = await portal.list_agents()
    assert agents and all(a.email == "" for a in agents)
    teams = await portal.list_teams()
    assert all(t.member_ids == [] and t.follower_ids == [] for t in teams)
