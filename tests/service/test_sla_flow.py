"""Service: SLA clocks through a ticket's life, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskline.models import (
    Calendar,
    SlaPolicyCreate,
    SlaStatus,
    StageCreate,
    TeamCreate,
    TicketCreate,
    TicketUpdate,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import Clock

MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def helpdesk(tmp_path):
    store = SqliteStore.open(tmp_path / "h.db")
    with store.transaction():
        store.insert_agent("root@example.com", "Root", "admin", None)
    clock = Clock(MONDAY_9)
    svc = Service(store, store.agent_by_email("root@example.com"), clock=clock)
    stages = {name: svc.create_stage(StageCreate(name=name, closing=name == "Solved"))
              for name in ("New", "In Progress", "Waiting", "Solved")}
    team = svc.create_team(TeamCreate(
        name="Care", stage_ids=[s.id for s in stages.values()],
        calendar=Calendar(timezone="UTC", start_hour=9, end_hour=17)))
    svc.create_sla_policy(SlaPolicyCreate(
        team_id=team.id, name="Urgent answer", priorities=[3],
        target_stage_id=stages["In Progress"].id, hours=2))
    svc.create_sla_policy(SlaPolicyCreate(
        team_id=team.id, name="Solve in 2 days", target_stage_id=stages["Solved"].id,
        hours=16, excluded_stage_ids=[stages["Waiting"].id]))
    return svc, clock, stages, team


def _sla(ticket, name):
    return next(s for s in ticket.slas if s.name == name)


def test_policies_apply_by_priority_and_deadlines_use_working_hours(helpdesk):
    svc, clock, stages, team = helpdesk
    low = svc.create_ticket(TicketCreate(team_id=team.id, subject="low"))
    assert [s.name for s in low.slas] == ["Solve in 2 days"]
    # 16 working hours from Monday 9:00 at 8 hours a day: Tuesday 17:00.
    assert low.sla_deadline == datetime(2026, 11, 17, 17, 0, tzinfo=UTC)
    urgent = svc.create_ticket(TicketCreate(team_id=team.id, subject="urgent", priority=3))
    assert _sla(urgent, "Urgent answer").deadline == MONDAY_9 + timedelta(hours=2)
    assert urgent.sla_deadline == MONDAY_9 + timedelta(hours=2)  # the nearest one


def test_reaching_the_target_in_time_and_failing_stays_failed(helpdesk):
    svc, clock, stages, team = helpdesk
    t = svc.create_ticket(TicketCreate(team_id=team.id, subject="u", priority=3))
    clock.now = MONDAY_9 + timedelta(hours=1)
    t = svc.move_ticket(t.id, t.version, stages["In Progress"].id)
    assert _sla(t, "Urgent answer").status is SlaStatus.reached
    assert t.sla_status is SlaStatus.ongoing  # the solve clock still runs
    late = svc.create_ticket(TicketCreate(team_id=team.id, subject="late", priority=3))
    clock.now = MONDAY_9 + timedelta(hours=5)
    assert svc.refresh_sla() == 1
    late = svc.get_ticket(late.id)
    assert _sla(late, "Urgent answer").status is SlaStatus.failed
    assert late.sla_status is SlaStatus.failed
    assert [f.sla_failed for f in svc.dashboard()] == [1]
    late = svc.move_ticket(late.id, late.version, stages["In Progress"].id)
    assert _sla(late, "Urgent answer").status is SlaStatus.failed  # failed stays failed


def test_excluded_stage_pauses_the_clock(helpdesk):
    svc, clock, stages, team = helpdesk
    t = svc.create_ticket(TicketCreate(team_id=team.id, subject="wait"))
    clock.now = MONDAY_9 + timedelta(hours=4)  # 4 working hours used
    t = svc.move_ticket(t.id, t.version, stages["Waiting"].id)
    assert _sla(t, "Solve in 2 days").deadline is None  # paused
    clock.now = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # two days later, Wednesday 9:00
    assert svc.refresh_sla() == 0  # a paused clock does not fail
    t = svc.move_ticket(t.id, svc.get_ticket(t.id).version, stages["In Progress"].id)
    # 12 working hours left from Wednesday 9:00: Thursday 13:00.
    assert _sla(t, "Solve in 2 days").deadline == datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
    clock.now = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    t = svc.move_ticket(t.id, t.version, stages["Solved"].id)
    assert _sla(t, "Solve in 2 days").status is SlaStatus.reached
    assert t.sla_status is SlaStatus.reached


def test_raising_priority_starts_the_matching_policy(helpdesk):
    svc, clock, stages, team = helpdesk
    t = svc.create_ticket(TicketCreate(team_id=team.id, subject="grows"))
    clock.now = MONDAY_9 + timedelta(minutes=30)
    t = svc.update_ticket(t.id, t.version, TicketUpdate(priority=3))
    assert _sla(t, "Urgent answer").deadline == clock.now + timedelta(hours=2)
    assert _sla(t, "Solve in 2 days").deadline == datetime(2026, 11, 17, 17, 0, tzinfo=UTC)
