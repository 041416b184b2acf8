"""Webhook events queued with the change and delivered to a receiver on loopback: signed,
in order per ticket, retried with backoff, refused for private destinations, and sent
again with the same delivery id after a deliverer dies mid-delivery."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from deskline.clock import utcnow
from deskline.errors import ValidationFailed
from deskline.models import (
    MergeRequest,
    RatingCreate,
    TeamUpdate,
    TicketCreate,
    TicketUpdate,
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
    WebhookEvent,
    WebhookStatus,
)
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from deskline.webhooks.delivery import Deliverer
from tests.webhooks.receiver import Receiver

ALL = list(WebhookEvent)


def _endpoint(admin: Service, receiver: Receiver, **kw) -> int:
    created = admin.create_webhook(WebhookEndpointCreate(
        url=kw.pop("url", receiver.url), events=kw.pop("events", ALL),
        allow_private=kw.pop("allow_private", True), **kw))
    receiver.secret = created.secret
    return created.id


def _deliverer(store: SqliteStore, **kw) -> Deliverer:
    kw.setdefault("base_delay", 0)
    kw.setdefault("timeout", 2)
    return Deliverer(store, **kw)


def _new_ticket(admin: Service, subject: str = "Printer on fire"):
    team = next(t for t in admin.list_teams() if t.stage_ids and not t.archived)
    return admin.create_ticket(TicketCreate(team_id=team.id, subject=subject,
                                            description="It smokes [bold]now[/]\x1b]52;c;x\x07"))


def test_events_are_signed_delivered_in_order_with_the_ticket(
        admin: Service, store: SqliteStore, receiver: Receiver) -> None:
    _endpoint(admin, receiver)
    ticket = _new_ticket(admin)
    ticket = admin.update_ticket(ticket.id, ticket.version, TicketUpdate(priority=3))
    admin.reply(ticket.id, 'Hello "customer" </script> \x1b[31m')
    with _deliverer(store) as d:
        report = d.deliver()
    assert report.delivered == 3 and not report.failed
    assert receiver.events() == ["ticket.created", "ticket.updated", "reply.created"]
    assert all(r.valid for r in receiver.received)
    first = receiver.received[0]
    assert first.headers["deskline-event"] == "ticket.created"
    assert first.json["id"] == first.headers["deskline-delivery"]
    assert first.json["ticket"]["id"] == ticket.id
    # customers' text stays data: JSON strings, byte for byte
    assert first.json["ticket"]["description"].endswith("[bold]now[/]\x1b]52;c;x\x07")
    assert receiver.received[2].json["message"]["body"] == 'Hello "customer" </script> \x1b[31m'
    log = admin.webhook_deliveries(admin.list_webhooks()[0].id).items
    assert [d.status for d in log] == [WebhookStatus.delivered] * 3
    assert log[0].response_code == 200 and log[0].attempts == 1


def test_a_tampered_or_replayed_request_fails_the_receivers_check(
        admin: Service, store: SqliteStore, receiver: Receiver) -> None:
    from tests.webhooks.receiver import verify

    _endpoint(admin, receiver, events=[WebhookEvent.ticket_created])
    _new_ticket(admin)
    with _deliverer(store) as d:
        d.deliver()
    got = receiver.received[0]
    now = float(got.headers["deskline-timestamp"])
    assert verify(receiver.secret, got.headers, got.body, now)
    assert not verify(receiver.secret, got.headers, got.body + b" ", now)
    assert not verify("whsec_other", got.headers, got.body, now)
    assert not verify(receiver.secret, got.headers, got.body, now + 3600)  # a replay later


def test_internal_comments_only_reach_endpoints_that_allow_them(
        admin: Service, store: SqliteStore) -> None:
    open_, internal = Receiver().start(), Receiver().start()
    try:
        _endpoint(admin, open_)
        _endpoint(admin, internal, allow_internal=True)
        ticket = _new_ticket(admin)
        admin.comment(ticket.id, "internal: the customer is difficult")
        with _deliverer(store) as d:
            d.deliver()
        assert open_.events() == ["ticket.created"]
        assert internal.events() == ["ticket.created", "comment.created"]
        assert "difficult" not in b"".join(r.body for r in open_.received).decode()
    finally:
        open_.stop()
        internal.stop()


def test_closed_reopened_merged_rated_and_deleted(admin: Service, store: SqliteStore,
                                                 receiver: Receiver) -> None:
    _endpoint(admin, receiver)
    ticket = _new_ticket(admin)
    team = admin.update_team(ticket.team_id, TeamUpdate(ratings=True))
    stages = {s.id: s for s in admin.list_stages(team.id)}
    closing = next(i for i in team.stage_ids if stages[i].closing)
    ticket = admin.move_ticket(ticket.id, ticket.version, closing)
    ticket = admin.rate_ticket(ticket.id, RatingCreate(answer="satisfied"))
    ticket = admin.move_ticket(ticket.id, ticket.version, team.stage_ids[0])
    admin.delete_ticket(ticket.id, ticket.version)
    with _deliverer(store) as d:
        d.deliver()
    events = receiver.events()
    assert events[:2] == ["ticket.created", "ticket.closed"]
    assert events[-2:] == ["ticket.reopened", "ticket.deleted"]
    rated = receiver.received[events.index("rating.received")].json
    assert rated["rating"]["answer"] == "satisfied" and rated["rating"]["score"] == 5
    assert receiver.received[-1].json["ticket"]["id"] == ticket.id

    source, target = _new_ticket(admin, "dup"), _new_ticket(admin, "orig")
    admin.merge(MergeRequest(target_id=target.id, source_ids=[source.id],
                             versions={source.id: source.version, target.id: target.version}))
    with _deliverer(store) as d:
        d.deliver()
    merged = [r.json for r in receiver.received if r.json["type"] == "ticket.merged"]
    assert [m["ticket"]["id"] for m in merged] == [source.id]
    assert merged[0]["ticket"]["merged_into"] == target.id
    assert any(r.json["type"] == "ticket.updated" and r.json["ticket"]["id"] == target.id
               for r in receiver.received)  # the target


def test_a_rolled_back_write_queues_nothing(admin: Service, store: SqliteStore,
                                            receiver: Receiver) -> None:
    _endpoint(admin, receiver)
    ticket = _new_ticket(admin)
    with pytest.raises(ValidationFailed):
        admin.update_ticket(ticket.id, ticket.version, TicketUpdate(team_id=999999))
    assert [d.event for d in admin.webhook_deliveries(admin.list_webhooks()[0].id).items] == \
        ["ticket.created"]


def test_500_is_retried_with_backoff_then_failed_and_redelivered(
        admin: Service, store: SqliteStore, receiver: Receiver) -> None:
    endpoint = _endpoint(admin, receiver, events=[WebhookEvent.ticket_created])
    receiver.status = 500
    _new_ticket(admin)
    now = utcnow()  # one fixed "now" for the deliverer: the backoff is exact
    with _deliverer(store, base_delay=60, max_delay=300, clock=lambda: now) as d:
        assert [d.backoff(n).total_seconds() for n in (1, 2, 3, 4, 9)] == \
            [60, 120, 240, 300, 300]
        report = d.deliver()
    assert report.retried == 1
    row = admin.webhook_deliveries(endpoint).items[0]
    assert row.status is WebhookStatus.queued and row.response_code == 500
    assert row.next_attempt_at is not None and row.last_attempt_at is not None
    assert row.next_attempt_at - row.last_attempt_at == timedelta(seconds=60)
    # later attempts, the clock moved on past each backoff
    with _deliverer(store, max_attempts=3, clock=lambda: utcnow() + timedelta(hours=1)) as d:
        d.deliver()
    row = admin.webhook_deliveries(endpoint).items[0]
    assert row.status is WebhookStatus.failed and row.attempts == 3
    assert len(receiver.received) == 3
    receiver.status = 200
    assert admin.redeliver_webhook(row.id).status is WebhookStatus.queued
    with _deliverer(store) as d:
        assert d.deliver().delivered == 1
    ids = {r.headers["deskline-delivery"] for r in receiver.received}
    assert ids == {row.delivery_id}  # every attempt and the redelivery: one delivery id


def test_a_failing_event_holds_back_the_later_events_of_its_ticket(
        admin: Service, store: SqliteStore, receiver: Receiver) -> None:
    endpoint = _endpoint(admin, receiver)
    receiver.status = 500
    first = _new_ticket(admin, "first")
    admin.reply(first.id, "a later event of the first ticket")
    with _deliverer(store, base_delay=3600) as d:
        d.deliver()
    assert receiver.events() == ["ticket.created"]  # the reply waits behind it
    receiver.status = 200
    second = _new_ticket(admin, "second")  # another ticket is not held back
    with _deliverer(store) as d:
        d.deliver()
    assert receiver.events()[-1] == "ticket.created"
    assert receiver.received[-1].json["ticket"]["id"] == second.id
    statuses = {d.event: d.status for d in admin.webhook_deliveries(endpoint).items
                if d.ticket_id == first.id}
    assert statuses == {"ticket.created": WebhookStatus.queued,
                        "reply.created": WebhookStatus.queued}


def test_down_and_slow_receivers_are_retried(admin: Service, store: SqliteStore) -> None:
    down = Receiver().start()
    url = down.url
    down.stop()  # nothing listens there now
    slow = Receiver(delay=1.0).start()
    try:
        admin.create_webhook(WebhookEndpointCreate(url=url, events=ALL, allow_private=True))
        _endpoint(admin, slow)
        _new_ticket(admin)
        with _deliverer(store, timeout=0.3, base_delay=60) as d:
            report = d.deliver()
        assert report.retried == 2 and not report.delivered
        errors = {e.url: admin.webhook_deliveries(e.id).items[0].error
                  for e in admin.list_webhooks()}
        assert "ConnectError" in (errors[url] or "")
        assert errors[slow.url] == "timed out"
    finally:
        slow.stop()


def test_private_destinations_are_refused_unless_allowed(
        admin: Service, store: SqliteStore, receiver: Receiver) -> None:
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://169.254.169.254/",
                "http://[::1]/", "http://10.0.0.7/", "http://[::ffff:127.0.0.1]/"):
        with pytest.raises(ValidationFailed) as refused:
            admin.create_webhook(WebhookEndpointCreate(url=url, events=ALL))
        assert refused.value.field == "url"
    # a name that resolves to loopback is refused when delivering, for good
    hook = admin.create_webhook(WebhookEndpointCreate(
        url=receiver.url.replace("127.0.0.1", "hooks.example.com"), events=ALL))
    _new_ticket(admin)
    resolve = lambda host, port: ["127.0.0.1"]  # noqa: E731 - a DNS answer for the test
    with _deliverer(store, resolve=resolve) as d:
        report = d.deliver()
    assert report.failed == 1 and receiver.received == []
    assert "not a public address" in (admin.webhook_deliveries(hook.id).items[0].error or "")
    # allowed for that endpoint: delivered to the address resolved, with the name as Host
    admin.update_webhook(hook.id, WebhookEndpointUpdate(allow_private=True))
    receiver.secret = hook.secret
    _new_ticket(admin)
    with _deliverer(store, resolve=resolve) as d:
        assert d.deliver().delivered == 1
    assert receiver.received[0].headers["host"].startswith("hooks.example.com")


def test_a_server_killed_mid_delivery_sends_again_with_the_same_id(
        admin: Service, store: SqliteStore, demo_db: Path) -> None:
    from tests.mail.conftest import free_port

    receiver = Receiver(hold=threading.Event()).start()
    try:
        _endpoint(admin, receiver, events=[WebhookEvent.ticket_created])
        _new_ticket(admin)
        code = "import sys; from deskline.cli import main; sys.exit(main(sys.argv[1:]))"
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--db", str(demo_db), "--port",
             str(free_port()), "--no-mail", "--no-maintenance", "--webhooks-every", "0.1"],
            cwd=Path(__file__).parents[2], stdout=subprocess.DEVNULL)
        try:
            assert receiver.arrived.wait(30), "the server's job never called"
        finally:
            proc.kill()  # SIGKILL while the receiver holds the request
            proc.wait()
        hook = admin.list_webhooks()[0]
        row = admin.webhook_deliveries(hook.id).items[0]
        assert row.status is WebhookStatus.sending  # claimed, then the process died
        receiver.hold.set()  # type: ignore[union-attr]
        with _deliverer(store) as d:  # the lease has not lapsed: nothing yet
            assert d.deliver().delivered == 0
        with _deliverer(store, clock=lambda: utcnow() + timedelta(hours=1)) as d:
            assert d.recover() == 1  # an hour later the lease has lapsed
        with _deliverer(store) as d:
            assert d.deliver().delivered == 1
        row = admin.webhook_deliveries(hook.id).items[0]
        assert row.status is WebhookStatus.delivered and row.attempts == 2
        ids = [r.headers["deskline-delivery"] for r in receiver.received]
        assert set(ids) == {row.delivery_id}
    finally:
        receiver.stop()


def test_events_of_a_refused_edit_are_not_sent_with_the_next_write(
        admin: Service, store: SqliteStore, receiver: Receiver) -> None:
    from deskline.models import TicketEdit

    hook = _endpoint(admin, receiver)
    ticket = _new_ticket(admin)
    foreign = next(s.id for s in admin.list_stages() if s.id not in
                   admin.get_team(ticket.team_id).stage_ids) if len(admin.list_teams()) > 1 \
        else 999999
    with pytest.raises(ValidationFailed):  # the priority part ran, then the stage refused
        admin.edit_ticket(ticket.id, ticket.version, TicketEdit(priority=2, stage_id=foreign))
    admin.reply(ticket.id, "still here")
    assert [d.event for d in admin.webhook_deliveries(hook).items] == \
        ["reply.created", "ticket.created"]
