"""The change feed's store: every writer bumps it (the bulk writer, a delete, a follow),
and trimmed tombstones turn an older cursor into a reset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deskline.errors import PermissionDenied
from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN, ALICE, FIXED_NOW


@pytest.fixture
def store(demo_db):
    opened = SqliteStore.open(demo_db)
    yield opened
    opened.close()


def test_follow_and_delete_are_changes_and_trimming_resets_old_cursors(store):
    admin = Service(store, resolve_agent(store, ADMIN), clock=lambda: FIXED_NOW)
    start = admin.ticket_changes(limit=1000)
    assert len(start.items) == 300  # the demo's bulk writer numbered every ticket
    first, second = start.items[0].ticket, start.items[1].ticket
    assert first and second
    admin.follow_ticket(first.id, True)
    admin.delete_ticket(second.id, second.version)
    after = admin.ticket_changes(start.cursor)
    assert [(c.id, c.deleted) for c in after.items] == [(first.id, False), (second.id, True)]

    assert admin.trim_tombstones() == 0  # deleted just now: kept
    later = Service(store, admin.actor, clock=lambda: FIXED_NOW + timedelta(days=400))
    assert later.trim_tombstones() == 1
    reset = admin.ticket_changes(start.cursor)  # older than the dropped tombstone
    assert reset.reset and len(reset.items) == 299 and not any(c.deleted for c in reset.items)
    current = admin.ticket_changes(after.cursor)  # newer: carries on
    assert not current.reset and current.items == []
    with pytest.raises(PermissionDenied):
        Service(store, resolve_agent(store, ALICE)).trim_tombstones()
