"""Service: administration rules — a new helpdesk, versions, the last admin, stage
removal, SLA recompute, archived teams, tags, tokens and the audit trail."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    AgentCreate,
    AgentUpdate,
    MailTemplateCreate,
    MailTemplateUpdate,
    OrganizationCreate,
    ProjectCreate,
    SlaPolicyCreate,
    SlaPolicyUpdate,
    TeamCreate,
    TeamUpdate,
    TicketCreate,
    TicketUpdate,
    TimeOffCreate,
    Visibility,
)
from deskline.service import Service, resolve_agent
from deskline.starter import START_STAGES, init_helpdesk
from deskline.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # a Monday, inside working hours


@pytest.fixture
def helpdesk(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    init_helpdesk(path, "lead@acme.example", "Lea Lead", timezone="Europe/Berlin")
    return path


@pytest.fixture
def admin(helpdesk: Path) -> Service:
    store = SqliteStore.open(helpdesk)
    return Service(store, resolve_agent(store, None), clock=lambda: NOW)


def as_(admin: Service, email: str) -> Service:
    return Service(admin.store, admin.store.agent_by_email(email), clock=admin.clock)


def support(svc: Service):
    return next(t for t in svc.list_teams() if t.name == "Support")


def test_init_makes_a_helpdesk_that_takes_tickets(admin, helpdesk):
    team = support(admin)
    stages = admin.list_stages(team.id)
    assert [(s.name, s.closing) for s in stages] == list(START_STAGES)
    assert team.calendar.timezone == "Europe/Berlin" and team.calendar.days == [0, 1, 2, 3, 4]
    assert team.visibility is Visibility.company and team.assignment.value == "manual"
    solved = next(s for s in stages if s.name == "Solved")
    assert admin.store.template(solved.template_id).name == "Solved"
    assert {t.name for t in admin.list_templates()} == {"Confirmation", "Solved"}
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="First"))
    assert ticket.stage_name == "New"
    with pytest.raises(ValidationFailed) as refused:
        init_helpdesk(helpdesk, "x@acme.example")
    assert refused.value.field == "db"


def test_init_empty_has_only_the_admin(tmp_path):
    init_helpdesk(tmp_path / "e.db", "root@acme.example", empty=True)
    store = SqliteStore.open(tmp_path / "e.db")
    assert store.teams() == [] and store.stages() == []
    assert [a.role.value for a in store.agents()] == ["admin"]


def test_team_edits_carry_versions_and_aliases_are_unique(admin):
    team = support(admin)
    edited = admin.update_team(team.id, TeamUpdate(email_alias="help@acme.example"),
                               version=team.version)
    assert edited.version == team.version + 1
    with pytest.raises(ConflictError) as stale:
        admin.update_team(team.id, TeamUpdate(description="x"), version=team.version)
    assert stale.value.current_version == edited.version
    other = admin.create_team(TeamCreate(name="Billing"))
    with pytest.raises(ConflictError) as taken:
        admin.update_team(other.id, TeamUpdate(email_alias="HELP@acme.example"))
    assert taken.value.field == "email_alias"
    with pytest.raises(ValueError):
        TeamUpdate(email_alias="not-an-address")


def test_a_lost_unique_race_is_a_conflict_naming_the_field(helpdesk):
    """Two writers insert the same team name at once: one wins, the other gets a
    ConflictError naming the field (the check and the insert share one transaction)."""
    results: list[object] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        store = SqliteStore.open(helpdesk)
        svc = Service(store, resolve_agent(store, None))
        barrier.wait()
        try:
            results.append(svc.create_team(TeamCreate(name="Race", email_alias="r@acme.example")))
        except ConflictError as exc:
            results.append(exc.field)
        finally:
            store.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for r in results if not isinstance(r, str)) == 1
    assert sorted(r for r in results if isinstance(r, str)) == ["name"] * 3


def test_store_turns_integrity_errors_into_conflicts(admin):
    with pytest.raises(ConflictError) as clash:
        with admin.store.transaction():
            admin.store.insert_organization("Acme", None)
            admin.store.insert_organization("ACME", None)
    assert clash.value.field == "name"
    with pytest.raises(sqlite3.IntegrityError):  # outside a transaction nothing is wrapped
        admin.store.conn.execute("INSERT INTO tags (name) VALUES ('a'), ('A')")


def test_a_helpdesk_always_keeps_an_active_admin(admin):
    lead = admin.me()
    with pytest.raises(ValidationFailed) as demote:
        admin.update_agent(lead.id, AgentUpdate(role="agent"))
    assert demote.value.field == "role"
    with pytest.raises(ValidationFailed) as off:
        admin.deactivate_agent(lead.id)
    assert off.value.field == "active"
    second = admin.create_agent(AgentCreate(email="two@acme.example", role="admin"))
    admin.update_agent(lead.id, AgentUpdate(role="agent"))
    with pytest.raises(PermissionDenied):
        admin.update_agent(second.id, AgentUpdate(role="agent"))  # lead is no admin now
    boss = as_(admin, second.email)
    with pytest.raises(ValidationFailed):
        boss.update_agent(second.id, AgentUpdate(active=False))


def test_deactivation_revokes_tokens_and_lists_open_tickets(admin):
    team = support(admin)
    ann = admin.create_agent(AgentCreate(email="ann@acme.example", name="Ann"))
    with admin.store.transaction():
        admin.store.create_api_token(ann.id)
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Mine",
                                              assignee_id=ann.id))
    done = admin.deactivate_agent(ann.id)
    assert not done.agent.active and done.tokens_revoked == 1
    assert [c.id for c in done.open_tickets] == [ticket.id]
    assert all(t.revoked_at for t in admin.list_tokens(ann.id))
    assert admin.update_agent(ann.id, AgentUpdate(active=True)).active


def test_time_off_added_removed_and_checked(admin):
    ann = admin.create_agent(AgentCreate(email="ann@acme.example"))
    with pytest.raises(ValueError, match="end after it starts"):
        TimeOffCreate(start=NOW, end=NOW - timedelta(days=1))
    ann = as_(admin, ann.email).add_time_off(ann.id, TimeOffCreate(
        start=NOW, end=NOW + timedelta(days=3)))
    (period,) = ann.time_off
    with pytest.raises(PermissionDenied):
        as_(admin, ann.email).add_time_off(admin.me().id, TimeOffCreate(
            start=NOW, end=NOW + timedelta(days=1)))
    assert admin.remove_time_off(ann.id, period.id).time_off == []
    with pytest.raises(NotFound):
        admin.remove_time_off(ann.id, period.id)


def test_membership_from_the_agents_side(admin):
    ann = admin.create_agent(AgentCreate(email="ann@acme.example"))
    billing = admin.create_team(TeamCreate(name="Billing"))
    admin.set_agent_teams(ann.id, [support(admin).id, billing.id])
    assert all(ann.id in t.member_ids for t in admin.list_teams())
    admin.set_agent_teams(ann.id, [billing.id])
    assert ann.id not in support(admin).member_ids


def test_stage_removal_needs_a_destination_of_the_same_teams(admin):
    team = support(admin)
    new, progress = admin.list_stages(team.id)[:2]
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Here"))
    other = admin.create_team(TeamCreate(name="Other"))
    lonely = admin.create_stage(__import__("deskline.models").models.StageCreate(
        name="Lonely", team_ids=[other.id]))
    with pytest.raises(ValidationFailed) as missing:
        admin.delete_stage(new.id)
    assert missing.value.field == "move_to"
    with pytest.raises(ValidationFailed) as foreign:
        admin.delete_stage(new.id, move_to=lonely.id)
    assert foreign.value.field == "move_to"
    admin.delete_stage(new.id, move_to=progress.id)
    moved = admin.get_ticket(ticket.id)
    assert moved.stage_id == progress.id and moved.version == ticket.version + 1
    events = [m.body for m in admin.ticket_messages(ticket.id).items if m.kind.value == "event"]
    assert any("stage deleted" in e for e in events)


def test_moving_a_stage_up_and_down(admin):
    names = [s.name for s in admin.list_stages()]
    stage = admin.list_stages()[2]
    after = [s.name for s in admin.move_stage(stage.id, -1)]
    assert after == [names[0], names[2], names[1], *names[3:]]
    assert [s.name for s in admin.move_stage(stage.id, 1)] == names


def test_sla_change_for_new_tickets_or_recomputed(admin):
    team = support(admin)
    solved = next(s for s in admin.list_stages(team.id) if s.name == "Solved")
    with pytest.raises(ValidationFailed) as wrong:
        other = admin.create_team(TeamCreate(name="Other"))
        admin.create_sla_policy(SlaPolicyCreate(team_id=other.id, name="x",
                                                target_stage_id=solved.id, hours=1))
    assert wrong.value.field == "target_stage_id"
    policy = admin.create_sla_policy(SlaPolicyCreate(team_id=team.id, name="Solve in 8h",
                                                     target_stage_id=solved.id, hours=8))
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Clock"))
    first = admin.get_ticket(ticket.id).sla_deadline
    policy = admin.update_sla_policy(policy.id, SlaPolicyUpdate(hours=2), version=policy.version)
    assert admin.get_ticket(ticket.id).sla_deadline == first  # new tickets only
    admin.update_sla_policy(policy.id, SlaPolicyUpdate(hours=2, recompute=True))
    assert admin.get_ticket(ticket.id).sla_deadline == NOW + timedelta(hours=2)
    with pytest.raises(ValidationFailed) as paused:
        admin.delete_stage(solved.id, move_to=team.stage_ids[0])
    assert paused.value.field == "stage_id"  # a policy aims at it
    admin.delete_sla_policy(policy.id)
    assert admin.get_ticket(ticket.id).sla_deadline is None


def test_templates_checked_previewed_and_versioned(admin):
    team = support(admin)
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Printer"))
    draft = MailTemplateCreate(name="Hello", subject="Re: {{ ticket.subject }}",
                               body="Ticket #{{ ticket.number }}\n{% if %}")
    with pytest.raises(ValidationFailed) as bad:
        admin.create_template(draft)
    assert bad.value.field == "body" and "line 2" in bad.value.message
    with pytest.raises(ValidationFailed, match="unknown placeholder 'ticket.nope'"):
        admin.check_template(MailTemplateCreate(name="x", subject="{{ ticket.nope }}", body=""))
    good = draft.model_copy(update={"body": "Ticket #{{ ticket.number }}"})
    preview = admin.preview_template(good, ticket.id)
    assert preview.subject == "Re: Printer" and preview.body == f"Ticket #{ticket.number}"
    made = admin.create_template(good)
    with pytest.raises(ConflictError):
        admin.create_template(good)
    changed = admin.update_template(made.id, MailTemplateUpdate(subject="Hi"), version=1)
    with pytest.raises(ConflictError):
        admin.update_template(made.id, MailTemplateUpdate(subject="Ho"), version=1)
    assert changed.version == 2


def test_archived_teams_take_no_tickets_but_keep_theirs(admin):
    team = support(admin)
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Old"))
    admin.archive_team(team.id)
    with pytest.raises(ValidationFailed) as refused:
        admin.create_ticket(TicketCreate(team_id=team.id, subject="New"))
    assert refused.value.field == "team_id"
    assert admin.get_ticket(ticket.id).subject == "Old"
    assert all(f.team_id != team.id for f in admin.dashboard())
    admin.archive_team(team.id, archived=False)
    assert any(f.team_id == team.id for f in admin.dashboard())


def test_public_to_company_drops_portal_followers(admin):
    team = admin.update_team(support(admin).id, TeamUpdate(visibility="public"))
    customer = admin.create_customer(__import__("deskline.models").models.CustomerCreate(
        email="c@client.example", name="Cleo"))
    portal = admin.create_agent(AgentCreate(email="c+portal@client.example", role="portal",
                                            customer_id=customer.id))
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Mine",
                                              customer_id=customer.id))
    with admin.store.transaction():
        admin.store.set_follower(ticket.id, portal.id, True)
    assert admin.portal_followers(team.id) == 1
    admin.update_team(team.id, TeamUpdate(visibility="company"))
    assert admin.portal_followers(team.id) == 0


def test_organizations_projects_and_tags(admin):
    org = admin.create_organization(OrganizationCreate(name="Acme"))
    project = admin.create_project(ProjectCreate(name="Rollout", organization_id=org.id))
    with pytest.raises(ConflictError) as held:
        admin.delete_organization(org.id)
    assert "1 projects" in held.value.message
    admin.delete_project(project.id)
    admin.delete_organization(org.id)
    team = support(admin)
    ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="T", tags=["vpn"]))
    admin.update_ticket(ticket.id, ticket.version, TicketUpdate(tags=["vpn", "VPN-issue"]))
    tags = {t.name: t for t in admin.list_tag_details()}
    admin.merge_tags(tags["VPN-issue"].id, tags["vpn"].id)
    assert admin.get_ticket(ticket.id).tags == ["vpn"]
    admin.rename_tag(tags["vpn"].id, "network")
    assert admin.get_ticket(ticket.id).tags == ["network"]
    admin.delete_tag(tags["vpn"].id)
    assert admin.get_ticket(ticket.id).tags == []


def test_configuration_is_for_admins_and_every_change_is_audited(admin):
    ann = admin.create_agent(AgentCreate(email="ann@acme.example"))
    agent = as_(admin, ann.email)
    team = support(admin)
    for attempt in (lambda: agent.create_team(TeamCreate(name="X")),
                    lambda: agent.update_team(team.id, TeamUpdate(name="Y")),
                    lambda: agent.delete_stage(team.stage_ids[0]),
                    lambda: agent.audit_log(),
                    lambda: agent.list_tokens(),
                    lambda: agent.update_agent(ann.id, AgentUpdate(role="admin"))):
        with pytest.raises(PermissionDenied):
            attempt()
    admin.update_team(team.id, TeamUpdate(assignment="balanced_open", member_ids=[ann.id]))
    entry = admin.audit_log(kind="team").items[0]
    assert entry.actor_name == "Lea Lead" and entry.action == "changed"
    assert {(c.field, c.old, c.new) for c in entry.changes} >= {
        ("assignment", "manual", "balanced_open"),
        ("member_ids", "lead@acme.example", "ann@acme.example")}
    page = admin.audit_log(limit=3)
    assert page.next_cursor and admin.audit_log(cursor=page.next_cursor, limit=3).items
