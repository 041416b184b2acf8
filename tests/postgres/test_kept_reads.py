"""What `PgStore` keeps between reads (the teams, the actor, stages, SLA policies…): kept
while the directory is unchanged, read again as soon as another connection or process
changed it — a role taken away, a team renamed — and never stale after a write."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from deskline.errors import PermissionDenied
from deskline.models import AgentUpdate, Role, TeamUpdate
from deskline.service import Service
from deskline.store.postgres.store import PgStore
from tests.conftest import ADMIN, ALICE, FIXED_NOW


@pytest.fixture
def two(pg_demo_url: str) -> Iterator[tuple[PgStore, PgStore]]:
    """Two stores on one database, each with its own pool: two server processes."""
    one, other = PgStore.open(pg_demo_url, max_size=2), PgStore.open(pg_demo_url, max_size=2)
    yield one, other
    one.close()
    other.close()


def service(store: PgStore, email: str) -> Service:
    actor = store.agent_by_email(email)
    assert actor is not None
    return Service(store, actor, clock=lambda: FIXED_NOW)


def sent(store: PgStore) -> int:
    """The statements this thread has sent through the store's mixins so far."""
    return store.statements.counts().statements


def test_a_role_taken_away_elsewhere_counts_at_once(two: tuple[PgStore, PgStore]) -> None:
    here, there = two
    alice, admin = service(here, ALICE), service(there, ADMIN)
    admin.update_agent(alice.actor.id, AgentUpdate(role=Role.admin))
    assert alice.scope().all_teams  # the actor and the teams now kept here
    assert alice.scope().all_teams
    admin.update_agent(alice.actor.id, AgentUpdate(role=Role.agent))
    assert not alice.scope().all_teams
    admin.deactivate_agent(alice.actor.id)
    with pytest.raises(PermissionDenied, match="deactivated"):
        alice.list_teams()


def test_a_team_edited_by_another_process_shows_at_once(pg_demo_url: str) -> None:
    store = PgStore.open(pg_demo_url, max_size=2)
    try:
        alice = service(store, ALICE)
        team = alice.list_teams()[0]
        store.memo.begin_request()  # a server request: one look at its first kept read
        assert alice.list_teams()[0].name == team.name
        store.memo.end_request()
        script = ("import sys; from deskline.models import TeamUpdate;"
                  "from deskline.service import Service;"
                  "from deskline.store.postgres.store import PgStore;"
                  "s = PgStore.open(sys.argv[1]);"
                  "svc = Service(s, s.agent_by_email(sys.argv[2]));"
                  "svc.update_team(int(sys.argv[3]), TeamUpdate(name='Renamed elsewhere'))")
        subprocess.run([sys.executable, "-c", script, pg_demo_url, ADMIN, str(team.id)],
                       check=True, timeout=60)
        store.memo.begin_request()
        assert [t.name for t in alice.list_teams() if t.id == team.id] == ["Renamed elsewhere"]
        store.memo.end_request()
    finally:
        store.close()


def test_ticket_writes_keep_the_directory_and_its_writes_do_not(
        two: tuple[PgStore, PgStore]) -> None:
    here, there = two
    alice, admin = service(here, ALICE), service(there, ADMIN)
    team, stages = here.teams()[0], here.stages(here.teams()[0].id)
    admin.comment(20, "a ticket write elsewhere")
    before = sent(here)
    assert here.teams()[0] == team and here.stages(team.id) == stages
    assert sent(here) == before  # kept: one look at the version, no statement resent
    admin.update_team(team.id, TeamUpdate(description="changed elsewhere"))
    assert here.teams()[0].description == "changed elsewhere"
    assert sent(here) > before
    # The caller's copy is its own: changing it changes nothing kept.
    here.teams().clear()
    assert here.teams() and alice.list_teams()


def test_own_writes_count_inside_a_transaction_and_a_rollback_forgets_them(
        pg_demo_url: str) -> None:
    store = PgStore.open(pg_demo_url, max_size=2)
    try:
        admin = service(store, ADMIN)
        team = store.teams()[0]
        with pytest.raises(RuntimeError), store.transaction():
            admin.update_team(team.id, TeamUpdate(description="rolled back"))
            assert store.team(team.id).description == "rolled back"  # its own write
            ticket = admin.get_ticket(20)
            admin.comment(20, "inside")
            assert admin.get_ticket(20).message_count == ticket.message_count + 1
            raise RuntimeError("undo")
        assert store.team(team.id).description == team.description
        assert admin.get_ticket(20).message_count == ticket.message_count
    finally:
        store.close()
