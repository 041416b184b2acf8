"""Service: what an admin sets up — agents, teams, stages, templates, SLA policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskline.errors import ConflictError, PermissionDenied, ValidationFailed
from deskline.models import (
    AgentCreate,
    Assignment,
    MailTemplateCreate,
    SlaPolicyCreate,
    StageCreate,
    StageUpdate,
    TeamCreate,
    TeamUpdate,
    TicketCreate,
    TimeOff,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # a Monday, inside working hours


@pytest.fixture
def admin(tmp_path) -> Service:
    store = SqliteStore.open(tmp_path / "h.db")
    with store.transaction():
        store.insert_agent("root@example.com", "Root", "admin", None)
    return Service(store, store.agent_by_email("root@example.com"), clock=lambda: NOW)


def as_agent(admin: Service, email: str) -> Service:
    return Service(admin.store, admin.store.agent_by_email(email), clock=admin.clock)


def test_agents_are_unique_and_only_admins_add_them(admin):
    a = admin.create_agent(AgentCreate(email="ann@example.com", name="Ann"))
    with pytest.raises(ConflictError):
        admin.create_agent(AgentCreate(email="ANN@example.com"))
    with pytest.raises(PermissionDenied):
        as_agent(admin, a.email).create_agent(AgentCreate(email="x@example.com"))
    with pytest.raises(ValueError):
        AgentCreate(email="not an email")


def test_stages_shared_reordered_and_marked_closing(admin):
    new = admin.create_stage(StageCreate(name="New"))
    done = admin.create_stage(StageCreate(name="Done"))
    team_a = admin.create_team(TeamCreate(name="A", stage_ids=[new.id, done.id]))
    team_b = admin.create_team(TeamCreate(name="B", stage_ids=[new.id]))
    assert sorted(admin.store.stage(new.id).team_ids) == [team_a.id, team_b.id]
    admin.update_stage(done.id, StageUpdate(team_ids=[team_a.id, team_b.id]))
    assert admin.get_team(team_b.id).stage_ids == [new.id, done.id]
    admin.reorder_stages([done.id, new.id])
    assert admin.get_team(team_a.id).stage_ids == [done.id, new.id]
    with pytest.raises(ValidationFailed):
        admin.reorder_stages([done.id])
    ticket = admin.create_ticket(TicketCreate(team_id=team_a.id, subject="t", stage_id=new.id))
    assert ticket.closed_at is None
    admin.update_stage(new.id, StageUpdate(closing=True))
    assert admin.get_ticket(ticket.id).closed_at is not None
    assert admin.dashboard()[0].open == 0
    admin.update_stage(new.id, StageUpdate(closing=False))
    assert admin.get_ticket(ticket.id).closed_at is None
    with pytest.raises(ValidationFailed) as refused:
        admin.delete_stage(new.id)
    assert refused.value.field == "move_to"
    admin.delete_stage(new.id, move_to=done.id)
    moved = admin.get_ticket(ticket.id)
    assert moved.stage_id == done.id and moved.version == ticket.version + 3
    assert new.id not in {s.id for s in admin.list_stages()}


def test_team_names_unique_and_references_checked(admin):
    admin.create_team(TeamCreate(name="Support"))
    with pytest.raises(ConflictError):
        admin.create_team(TeamCreate(name="support"))
    with pytest.raises(ValidationFailed) as err:
        admin.create_team(TeamCreate(name="X", member_ids=[999]))
    assert err.value.field == "member_ids"
    with pytest.raises(ValidationFailed):
        admin.create_team(TeamCreate(name="Y", stage_ids=[999]))


def test_automatic_assignment_balances_and_skips_time_off(admin):
    stage = admin.create_stage(StageCreate(name="New"))
    ann = admin.create_agent(AgentCreate(email="ann@example.com", name="Ann"))
    bob = admin.create_agent(AgentCreate(email="bob@example.com", name="Bob"))
    team = admin.create_team(TeamCreate(name="T", stage_ids=[stage.id],
                                        member_ids=[ann.id, bob.id],
                                        assignment=Assignment.balanced_total))
    got = [admin.create_ticket(TicketCreate(team_id=team.id, subject=f"t{i}")).assignee_id
           for i in range(4)]
    assert sorted(got) == [ann.id, ann.id, bob.id, bob.id]
    admin.set_time_off(ann.id, [TimeOff(start=NOW - timedelta(days=1),
                                        end=NOW + timedelta(days=2))])
    assert admin.create_ticket(TicketCreate(team_id=team.id, subject="x")).assignee_id == bob.id
    admin.set_time_off(bob.id, [TimeOff(start=NOW - timedelta(days=1),
                                        end=NOW + timedelta(days=1))])
    # Both away: the one back first gets it.
    assert admin.create_ticket(TicketCreate(team_id=team.id, subject="y")).assignee_id == bob.id
    manual = admin.create_team(TeamCreate(name="M", stage_ids=[stage.id],
                                          member_ids=[ann.id]))
    assert admin.create_ticket(TicketCreate(team_id=manual.id, subject="z")).assignee_id is None


def test_moving_a_ticket_into_an_auto_team_assigns_a_member(admin):
    stage = admin.create_stage(StageCreate(name="New"))
    ann = admin.create_agent(AgentCreate(email="ann@example.com", name="Ann"))
    first = admin.create_team(TeamCreate(name="First", stage_ids=[stage.id]))
    second = admin.create_team(TeamCreate(name="Second", stage_ids=[stage.id],
                                          member_ids=[ann.id],
                                          assignment=Assignment.balanced_open))
    ticket = admin.create_ticket(TicketCreate(team_id=first.id, subject="t"))
    from deskline.models import TicketUpdate

    moved = admin.update_ticket(ticket.id, ticket.version, TicketUpdate(team_id=second.id))
    assert moved.team_id == second.id and moved.assignee_id == ann.id


def test_private_team_visibility_and_invitations(admin):
    stage = admin.create_stage(StageCreate(name="New"))
    ann = admin.create_agent(AgentCreate(email="ann@example.com", name="Ann"))
    bob = admin.create_agent(AgentCreate(email="bob@example.com", name="Bob"))
    team = admin.create_team(TeamCreate(name="Secret", visibility="private",
                                        stage_ids=[stage.id], member_ids=[ann.id]))
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="hush"))
    assert [t.name for t in as_agent(admin, ann.email).list_teams()] == ["Secret"]
    assert as_agent(admin, bob.email).list_teams() == []
    admin.update_team(team.id, TeamUpdate(follower_ids=[bob.id]))
    assert as_agent(admin, bob.email).get_ticket(ticket.id).id == ticket.id


def test_templates_are_checked_when_saved_and_stage_mail_is_queued(admin):
    with pytest.raises(ValidationFailed) as err:
        admin.create_template(MailTemplateCreate(name="bad", subject="x",
                                                 body="Hello {{ customer.name "))
    assert err.value.field == "body" and "line 1" in str(err.value)
    template = admin.create_template(MailTemplateCreate(
        name="done", subject="Solved: {{ ticket.subject }}",
        body="Hi {{ customer.first_name or 'there' }}, #{{ ticket.number }} is solved."))
    new = admin.create_stage(StageCreate(name="New"))
    solved = admin.create_stage(StageCreate(name="Solved", closing=True,
                                            template_id=template.id))
    team = admin.create_team(TeamCreate(name="T", stage_ids=[new.id, solved.id]))
    from deskline.models import CustomerCreate

    customer = admin.create_customer(CustomerCreate(email="kim@example.com", name="Kim Lee"))
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Printer",
                                              customer_id=customer.id))
    admin.comment(ticket.id, "internal only")
    admin.move_ticket(ticket.id, ticket.version, solved.id)
    admin.reply(ticket.id, "All done")
    rows = admin.store.conn.execute(
        "SELECT kind, to_addr, subject, body FROM outbox ORDER BY id").fetchall()
    assert rows == [
        ("stage_template", "kim@example.com", f"[#{ticket.number}] Solved: Printer",
         f"Hi Kim, #{ticket.number} is solved."),
        ("reply", "kim@example.com", f"Re: [#{ticket.number}] Printer", "All done"),
    ]


def test_sla_policy_target_must_be_a_team_stage(admin):
    new = admin.create_stage(StageCreate(name="New"))
    other = admin.create_stage(StageCreate(name="Other"))
    team = admin.create_team(TeamCreate(name="T", stage_ids=[new.id]))
    with pytest.raises(ValidationFailed) as err:
        admin.create_sla_policy(SlaPolicyCreate(team_id=team.id, name="p",
                                                target_stage_id=other.id, hours=4))
    assert err.value.field == "target_stage_id"
