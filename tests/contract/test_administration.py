"""Contract: administration — teams, stages, SLA policies, templates, agents, organizations,
projects, tags, tokens and the audit trail — the same on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    AgentCreate,
    AgentUpdate,
    CustomerCreate,
    MailTemplateCreate,
    MailTemplateUpdate,
    OrganizationCreate,
    OrganizationUpdate,
    ProjectCreate,
    ProjectUpdate,
    Role,
    SlaPolicyCreate,
    SlaPolicyUpdate,
    StageCreate,
    StageUpdate,
    TeamCreate,
    TeamUpdate,
    TicketCreate,
    TimeOffCreate,
)
from tests.conftest import ADMIN, ALICE, PORTAL
from tests.contract.helpers import team_named
from tests.server_support import make_token


async def _tag(backend, name):
    return next(t for t in await backend.list_tag_details() if t.name == name)


async def test_teams_created_edited_archived_with_unique_names_and_aliases(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    team = await admin.create_team(TeamCreate(
        name="Field Service", email_alias="Field@Deskline.example", stage_ids=[1, 2, 4]))
    assert (team.email_alias, team.version, team.archived) == \
        ("Field@Deskline.example", 1, False)
    assert (await admin.get_team(team.id)).stage_ids == [1, 2, 4]
    with pytest.raises(ConflictError) as taken:
        await admin.create_team(TeamCreate(name="field service"))
    assert taken.value.field == "name"
    with pytest.raises(ConflictError) as alias:
        await admin.create_team(TeamCreate(name="Other", email_alias="support@deskline.example"))
    assert alias.value.field == "email_alias"
    with pytest.raises(ConflictError) as alias:  # aliases compare without case
        await admin.create_team(TeamCreate(name="Other", email_alias="FIELD@deskline.example"))
    assert alias.value.field == "email_alias"
    with pytest.raises(ConflictError) as alias:
        await admin.update_team(team.id, TeamUpdate(email_alias="hello@deskline.example"),
                                version=team.version)
    assert alias.value.field == "email_alias"
    with pytest.raises(ValueError, match="email"):  # refused before it reaches a backend
        TeamCreate(name="Bad", email_alias="not an address")

    edited = await admin.update_team(team.id, TeamUpdate(name="Field Support",
                                                         description="On site"),
                                     version=team.version)
    assert (edited.name, edited.description, edited.version) == ("Field Support", "On site", 2)
    with pytest.raises(ConflictError) as stale:
        await admin.update_team(team.id, TeamUpdate(description="late"), version=team.version)
    assert stale.value.current_version == 2
    assert (await admin.update_team(team.id, TeamUpdate(description="any"))).version == 3

    archived = await admin.archive_team(team.id, version=3)
    assert archived.archived and archived.version == 4
    assert (await admin.archive_team(team.id, archived=False)).archived is False

    onboarding = await team_named(admin, "Onboarding")
    assert await admin.portal_followers(onboarding.id) >= 0
    with pytest.raises(PermissionDenied):
        await alice.create_team(TeamCreate(name="Mine"))
    with pytest.raises(PermissionDenied):
        await alice.update_team(team.id, TeamUpdate(description="x"), version=4)
    with pytest.raises(PermissionDenied):
        await alice.archive_team(team.id, version=4)
    with pytest.raises(PermissionDenied):
        await alice.portal_followers(onboarding.id)
    assert (await alice.get_team(team.id)).name == "Field Support"  # a company team


async def test_stages_created_renamed_moved_shared_closing_and_deleted(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    care, billing = await team_named(admin, "Customer Care"), await team_named(admin, "Billing")
    review = await admin.create_stage(StageCreate(name="Review", team_ids=[care.id]))
    assert review.team_ids == [care.id] and review.version == 1
    assert (await admin.get_team(care.id)).stage_ids[-1] == review.id

    renamed = await admin.update_stage(review.id, StageUpdate(name="Peer review"),
                                       version=review.version)
    assert (renamed.name, renamed.version) == ("Peer review", 2)
    with pytest.raises(ConflictError):
        await admin.update_stage(review.id, StageUpdate(name="Late"), version=1)

    order = [s.id for s in await admin.list_stages()]
    up = [s.id for s in await admin.move_stage(review.id, -1)]
    assert up == order[:-2] + [review.id, order[-2]]
    assert [s.id for s in await admin.move_stage(review.id, 1)] == order
    with pytest.raises(ValidationFailed) as partial:
        await admin.reorder_stages(order[:2])
    assert partial.value.field == "stage_ids"
    assert [s.id for s in await admin.reorder_stages(list(reversed(order)))] == \
        list(reversed(order))
    await admin.reorder_stages(order)

    shared = await admin.update_stage(review.id, StageUpdate(team_ids=[care.id, billing.id]))
    assert sorted(shared.team_ids) == sorted([care.id, billing.id])
    assert review.id in (await admin.get_team(billing.id)).stage_ids

    ticket = await admin.create_ticket(TicketCreate(team_id=care.id, subject="In review",
                                                    stage_id=review.id))
    billed = await admin.create_ticket(TicketCreate(team_id=billing.id, subject="Billed",
                                                    stage_id=review.id))
    await admin.update_stage(review.id, StageUpdate(closing=True))
    assert (await admin.get_ticket(ticket.id)).closed_at is not None
    await admin.update_stage(review.id, StageUpdate(closing=False))
    assert (await admin.get_ticket(ticket.id)).closed_at is None

    with pytest.raises(ValidationFailed) as needs_target:
        await admin.delete_stage(review.id)
    assert needs_target.value.field == "move_to"
    with pytest.raises(ValidationFailed) as not_theirs:
        await admin.delete_stage(review.id, move_to=3)  # Waiting on Customer: not Billing's
    assert not_theirs.value.field == "move_to"
    await admin.delete_stage(review.id, move_to=2)
    for tid in (ticket.id, billed.id):
        moved = await admin.get_ticket(tid)
        assert (moved.stage_id, moved.stage_name) == (2, "In Progress")
    assert review.id not in {s.id for s in await admin.list_stages()}

    with pytest.raises(PermissionDenied):
        await alice.create_stage(StageCreate(name="Mine"))
    with pytest.raises(PermissionDenied):
        await alice.move_stage(2, 1)
    with pytest.raises(PermissionDenied):
        await alice.delete_stage(5, move_to=4)


async def test_sla_policies_checked_edited_and_recomputed_on_request(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    care, billing = await team_named(admin, "Customer Care"), await team_named(admin, "Billing")
    with pytest.raises(ValidationFailed) as target:
        await admin.create_sla_policy(SlaPolicyCreate(
            team_id=billing.id, name="Wait", target_stage_id=3, hours=4))
    assert target.value.field == "target_stage_id"
    made = await admin.create_sla_policy(SlaPolicyCreate(
        team_id=billing.id, name="Refunds in 8h", tags=["refund"], target_stage_id=2, hours=8))
    assert made.id in {p.id for p in await alice.list_sla_policies(billing.id)}

    solve = next(p for p in await admin.list_sla_policies(care.id)
                 if p.name == "Solve within 3 days")
    ticket = await admin.create_ticket(TicketCreate(team_id=care.id, subject="Clock",
                                                    priority=1))

    def deadline(t):
        return next(s.deadline for s in t.slas if s.policy_id == solve.id)

    before = deadline(ticket)
    assert before is not None
    kept = await admin.update_sla_policy(solve.id, SlaPolicyUpdate(hours=40),
                                         version=solve.version)
    assert (kept.hours, kept.version) == (40, solve.version + 1)
    assert deadline(await admin.get_ticket(ticket.id)) == before
    with pytest.raises(ConflictError):
        await admin.update_sla_policy(solve.id, SlaPolicyUpdate(hours=30), version=solve.version)
    await admin.update_sla_policy(solve.id, SlaPolicyUpdate(recompute=True))
    assert deadline(await admin.get_ticket(ticket.id)) > before
    with pytest.raises(ValidationFailed) as bad:
        await admin.update_sla_policy(solve.id, SlaPolicyUpdate(target_stage_id=999))
    assert bad.value.field == "target_stage_id"

    with pytest.raises(PermissionDenied):
        await alice.update_sla_policy(made.id, SlaPolicyUpdate(hours=1), version=1)
    with pytest.raises(PermissionDenied):
        await alice.delete_sla_policy(made.id)
    await admin.delete_sla_policy(made.id)
    assert made.id not in {p.id for p in await admin.list_sla_policies(billing.id)}


async def test_templates_checked_previewed_and_edited(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    portal = await open_backend(PORTAL)
    with pytest.raises(ValidationFailed) as syntax:
        await admin.create_template(MailTemplateCreate(
            name="Broken", subject="Hi", body="Hello\n{{ customer.name "))
    assert syntax.value.field == "body" and "line 2" in syntax.value.message
    with pytest.raises(ValidationFailed) as unknown:
        await admin.check_template(MailTemplateCreate(
            name="x", subject="{{ ticket.password }}", body="ok"))
    assert unknown.value.field == "subject"
    draft = MailTemplateCreate(name="Thanks", subject="About {{ ticket.subject }}",
                               body="Dear {{ customer.name }}, #{{ ticket.number }} is in hand.")
    assert await admin.check_template(draft) is None
    made = await admin.create_template(draft)
    assert made.name in {t.name for t in await alice.list_templates()}
    with pytest.raises(ConflictError) as twice:
        await admin.create_template(draft)
    assert twice.value.field == "name"

    care = await team_named(admin, "Customer Care")
    customer = (await admin.list_customers(limit=1)).items[0]
    ticket = await admin.create_ticket(TicketCreate(team_id=care.id, subject="Printer jam",
                                                    customer_id=customer.id))
    preview = await alice.preview_template(draft, ticket.id)
    assert preview.subject == "About Printer jam"
    assert f"#{ticket.number} is in hand" in preview.body and customer.name in preview.body

    edited = await admin.update_template(made.id, MailTemplateUpdate(subject="Re: {{ "
                                                                     "ticket.subject }}"),
                                         version=made.version)
    assert edited.version == made.version + 1
    with pytest.raises(ConflictError):
        await admin.update_template(made.id, MailTemplateUpdate(body="late"),
                                    version=made.version)
    with pytest.raises(ValidationFailed) as bad_edit:
        await admin.update_template(made.id, MailTemplateUpdate(body="{{ agent.password }}"))
    assert bad_edit.value.field == "body"

    with pytest.raises(PermissionDenied):
        await alice.create_template(MailTemplateCreate(name="Mine", subject="s", body="b"))
    with pytest.raises(PermissionDenied):
        await alice.update_template(made.id, MailTemplateUpdate(body="b"), version=2)
    with pytest.raises(PermissionDenied):
        await portal.list_templates()
    with pytest.raises(PermissionDenied):
        await portal.check_template(draft)


async def test_agents_roles_deactivation_time_off_and_teams(open_backend, backend_db):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    me = await admin.me()
    new = await admin.create_agent(AgentCreate(email="Nora@Deskline.example", name="Nora"))
    assert (new.email.lower(), new.role, new.active) == ("nora@deskline.example", Role.agent, True)
    with pytest.raises(ConflictError) as twice:
        await admin.create_agent(AgentCreate(email="nora@deskline.example"))
    assert twice.value.field == "email"
    with pytest.raises(PermissionDenied):
        await alice.create_agent(AgentCreate(email="x@deskline.example"))

    with pytest.raises(ValidationFailed) as demote:
        await admin.update_agent(me.id, AgentUpdate(role=Role.agent))
    assert demote.value.field == "role"
    with pytest.raises(ValidationFailed) as last:
        await admin.deactivate_agent(me.id)
    assert last.value.field == "active"
    promoted = await admin.update_agent(new.id, AgentUpdate(role=Role.admin, name="Nora B."))
    assert (promoted.role, promoted.name) == (Role.admin, "Nora B.")
    await admin.update_agent(new.id, AgentUpdate(role=Role.agent))

    care, billing = await team_named(admin, "Customer Care"), await team_named(admin, "Billing")
    placed = await admin.set_agent_teams(new.id, [care.id, billing.id])
    assert placed.id in (await admin.get_team(billing.id)).member_ids
    await admin.set_agent_teams(new.id, [care.id])
    assert new.id not in (await admin.get_team(billing.id)).member_ids
    with pytest.raises(ValidationFailed) as no_team:
        await admin.set_agent_teams(new.id, [987_654])
    assert no_team.value.field == "team_ids"
    with pytest.raises(PermissionDenied):
        await alice.set_agent_teams(new.id, [])

    start = datetime(2030, 1, 6, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="end after it starts"):
        TimeOffCreate(start=start, end=start - timedelta(hours=1))
    away = await admin.add_time_off(new.id, TimeOffCreate(start=start,
                                                          end=start + timedelta(days=5)))
    assert [(p.start, p.end) for p in away.time_off] == [(start, start + timedelta(days=5))]
    back = await admin.remove_time_off(new.id, away.time_off[0].id)
    assert back.time_off == []
    with pytest.raises(NotFound):
        await admin.remove_time_off(new.id, away.time_off[0].id)
    alice_me = await alice.me()
    own = await alice.add_time_off(alice_me.id, TimeOffCreate(start=start,
                                                              end=start + timedelta(days=1)))
    assert len(own.time_off) == 1
    with pytest.raises(PermissionDenied):
        await alice.add_time_off(new.id, TimeOffCreate(start=start, end=start + timedelta(1)))

    make_token(backend_db, ALICE)  # a token to revoke, on every backend
    live = [t for t in await admin.list_tokens(alice_me.id) if t.revoked_at is None]
    assert live
    gone = await admin.deactivate_agent(alice_me.id)
    assert not gone.agent.active and gone.tokens_revoked == len(live)
    assert all(c.assignee_id == alice_me.id for c in gone.open_tickets)
    assert gone.open_tickets  # the demo gives Alice open tickets to hand over
    assert all(t.revoked_at is not None for t in await admin.list_tokens(alice_me.id))


async def test_organizations_and_projects_deleted_only_when_empty(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    org = await admin.create_organization(OrganizationCreate(name="Northwind",
                                                             domain="northwind.example"))
    with pytest.raises(ConflictError) as twice:
        await admin.create_organization(OrganizationCreate(name="NORTHWIND"))
    assert twice.value.field == "name"
    renamed = await admin.update_organization(org.id, OrganizationUpdate(name="Northwind Ltd"))
    assert renamed.name == "Northwind Ltd"
    project = await admin.create_project(ProjectCreate(name="Rollout", organization_id=org.id))
    assert (await admin.update_project(project.id, ProjectUpdate(name="Rollout 2"))).name == \
        "Rollout 2"
    with pytest.raises(ConflictError) as held:
        await admin.delete_organization(org.id)
    assert held.value.field == "organization_id"
    customer = await admin.create_customer(CustomerCreate(email="kim@northwind.example",
                                                          project_ids=[project.id]))
    with pytest.raises(ConflictError) as members:
        await admin.delete_project(project.id)
    assert members.value.field == "project_id"
    with pytest.raises(PermissionDenied):
        await alice.update_organization(org.id, OrganizationUpdate(name="Mine"))
    with pytest.raises(PermissionDenied):
        await alice.delete_project(project.id)

    from deskline.models import CustomerUpdate

    await admin.update_customer(customer.id, CustomerUpdate(project_ids=[]))
    await admin.delete_project(project.id)
    assert project.id not in {p.id for p in await admin.list_projects()}
    await admin.delete_organization(org.id)
    assert org.id not in {o.id for o in await admin.list_organizations()}
    with pytest.raises(NotFound):
        await admin.delete_organization(org.id)


async def test_tags_renamed_merged_and_deleted_on_every_ticket(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    care = await team_named(admin, "Customer Care")
    ticket = await admin.create_ticket(TicketCreate(team_id=care.id, subject="Tagged",
                                                    tags=["vip", "refund"]))
    vip, refund, billing = (await _tag(admin, "vip"), await _tag(admin, "refund"),
                            await _tag(admin, "billing"))
    with pytest.raises(ConflictError) as taken:
        await admin.rename_tag(vip.id, "billing")
    assert taken.value.field == "name"
    with pytest.raises(PermissionDenied):
        await alice.rename_tag(vip.id, "v")
    renamed = await admin.rename_tag(vip.id, "key-account")
    assert (renamed.name, renamed.ticket_count) == ("key-account", vip.ticket_count)
    assert "key-account" in (await admin.get_ticket(ticket.id)).tags

    merged = await admin.merge_tags(refund.id, billing.id)
    assert merged.id == billing.id
    tags = (await admin.get_ticket(ticket.id)).tags
    assert "billing" in tags and "refund" not in tags
    assert "refund" not in {t.name for t in await admin.list_tag_details()}
    assert "refund" not in await alice.list_tags()

    await admin.delete_tag(billing.id)
    assert "billing" not in (await admin.get_ticket(ticket.id)).tags
    with pytest.raises(NotFound):
        await admin.delete_tag(billing.id)
    with pytest.raises(PermissionDenied):
        await alice.merge_tags(vip.id, billing.id)


async def test_tokens_listed_and_revoked(open_backend, backend_db):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    alice_id = (await alice.me()).id
    make_token(backend_db, ALICE)
    make_token(backend_db, ALICE)
    make_token(backend_db, ADMIN)
    mine = await alice.list_tokens(alice_id)
    assert mine and all(t.agent_id == alice_id for t in mine)
    everyone = await admin.list_tokens()
    assert {t.agent_id for t in everyone} >= {alice_id, (await admin.me()).id}
    with pytest.raises(PermissionDenied):
        await alice.list_tokens()
    admins_token = next(t for t in everyone if t.agent_id != alice_id)
    with pytest.raises(NotFound):
        await alice.revoke_token(admins_token.id)
    # the oldest of Alice's: on the remote backend, not the one this backend signs in with
    revoked = await alice.revoke_token(mine[0].id)
    assert revoked.revoked_at is not None and revoked.id == mine[0].id
    other = next(t for t in await admin.list_tokens(alice_id) if t.revoked_at is None)
    assert (await admin.revoke_token(other.id)).revoked_at is not None


async def test_every_change_leaves_an_audit_row(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    me = await admin.me()
    team = await admin.create_team(TeamCreate(name="Audit Me"))
    await admin.update_team(team.id, TeamUpdate(name="Audited"), version=team.version)
    stage = await admin.create_stage(StageCreate(name="Audit stage"))
    page = await admin.audit_log(kind="team", limit=1)
    row = page.items[0]
    assert (row.kind, row.object_id, row.action, row.actor_id) == \
        ("team", team.id, "changed", me.id)
    assert row.actor_name == (me.name or me.email)
    assert [(c.field, c.old, c.new) for c in row.changes] == [("name", "Audit Me", "Audited")]
    assert page.next_cursor is not None
    older = await admin.audit_log(kind="team", cursor=page.next_cursor, limit=1)
    assert (older.items[0].action, older.items[0].object_name) == ("created", "Audit Me")
    newest = (await admin.audit_log(limit=1)).items[0]
    assert (newest.kind, newest.object_id, newest.action) == ("stage", stage.id, "created")
    with pytest.raises(ValidationFailed) as bad:
        await admin.audit_log(cursor="!!not a cursor")
    assert bad.value.field == "cursor"
    with pytest.raises(PermissionDenied):
        await alice.audit_log()
