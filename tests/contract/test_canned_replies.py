"""Contract: canned replies — personal and per team, checked when saved, rendered for a
ticket by the engine — the same on every backend."""

from __future__ import annotations

import pytest

from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import CannedReplyCreate, CannedReplyUpdate, TicketCreate
from tests.conftest import ADMIN, ALICE, JONAS, PORTAL


async def test_canned_replies_kept_checked_shared_and_rendered(open_backend):
    admin = await open_backend(ADMIN)
    alice = await open_backend(ALICE)
    jonas = await open_backend(JONAS)
    portal = await open_backend(PORTAL)
    teams = {t.name: t for t in await admin.list_teams()}
    care, platform = teams["Customer Care"], teams["Platform Escalations"]

    # A body that does not compile is refused when saved, naming the field and the line.
    with pytest.raises(ValidationFailed) as broken:
        await alice.create_canned_reply(CannedReplyCreate(name="Hi", body="Hi\n{{ ticket. }}"))
    assert broken.value.field == "body" and "line 2" in broken.value.message
    with pytest.raises(ValidationFailed) as unknown:
        await alice.create_canned_reply(CannedReplyCreate(name="Hi", body="{{ agent.secret }}"))
    assert unknown.value.field == "body"

    body = ('Hello {{ customer.first_name or "there" }}, about #{{ ticket.number }}'
            ' ({{ customer.email | default("no email") }}).\n'
            "{{ agent.name }}")
    mine = await alice.create_canned_reply(CannedReplyCreate(name="Hello", body=body))
    assert (mine.agent_id, mine.team_id) == ((await alice.me()).id, None)
    with pytest.raises(ConflictError) as twice:  # unique per owner, case ignored
        await alice.create_canned_reply(CannedReplyCreate(name="hello", body="x"))
    assert twice.value.field == "name"
    # Another agent may use the same name for their own.
    await jonas.create_canned_reply(CannedReplyCreate(name="Hello", body="Jonas here"))

    # Team replies: admins only; names unique per team.
    with pytest.raises(PermissionDenied):
        await alice.create_canned_reply(CannedReplyCreate(name="T", body="b", team_id=care.id))
    team_reply = await admin.create_canned_reply(CannedReplyCreate(
        name="Refund steps", body="Refunds take 5 days, {{ customer.name }}.",
        team_id=care.id))
    assert team_reply.team_name == "Customer Care"
    with pytest.raises(ConflictError):
        await admin.create_canned_reply(CannedReplyCreate(name="REFUND STEPS", body="b",
                                                          team_id=care.id))
    secret = await admin.create_canned_reply(CannedReplyCreate(
        name="On call", body="Paging the engineer.", team_id=platform.id))

    # Who sees what: their own plus the teams they see; another's personal one is a 404.
    names = [(r.name, r.team_id) for r in await alice.list_canned_replies()]
    assert ("Hello", None) in names and ("Refund steps", care.id) in names
    assert ("Hello", None) in [(r.name, r.team_id) for r in await jonas.list_canned_replies()]
    assert secret.id not in {r.id for r in await jonas.list_canned_replies()}
    with pytest.raises(NotFound):
        await jonas.get_canned_reply(secret.id)
    with pytest.raises(NotFound):
        await jonas.get_canned_reply(mine.id)
    with pytest.raises(NotFound):
        await admin.update_canned_reply(mine.id, CannedReplyUpdate(body="mine now"))
    assert [r.id for r in await alice.list_canned_replies(team_id=care.id)] == [team_reply.id]
    with pytest.raises(PermissionDenied):
        await portal.list_canned_replies()

    # An agent edits and deletes their own, never a team's.
    edited = await alice.update_canned_reply(mine.id, CannedReplyUpdate(name="Hello there"))
    assert (edited.name, edited.body) == ("Hello there", body)
    with pytest.raises(ValidationFailed) as bad_edit:
        await alice.update_canned_reply(mine.id, CannedReplyUpdate(body="{% if %}"))
    assert bad_edit.value.field == "body"
    with pytest.raises(PermissionDenied):
        await alice.update_canned_reply(team_reply.id, CannedReplyUpdate(body="b"))
    with pytest.raises(PermissionDenied):
        await alice.delete_canned_reply(team_reply.id)

    # Rendered by the engine for a ticket; missing values fall back, never raise.
    customer = (await admin.list_customers(limit=1)).items[0]
    ticket = await admin.create_ticket(TicketCreate(team_id=care.id, subject="Printer jam",
                                                    customer_id=customer.id))
    offered = await alice.list_canned_replies(ticket_id=ticket.id)
    assert {r.id for r in offered} >= {mine.id, team_reply.id}
    assert secret.id not in {r.id for r in offered}
    rendered = await alice.render_canned_reply(mine.id, ticket.id)
    first = customer.name.split()[0]
    assert rendered.text == \
        f"Hello {first}, about #{ticket.number} ({customer.email}).\nAlice Martin"
    assert rendered.problem is None
    no_customer = await admin.create_ticket(TicketCreate(team_id=care.id, subject="Walk-in"))
    assert (await alice.render_canned_reply(mine.id, no_customer.id)).text.startswith(
        f"Hello there, about #{no_customer.number} (no email).")
    assert (await alice.render_canned_reply(team_reply.id, no_customer.id)).text == \
        "Refunds take 5 days, ."
    with pytest.raises(NotFound):
        await jonas.render_canned_reply(mine.id, ticket.id)
    # A body that compiles but fails on its data is inserted as written, with the problem.
    odd = await alice.create_canned_reply(CannedReplyCreate(name="Odd",
                                                            body="{{ ticket.number / 0 }}"))
    failed = await alice.render_canned_reply(odd.id, ticket.id)
    assert (failed.text, failed.problem) == ("{{ ticket.number / 0 }}", "line 1: division by zero")

    await alice.delete_canned_reply(mine.id)
    with pytest.raises(NotFound):
        await alice.get_canned_reply(mine.id)
    await admin.delete_canned_reply(team_reply.id)
    assert team_reply.id not in {r.id for r in await alice.list_canned_replies()}
    assert [e.action for e in (await admin.audit_log(kind="canned_reply")).items] == \
        ["deleted", "created", "created"]  # team replies only: configuration
