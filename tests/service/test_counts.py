"""Kept ticket counts (store/counts.py, migration 0015) against a full count, after every
kind of write and under concurrent writers; the board's and the dashboard's answers the
same as counting the tickets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from deskline.demo import build_demo
from deskline.io.importer import run_import
from deskline.local import resolve_agent
from deskline.mail.intake import Intake
from deskline.models import (
    BoardFilter,
    MergeRequest,
    SplitRequest,
    TicketCreate,
    TicketEdit,
    TicketUpdate,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN, ALICE, FIXED_NOW, JONAS

FILES = Path(__file__).parents[1] / "io" / "files"
LATER = FIXED_NOW + timedelta(days=60)


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):
        return self.now


@pytest.fixture
def store(demo_db: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(demo_db)
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def admin(store: SqliteStore, clock: Clock) -> Service:
    return Service(store, resolve_agent(store, ADMIN), clock=clock)


def _counted_columns(store: SqliteStore, team_id: int, where: str = "1",
                     params: tuple = ()) -> dict[int, int]:
    return dict(store.conn.execute(
        "SELECT stage_id, count(*) FROM tickets WHERE team_id = ? AND archived = 0"
        f" AND {where} GROUP BY stage_id", (team_id, *params)).fetchall())


def _counted_figures(store: SqliteStore, agent_id: int, team_id: int) -> tuple:
    row = store.conn.execute(
        "SELECT count(*), sum(assignee_id IS NULL), sum(assignee_id = ?), sum(priority = 3),"
        " sum(sla_status = 'failed') FROM tickets WHERE is_open = 1 AND team_id = ?",
        (agent_id, team_id)).fetchone()
    return tuple(int(v or 0) for v in row)


def check(store: SqliteStore) -> None:
    """The kept counts are a full count, and what agents read says the same."""
    assert store.count_drift() == []
    for email in (ADMIN, ALICE, JONAS):
        svc = Service(store, resolve_agent(store, email), clock=lambda: FIXED_NOW)
        me = svc.actor.id
        for figures in svc.dashboard():
            assert (figures.open, figures.unassigned, figures.mine, figures.urgent,
                    figures.sla_failed) == _counted_figures(store, me, figures.team_id)
        for team in svc.list_teams():
            cases = [(None, "1", ()),
                     (BoardFilter(mine=True), "assignee_id = ?", (me,)),
                     (BoardFilter(unassigned=True), "assignee_id IS NULL", ()),
                     (BoardFilter(priority=2), "priority = 2", ()),
                     (BoardFilter(mine=True, priority=3), "assignee_id = ? AND priority = 3",
                      (me,))]
            for f, where, params in cases:
                shown = {c.stage.id: c.count for c in svc.board_columns(team.id, f) if c.count}
                assert shown == _counted_columns(store, team.id, where, params), (email, f)


def _open_ticket(store: SqliteStore, team: str = "Customer Care", skip: int = 0) -> tuple:
    return store.conn.execute(
        "SELECT t.id, t.version, t.team_id FROM tickets t JOIN teams m ON m.id = t.team_id"
        " WHERE m.name = ? AND t.is_open = 1 ORDER BY t.id LIMIT 1 OFFSET ?",
        (team, skip)).fetchone()


def test_the_demo_build_and_a_new_file_are_counted(store, tmp_path):
    check(store)
    empty = SqliteStore.open(tmp_path / "empty.db")
    assert empty.count_drift() == [] and empty.kept_team_figures(1, [1]) == {}
    empty.close()


def test_ticket_writes_keep_the_counts(store, admin):
    care = next(t for t in admin.list_teams() if t.name == "Customer Care")
    billing = next(t for t in admin.list_teams() if t.name == "Billing")
    closing = next(s for s in admin.list_stages(care.id) if s.closing)
    tid, version, _ = _open_ticket(store)
    admin.move_ticket(tid, version, care.stage_ids[1])
    admin.assign_ticket(tid, admin.get_ticket(tid).version, care.member_ids[0])
    admin.update_ticket(tid, admin.get_ticket(tid).version, TicketUpdate(priority=3))
    check(store)
    admin.move_ticket(tid, admin.get_ticket(tid).version, closing.id)  # closes it
    admin.assign_ticket(tid, admin.get_ticket(tid).version, None)
    other, v2, _ = _open_ticket(store, skip=1)
    admin.update_ticket(other, v2, TicketUpdate(team_id=billing.id))
    third, v3, _ = _open_ticket(store, skip=2)
    admin.edit_ticket(third, v3, TicketEdit(priority=0, stage_id=care.stage_ids[2],
                                            assignee_id=care.member_ids[-1]))
    created = admin.create_ticket(TicketCreate(subject="New", team_id=care.id, priority=3))
    check(store)
    admin.archive_ticket(created.id, created.version)
    fourth, v4, _ = _open_ticket(store, skip=3)
    admin.archive_ticket(fourth, v4)
    admin.archive_ticket(fourth, admin.get_ticket(fourth).version, archived=False)
    fifth, v5, _ = _open_ticket(store, skip=4)
    admin.delete_ticket(fifth, v5)
    check(store)


def test_merge_split_and_stage_deletion_keep_the_counts(store, admin):
    a, va, _ = _open_ticket(store)
    b, vb, _ = _open_ticket(store, skip=1)
    admin.merge(MergeRequest(target_id=a, source_ids=[b], versions={a: va, b: vb}))
    check(store)
    messages = [m.id for m in admin.ticket_messages(a, limit=200).items if m.kind != "event"]
    admin.split(a, SplitRequest(message_ids=messages[-1:], subject="Split off",
                                version=admin.get_ticket(a).version))
    check(store)
    care = next(t for t in admin.list_teams() if t.name == "Customer Care")
    stages = admin.list_stages(care.id)
    doomed = next(s for s in stages if s.name == "Waiting on Customer")
    admin.delete_stage(doomed.id, move_to=care.stage_ids[0])
    check(store)


def test_closing_sla_import_and_mail_keep_the_counts(store, admin, clock):
    clock.now = LATER
    assert admin.refresh_sla() > 0  # clocks fail: sla_failed moves
    assert admin.auto_close().closed
    check(store)
    report = run_import(admin, FILES / "tickets_de.csv", "tickets")
    assert report.written
    check(store)
    intake = Intake(store, team="Billing", clock=clock)
    result = intake.take(b"From: New Person <new@person.example>\r\nTo: help@x.example\r\n"
                         b"Subject: Printer on fire\r\nMessage-ID: <c1@person.example>\r\n"
                         b"\r\nIt burns.\r\n")
    assert result.ticket_id is not None
    tid, version, _ = _open_ticket(store)
    admin.close_my_ticket(tid, version)
    check(store)


def test_concurrent_writers_keep_the_counts(demo_db):
    """Four connections moving, assigning and opening tickets at once."""
    setup = SqliteStore.open(demo_db)
    admin = Service(setup, resolve_agent(setup, ADMIN), clock=lambda: FIXED_NOW)
    care = next(t for t in admin.list_teams() if t.name == "Customer Care")
    ids = [r[0] for r in setup.conn.execute(
        "SELECT id FROM tickets WHERE team_id = ? AND is_open = 1 ORDER BY id LIMIT 40",
        (care.id,))]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        store = SqliteStore.open(demo_db)
        svc = Service(store, resolve_agent(store, ADMIN), clock=lambda: FIXED_NOW)
        try:
            for i, tid in enumerate(ids[n::4]):
                t = svc.get_ticket(tid)
                svc.move_ticket(tid, t.version, care.stage_ids[(i + n) % len(care.stage_ids)])
                t = svc.get_ticket(tid)
                svc.assign_ticket(tid, t.version, care.member_ids[i % len(care.member_ids)])
                svc.create_ticket(TicketCreate(subject=f"w{n}-{i}", team_id=care.id,
                                               priority=i % 4))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check(setup)
    setup.close()


def test_deferred_counting_in_a_bulk_build_counts_the_same(tmp_path):
    build_demo(tmp_path / "d.db", tickets=120, seed=3, now=FIXED_NOW)
    store = SqliteStore.open(tmp_path / "d.db")
    assert store.count_drift() == []
    with store.transaction(), store.deferred_counting():
        store.conn.execute("UPDATE tickets SET priority = 3 WHERE id % 7 = 0")
        store.conn.execute("DELETE FROM tickets WHERE id % 11 = 0 AND merged_into IS NULL"
                           " AND id NOT IN (SELECT merged_into FROM tickets"
                           " WHERE merged_into IS NOT NULL)")
    assert store.count_drift() == []
    names = {r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ticket_counts%'")}
    assert names == {"ticket_counts_ai", "ticket_counts_au", "ticket_counts_ad"}
    store.close()
