"""Delivering the webhook outbox: at least once, in order per ticket, signed.

The shape is the mail outbox's (`deskline.mail.outbox`: due rows, a claim that names the
attempts it read, backoff doubling to a cap, then `failed`), with one difference of
outcome: a mail may not be sent twice, so an interrupted mail is failed for an operator to
look at; a webhook carries a delivery id for the receiver to de-duplicate, so an
interrupted delivery is simply sent again once its lease lapses.

A round: rows whose lease lapsed go back to the queue (`recover`); the due rows — each the
first pending one of its endpoint and ticket, so a later event of a ticket waits — are
claimed in one transaction (`sending`, attempts + 1, a lease), posted in parallel, and
their outcomes written in one transaction: 2xx `delivered`; anything else (an answer,
a timeout, a refused connection) `queued` again after the backoff, `failed` after
`max_attempts`; a forbidden destination `failed` at once. Redirects are not followed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from deskline.clock import to_db, utcnow
from deskline.models import WebhookStatus
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from deskline.store.webhooks import DueDelivery
from deskline.webhooks import signing
from deskline.webhooks.destinations import Forbidden, Resolver, pin

BATCH = 64  # rows claimed per transaction


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (delivery id, why)

    def as_dict(self) -> dict:
        return {"delivered": self.delivered, "retried": self.retried, "failed": self.failed,
                "recovered": self.recovered,
                "errors": [{"delivery_id": d, "error": e} for d, e in self.errors]}

    def line(self) -> str:
        return (f"delivered {self.delivered}, to retry {self.retried}, failed {self.failed}"
                + (f", {self.recovered} interrupted earlier queued again"
                   if self.recovered else ""))


@dataclass
class _Outcome:
    code: int | None
    error: str | None
    final: bool = False  # refused for good, no retry


class Deliverer:
    def __init__(self, store: SqliteStore | PgStore, *, clock: Callable[[], datetime] = utcnow,
                 lease_seconds: float = 120, max_attempts: int = 8, base_delay: float = 30,
                 max_delay: float = 6 * 3600, timeout: float = 10, workers: int = 8,
                 resolve: Resolver | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.store = store
        self.clock = clock
        # The lease outlasts a request's timeouts, so a live deliverer is never overtaken.
        self.lease = timedelta(seconds=max(lease_seconds, 3 * timeout))
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.workers = workers
        self.resolve = resolve
        self.timeout = timeout
        self._transport = transport
        # Made on the first request: an idle round of the server's job costs two reads.
        self._client: httpx.Client | None = None
        self._pool: ThreadPoolExecutor | None = None
        # Test seam: called with the claimed rows before they are posted (a crash there is
        # what the lease is for).
        self.after_claim: Callable[[list[DueDelivery]], None] | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self._client is not None:
            self._client.close()

    def _http(self) -> tuple[httpx.Client, ThreadPoolExecutor]:
        if self._client is None or self._pool is None:
            # trust_env off: a proxy from the environment would connect to an address
            # nobody checked.
            self._client = httpx.Client(
                follow_redirects=False, transport=self._transport, trust_env=False,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
                limits=httpx.Limits(max_connections=self.workers,
                                    max_keepalive_connections=self.workers))
            self._pool = ThreadPoolExecutor(max_workers=self.workers,
                                            thread_name_prefix="deskline-webhook")
        return self._client, self._pool

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- rounds ---------------------------------------------------------------------------

    def recover(self) -> int:
        """Rows left `sending` past their lease (a deliverer died): queued again."""
        now = to_db(self.clock())
        if not self.store.stale_webhook_deliveries(now):  # a read: no write lock taken
            return 0
        with self.store.transaction():
            return self.store.recover_webhook_deliveries(now)

    def due(self, limit: int = BATCH) -> list[DueDelivery]:
        return self.store.due_webhook_deliveries(to_db(self.clock()), limit)

    def deliver(self, max_rounds: int | None = None) -> DeliveryReport:
        """Recover, then deliver batches until nothing is due (or `max_rounds`)."""
        report = DeliveryReport(recovered=self.recover())
        rounds = 0
        while max_rounds is None or rounds < max_rounds:
            rounds += 1
            claimed = self._claim(self.due())
            if not claimed:
                break
            if self.after_claim is not None:
                self.after_claim(claimed)
            outcomes = list(self._http()[1].map(self._post, claimed))
            self._finish(claimed, outcomes, report)
        return report

    def _claim(self, rows: list[DueDelivery]) -> list[DueDelivery]:
        now = self.clock()
        claimed = []
        with self.store.transaction():
            for row in rows:
                if self.store.claim_webhook_delivery(row.id, row.attempts, to_db(now),
                                                     to_db(now + self.lease)):
                    claimed.append(row._replace(attempts=row.attempts + 1))
        return claimed

    def _finish(self, rows: list[DueDelivery], outcomes: list[_Outcome],
                report: DeliveryReport) -> None:
        now = self.clock()
        with self.store.transaction():
            for row, out in zip(rows, outcomes, strict=True):
                if out.error is None:
                    status, later = WebhookStatus.delivered, None
                    report.delivered += 1
                elif out.final or row.attempts >= self.max_attempts:
                    status, later = WebhookStatus.failed, None
                    report.failed += 1
                    report.errors.append((row.delivery_id, out.error))
                else:
                    status, later = WebhookStatus.queued, to_db(now + self.backoff(row.attempts))
                    report.retried += 1
                self.store.finish_webhook_delivery(
                    row.id, status=status.value, response_code=out.code, error=out.error,
                    now=to_db(now), next_attempt_at=later)

    def backoff(self, attempts: int) -> timedelta:
        """After the n-th failed attempt: base, doubling, at most max_delay."""
        return timedelta(seconds=min(self.base_delay * 2 ** (attempts - 1), self.max_delay))

    # --- one request ----------------------------------------------------------------------

    def _post(self, row: DueDelivery) -> _Outcome:
        try:
            url, host, server_name = pin(row.url, row.allow_private, self.resolve)
        except Forbidden as exc:
            return _Outcome(None, str(exc), final=True)
        except OSError as exc:
            return _Outcome(None, f"{exc.__class__.__name__}: {exc}")
        body = row.body.encode()
        headers = signing.headers(row.secret, int(self.clock().timestamp()), body,
                                  row.delivery_id, row.event)
        headers["Host"] = host
        extensions = {"sni_hostname": server_name} if url.startswith("https:") else {}
        try:
            # The answer's body is never read: a receiver cannot make us hold much.
            with self._http()[0].stream("POST", url, content=body, headers=headers,
                                     extensions=extensions) as response:
                code = response.status_code
        except httpx.TimeoutException:
            return _Outcome(None, "timed out")
        except httpx.HTTPError as exc:
            return _Outcome(None, f"{exc.__class__.__name__}: {exc}"[:500])
        if 200 <= code < 300:
            return _Outcome(code, None)
        if 300 <= code < 400:
            return _Outcome(code, f"answered {code}; redirects are not followed")
        return _Outcome(code, f"answered {code}")
