"""The main use cases through the service on `PgStore`, answered as on `SqliteStore`: the
same demo helpdesk on both (copied into PostgreSQL), the same calls, the same answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deskline.errors import ConflictError, DesklineError
from deskline.models import (
    BoardFilter,
    BulkAction,
    BulkItem,
    BulkRequest,
    CustomerExportFilter,
    MergeRequest,
    ReportFilter,
    SavedViewCreate,
    SplitRequest,
    TicketCreate,
    TicketExportFilter,
    TicketListFilter,
    TicketUpdate,
    ViewFilter,
    WebhookEndpointCreate,
    WebhookEvent,
)
from deskline.service import Service
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN, ALICE, FIXED_NOW, JONAS, PORTAL
from tests.postgres.conftest import Stores


def alike(stores: Stores, call: Callable[[Service], Any], email: str = ALICE) -> Any:
    """`call`'s answer on both stores, which must be equal (or the same refusal)."""
    answers: list[Any] = []
    for store in stores:
        actor = store.agent_by_email(email)
        assert actor is not None
        try:
            answers.append(call(Service(store, actor, clock=lambda: FIXED_NOW)))
        except DesklineError as refused:  # refused alike
            answers.append((type(refused), str(refused)))
    assert answers[0] == answers[1]
    return answers[0]


def test_reads_alike(stores: Stores) -> None:
    for email in (ALICE, JONAS, ADMIN, PORTAL):
        alike(stores, lambda s: s.dashboard(), email)
        teams = alike(stores, lambda s: s.list_teams(), email)
        teams = [] if isinstance(teams, tuple) else teams
        for team in teams:
            columns = alike(stores, lambda s, t=team.id: s.board_columns(t), email)
            for column in columns[:2]:
                alike(stores, lambda s, t=team.id, c=column.stage.id: s.board_page(t, c), email)
        alike(stores, lambda s: s.my_tickets(), email)
    alike(stores, lambda s: s.board_columns(1, BoardFilter(mine=True)))
    alike(stores, lambda s: s.board_page(1, 1, BoardFilter(unassigned=True)))
    alike(stores, lambda s: s.get_ticket(5))
    alike(stores, lambda s: s.ticket_messages(5))


def test_filters_lists_views_and_reports_alike(stores: Stores) -> None:
    for text in ("printer", "pri", "invoice pdf", "#12", "12", "café"):
        alike(stores, lambda s, q=text: s.board_columns(1, BoardFilter(text=q)))
        alike(stores, lambda s, q=text: s.board_page(1, 4, BoardFilter(text=q)))
        alike(stores, lambda s, q=text: s.list_tickets(TicketListFilter(text=q)))
    for sort in ("updated", "created", "priority"):
        alike(stores, lambda s, o=sort: s.list_tickets(TicketListFilter(sort=o, order="asc")))
    alike(stores, lambda s: s.list_tickets(TicketListFilter(assignee="none", status="open")))
    alike(stores, lambda s: s.ticket_changes(limit=50))
    view = alike(stores, lambda s: s.create_view(SavedViewCreate(
        name="Urgent printers", filter=ViewFilter(priorities=[2, 3], text="printer"))))
    alike(stores, lambda s: s.view_tickets(view.id))
    alike(stores, lambda s: s.list_views(counts=True))
    alike(stores, lambda s: s.report(), ADMIN)
    alike(stores, lambda s: s.report(ReportFilter(team_id=1)), ADMIN)
    alike(stores, lambda s: s.list_customers(text="silva"))
    alike(stores, lambda s: s.list_organizations())
    alike(stores, lambda s: s.notifications())


def test_writes_alike(stores: Stores) -> None:
    ticket = alike(stores, lambda s: s.create_ticket(TicketCreate(
        team_id=1, subject="Printer on fire", description="smoke", customer_id=3,
        tags=["printer", "on-fire"])))
    assert ticket.number == 301 and ticket.tags == ["printer", "on-fire"]

    def version(s: Service, ticket_id: int) -> int:
        return s.get_ticket(ticket_id).version

    alike(stores, lambda s: s.move_ticket(5, version(s, 5), 3))
    alike(stores, lambda s: s.assign_ticket(6, version(s, 6), 2))
    alike(stores, lambda s: s.reply(7, "We are on it."))
    alike(stores, lambda s: s.comment(7, "@dmitri.tanaka can you look?"))
    alike(stores, lambda s: s.merge_preview([8, 9]))
    alike(stores, lambda s: s.merge(MergeRequest(
        target_id=8, source_ids=[9], versions={8: version(s, 8), 9: version(s, 9)})))
    alike(stores, lambda s: s.split(12, SplitRequest(
        message_ids=[s.ticket_messages(12).items[-1].id], version=version(s, 12))))
    for ticket_id in (5, 6, 7, 8, 9, 12, 302):
        alike(stores, lambda s, t=ticket_id: (s.get_ticket(t), s.ticket_messages(t)))
    alike(stores, lambda s: s.dashboard())
    alike(stores, lambda s: s.board_columns(1))
    alike(stores, lambda s: s.search("printer fire"))
    alike(stores, lambda s: s.refresh_sla())


def test_a_bulk_move_with_a_stale_ticket_alike(stores: Stores) -> None:
    """Each ticket of a batch in a savepoint, the refused one undone alone; the writes
    sent ahead in the transaction (`PgConnections.send_ahead`) land with the rest."""
    def move(s: Service) -> Any:
        items = [BulkItem(ticket_id=t, version=s.get_ticket(t).version) for t in (20, 21, 22)]
        items[1] = BulkItem(ticket_id=21, version=items[1].version - 1)  # stale
        outcome = s.bulk_apply(BulkRequest(action=BulkAction.move, tickets=items,
                                           stage_id=3))
        return outcome, [(t.stage_id, t.version, t.slas)
                         for t in (s.get_ticket(i) for i in (20, 21, 22))]

    outcome, tickets = alike(stores, move, ADMIN)
    assert tickets[0][0] == tickets[2][0] == 3 and tickets[1][0] != 3


def test_a_taken_name_is_a_conflict_naming_the_column(stores: Stores) -> None:
    for store in stores:
        (name,) = store.conn.execute("SELECT name FROM tags ORDER BY id LIMIT 1").fetchone()
        with pytest.raises(ConflictError) as refused, store.transaction():
            store.conn.execute("INSERT INTO tags (name) VALUES (?)", ("a new tag",))
            store.conn.execute("INSERT INTO tags (name) VALUES (?)", (name.upper(),))
        assert refused.value.field == "name"
    alike(stores, lambda s: s.store.conn.execute(  # nothing half-written
        "SELECT count(*) FROM tags WHERE name = 'a new tag'").fetchone())


# Words of subjects and messages, beginnings of one to three letters, several words,
# accents, numbers, words of "@emeka.silva" (cut as FTS5 cuts them: migration 0018; the
# tricky texts are tests/postgres/test_search_parity.py's).
QUERIES = ["emeka", "silva", "printer", "invoice", "login", "sso", "refund", "password",
           "label", "vpn",
           "p", "pr", "pri", "t", "th", "the", "la", "invoice pdf", "login sso", "café",
           "cafe", "Résumé", "50", "#5", "12", "please", "thanks", "olga", "webshop",
           "o'brien", "re:", "alice.martin.0@post.example", "nothing-matches-this"]


def test_search_alike(stores: Stores) -> None:
    for email in (ALICE, JONAS, PORTAL):
        for query in QUERIES:
            alike(stores, lambda s, q=query: s.search(q), email)


def test_a_build_s_tuning_writes_alike(stores: Stores) -> None:
    """SQLite's tuning around big writes (PRAGMAs, full text filled afterwards) is nothing
    or a setting on PostgreSQL; what is written inside reads alike."""
    for store in stores:
        with (store.bulk_checkpoints(1000), store.small_cache(), store.unsynced_writes(),
              store.transaction(), store.deferred_indexes(), store.deferred_indexing()):
            admin = store.agent_by_email(ADMIN)
            assert admin is not None
            Service(store, admin, clock=lambda: FIXED_NOW).create_ticket(TicketCreate(
                team_id=1, subject="Quarterly plotter calibration", customer_id=3))
    assert stores[1].database_path() is None
    alike(stores, lambda s: s.search("plotter calib"))


def test_tokens_counts_exports_and_tombstones_alike(stores: Stores) -> None:
    """Store methods no use case above reaches: API tokens, the kept counts' check, the
    export's batches, the change feed's tombstones."""
    answers = []
    for store in stores:
        alice = store.agent_by_email(ALICE)
        assert alice is not None
        token_id, token, _ = store.create_api_token(alice.id, label="ci", now=FIXED_NOW)
        seen = [store.api_token_id(token) == token_id, store.token_agent(token, FIXED_NOW),
                store.token_holder(token)[0], len(store.api_tokens(alice.id))]
        with store.transaction():
            seen += [store.revoke_api_token(token_id, "2026-11-16T12:00:00.000000Z"),
                     store.revoke_agent_tokens(alice.id, "2026-11-16T12:00:00.000000Z")]
        seen += [store.token_agent(token, FIXED_NOW), store.count_drift(),
                 store.ticket_export_batch(Service(store, alice).scope(),
                                           TicketExportFilter(), 0, 20),
                 store.customer_export_batch(CustomerExportFilter(), 0, 20)]
        with store.transaction():
            seen.append(store.trim_tombstones("2100-01-01T00:00:00.000000Z"))
        answers.append(seen)
    assert answers[0] == answers[1]
    assert answers[0][:3] == [True, answers[0][1], answers[0][1]] and answers[0][1] is not None


def test_webhooks_queued_and_delivered_alike(stores: Stores) -> None:
    """The deliverer's claims, answers and log (store/webhooks.py) on both stores."""
    from deskline.webhooks.delivery import Deliverer
    from tests.webhooks.receiver import Receiver

    answers = []
    for store in stores:
        admin_agent = store.agent_by_email(ADMIN)
        assert admin_agent is not None
        admin = Service(store, admin_agent, clock=lambda: FIXED_NOW)
        receiver = Receiver().start()
        try:
            receiver.secret = admin.create_webhook(WebhookEndpointCreate(
                url=receiver.url, events=list(WebhookEvent), allow_private=True)).secret
            ticket = admin.create_ticket(TicketCreate(team_id=1, subject="Printer on fire"))
            admin.reply(ticket.id, "On our way.")
            with Deliverer(store, base_delay=0, timeout=2) as deliverer:
                report = deliverer.deliver()
            log = admin.webhook_deliveries(admin.list_webhooks()[0].id).items
            answers.append((report.delivered, report.failed, receiver.events(),
                            [(d.status, d.attempts, d.response_code) for d in log]))
        finally:
            receiver.stop()
    assert answers[0] == answers[1]
    assert answers[0][2] == ["ticket.created", "reply.created"]


def test_mail_taken_alike(stores: Stores) -> None:
    """Mail intake (store/mail.py): a new ticket with a file, a reply threaded into it,
    the mail kept."""
    from deskline.mail.intake import Intake
    from tests.contract.test_attachments import mail

    answers = []
    for store in stores:
        intake = Intake(store, team="Customer Care", confirm=False, clock=lambda: FIXED_NOW)
        first = intake.take(mail("<pg-1@files.example>", "The scanner fails.",
                                 [("scan.log", "text/plain", b"error 42\n")]))
        second = intake.take(mail("<pg-2@files.example>", "Still failing.", [],
                                  in_reply_to="<pg-1@files.example>"))
        assert first.status == "ticket" and first.ticket_id is not None
        assert (second.status, second.ticket_id) == ("threaded", first.ticket_id)
        answers.append((first, second, store.kept_mails(10)))
        answers.append(alike_ticket(store, first.ticket_id))
    assert answers[0] == answers[2] and answers[1] == answers[3]


def as_admin(store: SqliteStore | PgStore) -> Service:
    admin = store.agent_by_email(ADMIN)
    assert admin is not None
    return Service(store, admin, clock=lambda: FIXED_NOW)


def alike_ticket(store: SqliteStore | PgStore, ticket_id: int) -> Any:
    service = as_admin(store)
    return service.get_ticket(ticket_id), service.ticket_messages(ticket_id)


def test_outbox_delivered_alike(stores: Stores) -> None:
    """The outbox's queue, claims and answers (store/outbox.py) sending to an SMTP sink:
    a reply to a ticket opened by mail, with the confirmation of that mail."""
    from deskline.mail.intake import Intake
    from deskline.mail.outbox import Outbox
    from tests.contract.test_attachments import mail
    from tests.mail.conftest import Sink

    answers = []
    for store in stores:
        with Sink.serving() as sink:
            taken = Intake(store, team="Customer Care", clock=lambda: FIXED_NOW).take(
                mail("<pg-out@files.example>", "The scanner fails.", []))
            assert taken.ticket_id is not None
            admin = store.agent_by_email(ADMIN)
            assert admin is not None
            Service(store, admin, clock=lambda: FIXED_NOW).reply(taken.ticket_id, "Restart it.")
            queued = store.outbox_counts()
            box = Outbox(store, sink.config(), clock=lambda: FIXED_NOW)
            try:
                report = box.deliver()
            finally:
                box.close()
            answers.append((queued, report.sent, report.failed, store.outbox_counts(),
                            store.outbox_problems(10),
                            [(r.rcpt_tos, r.message["Subject"]) for r in sink.received]))
    assert answers[0] == answers[1]
    assert answers[0][1] == 2 and answers[0][2] == 0


def test_writers_crossing_on_two_tickets_take_turns(pg_demo_url: str) -> None:
    """Two writers changing the same two tickets in opposite orders, at once: each
    transaction takes the feed counter's lock first, so neither deadlocks (PostgreSQL
    would end one) and every change lands."""
    import threading

    store = PgStore.open(pg_demo_url, max_size=4)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(order: tuple[int, int]) -> None:
        service = as_admin(store)
        start.wait()
        try:
            for round_ in range(10):
                with store.transaction():
                    for ticket_id in order:
                        ticket = service.get_ticket(ticket_id)
                        service.update_ticket(ticket_id, ticket.version,
                                              TicketUpdate(priority=round_ % 4))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    before = {t: as_admin(store).get_ticket(t).version for t in (20, 21)}
    writers = [threading.Thread(target=write, args=(order,)) for order in ((20, 21), (21, 20))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    try:
        assert not errors, errors
        changed = [as_admin(store).get_ticket(t).version - before[t] for t in (20, 21)]
        assert changed[0] == changed[1] > 0  # a transaction changes both or neither
    finally:
        store.close()
