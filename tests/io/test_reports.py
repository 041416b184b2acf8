"""Report figures against values worked out by hand on a small helpdesk.

The week of Monday 2026-11-16; both teams work Monday to Friday 9-17 UTC.

    T1 Desk, Ann:  created Mon 10:00, Ann replies 11:30 (1.5 h), solved Mon 15:00 (5 h),
                   SLA 8 h due Tue 10:00 -> reached; rated satisfied (5)
    T2 Desk, Bob:  created Mon 16:00, Bob replies Tue 10:00 (2 h), solved Wed 12:00 (12 h),
                   SLA due Tue 16:00 -> failed; rated dissatisfied (1)
    T3 Desk, Ann:  created Tue 09:00, moved to In Progress, a comment only: open, no reply
    T4 Other, Bob: created Thu 09:00, Bob replies 09:30 (0.5 h), solved 10:00 (1 h);
                   rated okay (3)
    T5 Desk:       created Sun 15th 12:00 (before the period), solved Mon 09:30 (0.5 h)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deskline.errors import PermissionDenied, ValidationFailed
from deskline.local import resolve_agent
from deskline.models import (
    AgentCreate,
    Calendar,
    CustomerCreate,
    RatingCreate,
    ReportFilter,
    SlaPolicyCreate,
    StageCreate,
    TeamCreate,
    TicketCreate,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import Clock

MON = datetime(2026, 11, 16, tzinfo=UTC)
SAT = datetime(2026, 11, 21, tzinfo=UTC)


def at(day: int, hour: float) -> datetime:
    """Day 0 is Monday the 16th; -1 is Sunday."""
    return datetime(2026, 11, 16 + day, int(hour), int(hour % 1 * 60), tzinfo=UTC)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    store = SqliteStore.open(tmp_path_factory.mktemp("report") / "week.db")
    with store.transaction():
        store.insert_agent("root@example.com", "Root", "admin", None)
    clock = Clock(at(-1, 11))
    root = Service(store, resolve_agent(store, None), clock=clock)
    ann = root.create_agent(AgentCreate(email="ann@example.com", name="Ann"))
    bob = root.create_agent(AgentCreate(email="bob@example.com", name="Bob"))
    new, progress, solved = (root.create_stage(StageCreate(name=n, closing=c))
                             for n, c in (("New", False), ("In Progress", False),
                                          ("Solved", True)))
    stages = [new.id, progress.id, solved.id]
    utc = Calendar(timezone="UTC")
    desk = root.create_team(TeamCreate(name="Desk", stage_ids=stages, calendar=utc,
                                       member_ids=[ann.id, bob.id], ratings=True))
    other = root.create_team(TeamCreate(name="Other", stage_ids=stages, calendar=utc,
                                        member_ids=[bob.id], ratings=True))
    root.create_sla_policy(SlaPolicyCreate(team_id=desk.id, name="Solve in 8h",
                                           target_stage_id=solved.id, hours=8))
    customer = root.create_customer(CustomerCreate(email="c@example.com", name="Cara"))
    as_ann = Service(store, store.agent(ann.id), clock=clock)
    as_bob = Service(store, store.agent(bob.id), clock=clock)

    def ticket(team, assignee, when, subject):
        clock.now = when
        return root.create_ticket(TicketCreate(team_id=team.id, subject=subject,
                                               assignee_id=assignee, customer_id=customer.id))

    def move(t, stage, when):
        clock.now = when
        return root.move_ticket(t.id, root.get_ticket(t.id).version, stage.id)

    def reply(svc, t, when):
        clock.now = when
        svc.reply(t.id, "On it.")

    def rate(t, answer, when):
        clock.now = when
        root.rate_ticket(t.id, RatingCreate(answer=answer))

    t5 = ticket(desk, None, at(-1, 12), "T5")
    move(t5, solved, at(0, 9.5))
    t1 = ticket(desk, ann.id, at(0, 10), "T1")
    reply(as_ann, t1, at(0, 11.5))
    move(t1, solved, at(0, 15))
    rate(t1, "satisfied", at(0, 16))
    t2 = ticket(desk, bob.id, at(0, 16), "T2")
    reply(as_bob, t2, at(1, 10))
    move(t2, solved, at(2, 12))
    rate(t2, "dissatisfied", at(2, 13))
    t3 = ticket(desk, ann.id, at(1, 9), "T3")
    move(t3, progress, at(1, 10))
    clock.now = at(1, 11)
    as_ann.comment(t3.id, "Internal note, not a response")
    t4 = ticket(other, bob.id, at(3, 9), "T4")
    reply(as_bob, t4, at(3, 9.5))
    move(t4, solved, at(3, 10))
    rate(t4, "okay", at(3, 11))
    clock.now = at(4, 12)
    yield root, {"desk": desk, "other": other, "ann": ann, "bob": bob}
    store.close()


def test_whole_week(week):
    root, ids = week
    report = root.report(ReportFilter(since=MON, until=SAT))
    assert (report.opened, report.closed) == (4, 4)
    assert [(d.day, d.opened, d.closed) for d in report.per_day] == [
        ("2026-11-16", 2, 2), ("2026-11-17", 1, 0), ("2026-11-18", 0, 1),
        ("2026-11-19", 1, 1), ("2026-11-20", 0, 0)]
    assert [(b.stage_name, b.open) for b in report.backlog] == [("New", 0), ("In Progress", 1)]
    assert (report.sla.reached, report.sla.failed, report.sla.success_rate) == (1, 1, 0.5)
    assert report.first_response.model_dump() == {"count": 3, "mean_hours": 1.33,
                                                   "median_hours": 1.5}
    assert report.time_to_close.model_dump() == {"count": 4, "mean_hours": 4.62,
                                                 "median_hours": 3.0}
    by_team = {r.name: (r.count, r.average, r.satisfied, r.okay, r.dissatisfied)
               for r in report.ratings_by_team}
    assert by_team == {"Desk": (2, 3.0, 1, 0, 1), "Other": (1, 3.0, 0, 1, 0)}
    by_agent = {r.name: (r.count, r.average) for r in report.ratings_by_agent}
    assert by_agent == {"Ann": (1, 5.0), "Bob": (2, 2.0)}


def test_one_team(week):
    root, ids = week
    report = root.report(ReportFilter(team_id=ids["desk"].id, since=MON, until=SAT))
    assert (report.opened, report.closed) == (3, 3)
    assert report.first_response.model_dump() == {"count": 2, "mean_hours": 1.75,
                                                   "median_hours": 1.75}
    assert report.time_to_close.model_dump() == {"count": 3, "mean_hours": 5.83,
                                                 "median_hours": 5.0}
    assert [r.name for r in report.ratings_by_team] == ["Desk"]


def test_one_agent_and_a_shorter_period(week):
    root, ids = week
    report = root.report(ReportFilter(agent_id=ids["bob"].id, since=MON, until=SAT))
    assert (report.opened, report.closed) == (2, 2)
    assert [(r.name, r.count) for r in report.ratings_by_agent] == [("Bob", 2)]
    tuesday = root.report(ReportFilter(since=at(1, 0), until=at(2, 0)))
    assert (tuesday.opened, tuesday.closed) == (1, 0)
    assert [d.day for d in tuesday.per_day] == ["2026-11-17"]
    assert tuesday.sla.success_rate is None and tuesday.first_response.count == 0


def test_default_period_is_the_last_30_days(week):
    root, _ = week
    report = root.report()
    assert report.until == at(4, 12) and len(report.per_day) == 31
    assert report.opened == 5  # T5 too: Sunday is inside the last 30 days


def test_bad_filters(week):
    root, ids = week
    with pytest.raises(ValidationFailed, match="end after it starts"):
        root.report(ReportFilter(since=SAT, until=MON))
    with pytest.raises(ValidationFailed):
        root.report(ReportFilter(agent_id=999))
    with pytest.raises(ValidationFailed):
        root.report(ReportFilter(team_id=999))


def test_reports_on_the_demo_are_agent_only(store, clock):
    from tests.conftest import PORTAL
    from tests.io.conftest import as_

    with pytest.raises(PermissionDenied):
        as_(store, PORTAL, clock).report()
    jonas = as_(store, "jonas.larsen@deskline.example", clock).report()
    admin = as_(store, "admin@deskline.example", clock).report()
    assert 0 < jonas.opened < admin.opened  # private teams are left out for Jonas
