"""Automatic closing, customers closing their own tickets, rating requests and ratings,
with a fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from deskline.errors import NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    MessageKind,
    RatingAnswer,
    RatingCreate,
    Stage,
    Team,
    TeamUpdate,
    TicketCreate,
)
from deskline.rules import closing
from tests.conftest import ALICE, FIXED_NOW, PORTAL
from tests.io.conftest import as_

LATER = FIXED_NOW + timedelta(days=10)


def _team(svc, name: str) -> Team:
    return next(t for t in svc.list_teams() if t.name == name)


def _stage(svc, team: Team, name: str) -> Stage:
    return next(s for s in svc.list_stages(team.id) if s.name == name)


def _outbox(store, kind: str) -> list[tuple]:
    return store.conn.execute("SELECT ticket_id, to_addr, subject, body FROM outbox"
                              " WHERE kind = ? ORDER BY id", (kind,)).fetchall()


# --- the pure rules ------------------------------------------------------------------------


def _rule_team(**kw) -> Team:
    return Team(id=1, name="T", stage_ids=[1, 2, 3, 4], **kw)


STAGES = [Stage(id=1, name="New", sequence=10), Stage(id=2, name="Waiting", sequence=20),
          Stage(id=3, name="Solved", sequence=30, closing=True),
          Stage(id=4, name="Cancelled", sequence=40, closing=True)]


def test_closing_stage_is_the_teams_first_closing_stage():
    assert closing.closing_stage(_rule_team(), STAGES).name == "Solved"
    team = Team(id=1, name="T", stage_ids=[4, 1])
    assert closing.closing_stage(team, STAGES).name == "Cancelled"
    assert closing.closing_stage(Team(id=1, name="T", stage_ids=[1, 2]), STAGES) is None


def test_due_for_auto_close():
    team = _rule_team(auto_close_days=7)
    now = FIXED_NOW
    assert closing.due_for_auto_close(team, STAGES[0], now - timedelta(days=7), now)
    assert not closing.due_for_auto_close(team, STAGES[0], now - timedelta(days=6, hours=23),
                                          now)
    assert not closing.due_for_auto_close(team, STAGES[2], now - timedelta(days=30), now)
    assert not closing.due_for_auto_close(_rule_team(), STAGES[0], now - timedelta(days=99),
                                          now)
    only_waiting = _rule_team(auto_close_days=7, auto_close_stage_ids=[2])
    assert not closing.due_for_auto_close(only_waiting, STAGES[0], now - timedelta(days=9), now)
    assert closing.due_for_auto_close(only_waiting, STAGES[1], now - timedelta(days=9), now)


@pytest.mark.parametrize("text, answer", [
    ("Satisfied!", RatingAnswer.satisfied), ("ok, thanks", RatingAnswer.okay),
    ("  Dissatisfied. The printer still fails", RatingAnswer.dissatisfied),
    ("zufrieden", RatingAnswer.satisfied), ("Thanks a lot", None), ("", None),
])
def test_parse_rating(text, answer):
    assert closing.parse_rating(text) is answer


def test_scores():
    assert [closing.score(a) for a in ("satisfied", "okay", "dissatisfied")] == [5, 3, 1]


# --- automatic closing -------------------------------------------------------------------


def _due_ids(store, team_id: int, days: int, now) -> list[int]:
    cutoff = (now - timedelta(days=days)).isoformat(timespec="microseconds")
    return [r[0] for r in store.conn.execute(
        "SELECT id FROM tickets WHERE team_id = ? AND is_open = 1 AND updated_at <= ?"
        " ORDER BY updated_at, id", (team_id, cutoff))]


def test_auto_close_closes_inactive_tickets_with_event_and_mail(admin, store, clock):
    clock.now = LATER
    care = _team(admin, "Customer Care")
    assert care.auto_close_days == 14
    expected = _due_ids(store, care.id, 14, LATER)
    assert len(expected) >= 3  # the demo has some; the test means something
    result = admin.auto_close()
    assert result.closed == expected and result.skipped == 0
    assert result.rating_requests == len(expected)  # Customer Care asks for ratings
    ticket = admin.get_ticket(expected[0])
    assert ticket.stage_name == "Solved" and ticket.closed_at == LATER
    events = [m for m in admin.ticket_messages(ticket.id, limit=200).items
              if m.kind is MessageKind.event]
    assert events[-1].body == "Closed automatically after 14 days without activity"
    assert events[-1].events[0].new == "Solved"
    mails = _outbox(store, "rating")
    assert [m[0] for m in mails] == expected
    assert mails[0][1] == ticket.customer_email
    assert mails[0][2] == f"[#{ticket.number}] How did we do?"
    assert "satisfied, okay or dissatisfied" in mails[0][3]
    # The stage's own template ("Ticket solved") goes out too, as for any move.
    assert ticket.id in {m[0] for m in _outbox(store, "stage_template")}
    # Nothing else is due: a second run closes nothing; other teams never auto-close.
    assert admin.auto_close().closed == []
    billing = _team(admin, "Billing")
    assert _due_ids(store, billing.id, 14, LATER)  # inactive, but Billing has no auto_close


def test_auto_close_only_from_chosen_stages(admin, store, clock):
    clock.now = LATER
    care = _team(admin, "Customer Care")
    waiting = _stage(admin, care, "Waiting on Customer")
    admin.update_team(care.id, TeamUpdate(auto_close_stage_ids=[waiting.id]))
    assert admin.get_team(care.id).auto_close_stage_ids == [waiting.id]
    expected = [i for i in _due_ids(store, care.id, 14, LATER)
                if store.conn.execute("SELECT stage_id FROM tickets WHERE id = ?",
                                      (i,)).fetchone()[0] == waiting.id]
    assert admin.auto_close().closed == expected


def test_activity_keeps_a_ticket_open(admin, store, clock):
    clock.now = LATER
    care = _team(admin, "Customer Care")
    due = _due_ids(store, care.id, 14, LATER)
    admin.reply(due[0], "Still looking into it.")
    assert due[0] not in admin.auto_close().closed


def test_auto_close_is_for_admins(store, clock):
    with pytest.raises(PermissionDenied):
        as_(store, ALICE, clock).auto_close()


# --- rating requests on closing ------------------------------------------------------------


def test_moving_into_a_closing_stage_asks_for_a_rating_when_the_team_wants_one(admin, store):
    care, billing = _team(admin, "Customer Care"), _team(admin, "Billing")
    customer = admin.list_customers(limit=1).items[0]
    for team in (care, billing):
        ticket = admin.create_ticket(TicketCreate(team_id=team.id, subject="Rate me",
                                                  customer_id=customer.id))
        admin.move_ticket(ticket.id, ticket.version, _stage(admin, team, "Solved").id)
    asked = [m[0] for m in _outbox(store, "rating")]
    assert len(asked) == 1 and admin.get_ticket(asked[0]).team_id == care.id
    # Reopened and closed again: asked once only.
    ticket = admin.get_ticket(asked[0])
    ticket = admin.move_ticket(ticket.id, ticket.version, _stage(admin, care, "New").id)
    admin.move_ticket(ticket.id, ticket.version, _stage(admin, care, "Solved").id)
    assert len(_outbox(store, "rating")) == 1


# --- customers closing their own tickets, and rating them -----------------------------------


@pytest.fixture
def portal_ticket(admin, store, clock):
    portal = as_(store, PORTAL, clock)
    onboarding = _team(admin, "Onboarding")  # the public team: portal accounts see it
    ticket = portal.create_ticket(TicketCreate(team_id=onboarding.id, subject="Set me up"))
    return portal, onboarding, ticket


def test_customer_closes_own_ticket_only_when_the_team_allows(admin, store, portal_ticket):
    portal, onboarding, ticket = portal_ticket
    with pytest.raises(PermissionDenied, match="does not let customers close"):
        portal.close_my_ticket(ticket.id, ticket.version)
    admin.update_team(onboarding.id, TeamUpdate(customers_may_close=True, ratings=True))
    closed = portal.close_my_ticket(ticket.id, ticket.version)
    assert closed.closed_at == FIXED_NOW and closed.stage_name == "Solved"
    assert closed.version == ticket.version + 1
    events = [m for m in admin.ticket_messages(ticket.id, limit=50).items
              if m.kind is MessageKind.event]
    assert events[-1].body == "Closed by the customer"
    assert events[-1].author_customer_id == portal.actor.customer_id
    assert [m[0] for m in _outbox(store, "rating")] == [ticket.id]
    # Closing again is harmless; someone else's ticket stays out of reach.
    assert portal.close_my_ticket(ticket.id, closed.version).closed_at == FIXED_NOW
    other = admin.create_ticket(TicketCreate(team_id=onboarding.id, subject="Not yours",
                                             customer_id=admin.list_customers().items[1].id))
    with pytest.raises(NotFound):
        portal.close_my_ticket(other.id, other.version)


def test_rating_with_comment_goes_into_the_chatter(admin, store, portal_ticket, clock):
    portal, onboarding, ticket = portal_ticket
    admin.update_team(onboarding.id, TeamUpdate(customers_may_close=True, ratings=True))
    with pytest.raises(ValidationFailed, match="is not closed yet"):
        portal.rate_ticket(ticket.id, RatingCreate(answer="satisfied"))
    closed = portal.close_my_ticket(ticket.id, ticket.version)
    admin.update_team(onboarding.id, TeamUpdate(ratings=False))
    with pytest.raises(ValidationFailed, match="does not ask for ratings"):
        portal.rate_ticket(ticket.id, RatingCreate(answer="satisfied"))
    admin.update_team(onboarding.id, TeamUpdate(ratings=True))
    clock.now = FIXED_NOW + timedelta(hours=3)
    rated = portal.rate_ticket(closed.id, RatingCreate(answer="satisfied",
                                                       comment="Quick and friendly"))
    assert rated.rating == 5
    assert store.conn.execute("SELECT rated_at FROM tickets WHERE id = ?",
                              (ticket.id,)).fetchone()[0].startswith("2026-11-16T15:00")
    event = [m for m in admin.ticket_messages(ticket.id, limit=50).items
             if m.kind is MessageKind.event][-1]
    assert event.body == "Rated satisfied (5/5): Quick and friendly"
    assert (event.events[0].field, event.events[0].new) == ("rating", "satisfied")
    # An agent records a changed answer given on the phone: okay is 3.
    assert admin.rate_ticket(ticket.id, RatingCreate(answer="okay")).rating == 3
    assert admin.rate_ticket(ticket.id, RatingCreate(answer="dissatisfied")).rating == 1
    with pytest.raises(ValidationError):
        RatingCreate(answer="meh")
