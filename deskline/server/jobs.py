"""The background work of a team server, on a schedule, in the server process.

- **mail**: deliver the outbox (`deskline.mail.outbox`) every `mail_every` seconds, while
  outbound mail is configured (`service.customers.mail_configured`: a `from_address` or
  `smtp_host` mail setting, or `$DESKLINE_SMTP_HOST`; looked at every round, so
  `deskline mail settings` takes effect without a restart). The SMTP server is
  `$DESKLINE_SMTP_HOST`, else the `smtp_host` setting, else 127.0.0.1:25, as for
  `deskline mail send`; the password comes from `$DESKLINE_SMTP_PASSWORD`. Rows a crash
  left `sending` are marked failed (`Outbox.recover`), never sent twice.
- **maintenance**: what `deskline maintenance` does — `Service.refresh_sla`,
  `Service.auto_close` and `Service.trim_tombstones` — every `maintenance_every`
  seconds, as the inactive admin "Scheduled maintenance" (created on first use, like mail
  intake's account).
- **webhooks**: deliver the due webhook events (`deskline.webhooks.delivery`) every
  `webhooks_every` seconds; what a crash left `sending` is sent again after its lease.

Each job runs on a thread of its own with its own store (SQLite connection or PostgreSQL
pool), so it never stalls the event loop nor takes a request's worker thread. Of all the
processes serving one database (`--workers`, several hosts on PostgreSQL) one runs each
job: the one holding the job's lease (`store/leases.py`); the others look again every
round and take over once it is gone. A round that fails is logged and the
job tries again the next round; nothing a job raises reaches the server. `Jobs.start` and
`Jobs.stop` follow the application's lifespan.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from deskline.models import Agent
from deskline.store.leases import Lease
from deskline.store.opening import open_store
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore

log = logging.getLogger("deskline.server.jobs")

AnyStore = SqliteStore | PgStore

SYSTEM_EMAIL = "maintenance@deskline.invalid"
SYSTEM_NAME = "Scheduled maintenance"
SMTP_CONNECTIONS = 2


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[AnyStore], str | None]  # one round; a line to log, or None


class Jobs:
    """Runs each job every `job.every` seconds on its own thread until stopped."""

    def __init__(self, db: str, jobs: list[Job]) -> None:
        self.db = db
        self.jobs = jobs
        self.rounds: dict[str, int] = {job.name: 0 for job in jobs}  # finished, for tests
        self.held: dict[str, int] = {job.name: 0 for job in jobs}  # of them run here
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), daemon=True,
                                      name=f"deskline-{job.name}")
            thread.start()
            self._threads.append(thread)
            log.info("%s: every %g s", job.name, job.every)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self, job: Job) -> None:
        store: AnyStore | None = None
        lease: Lease | None = None
        try:
            while not self._stop.is_set():
                try:
                    if store is None:
                        store = open_store(self.db, create=False, durable=True, pool_size=2)
                    if lease is None:
                        lease = store.lease(f"job-{job.name}")
                    if lease.held():
                        self.held[job.name] += 1
                        line = job.run(store)
                        if line:
                            log.info("%s: %s", job.name, line)
                except Exception:  # noqa: BLE001 - logged; the next round tries again
                    log.exception("%s failed; trying again in %g s", job.name, job.every)
                    if store is not None:  # a fresh connection next round
                        _close(store)
                        store = None
                self.rounds[job.name] += 1
                self._stop.wait(job.every)
        finally:
            if lease is not None:
                lease.release()
            if store is not None:
                _close(store)


def _close(store: AnyStore) -> None:
    try:
        store.close()
    except Exception:  # noqa: BLE001 - closing after a failure, nothing more to say
        pass


# --- the jobs --------------------------------------------------------------------------


def maintenance(clock: Callable[[], datetime]) -> Callable[[AnyStore], str | None]:
    """`deskline maintenance` as a job: fail overdue SLAs, close inactive tickets."""
    from deskline.service import Service

    def run(store: AnyStore) -> str | None:
        service = Service(store, system_agent(store), clock=clock)
        sla_failed = service.refresh_sla()
        result = service.auto_close()
        trimmed = service.trim_tombstones()  # the change feed's, older than 90 days
        if not (sla_failed or result.closed or result.skipped or trimmed):
            return None
        return (f"closed {len(result.closed)} inactive ticket(s) ({result.rating_requests} "
                f"rating request(s) queued, {result.skipped} skipped as changed meanwhile); "
                f"{sla_failed} ticket(s) had an SLA fail; {trimmed} tombstone(s) of deleted "
                "tickets trimmed")

    return run


def system_agent(store: AnyStore) -> Agent:
    """The inactive admin scheduled maintenance acts as, created on first use."""
    agent = store.agent_by_email(SYSTEM_EMAIL)
    if agent is None:
        with store.transaction():
            store.add_inactive_admin(SYSTEM_EMAIL, SYSTEM_NAME)
        agent = store.agent_by_email(SYSTEM_EMAIL)
    assert agent is not None
    return agent


def mail(clock: Callable[[], datetime]) -> Callable[[AnyStore], str | None]:
    """Deliver the due outbox rows, while outbound mail is configured."""
    from deskline.mail.outbox import Outbox
    from deskline.service.customers import mail_configured

    state: dict[str, bool | None] = {"configured": None}

    def run(store: AnyStore) -> str | None:
        configured = mail_configured(store)
        if configured != state["configured"]:
            state["configured"] = configured
            if not configured:
                log.info("mail: outbound mail is not configured (`deskline mail settings "
                         "--from ADDRESS` or --smtp HOST, or $DESKLINE_SMTP_HOST); the "
                         "outbox waits")
        if not configured:
            return None
        outbox = Outbox(store, smtp_config(store), clock=clock)
        try:
            recovered = outbox.recover()
            if not outbox.due(1):  # nothing to send: no SMTP connection, no threads
                return f"{len(recovered)} interrupted earlier marked failed" \
                    if recovered else None
            report = outbox.deliver(connections=SMTP_CONNECTIONS)
        finally:
            outbox.close()
        for oid, error in report.errors:
            log.warning("mail: outbox %s: %s", oid, error)
        if not (report.sent or report.deferred or report.failed or recovered):
            return None
        return (f"sent {report.sent}, deferred {report.deferred}, failed {report.failed}"
                + (f", {len(recovered)} interrupted earlier marked failed" if recovered
                   else "") + f" (SMTP {outbox.smtp_config.host}:{outbox.smtp_config.port})")

    return run


def smtp_config(store: AnyStore):  # -> SmtpConfig
    """The SMTP server `deskline mail send` would use by default."""
    from deskline.mail.outbox import SmtpConfig

    server = os.environ.get("DESKLINE_SMTP_HOST") or store.mail_setting("smtp_host") \
        or "127.0.0.1:25"
    host, _, port = server.rpartition(":") if ":" in server else (server, "", "")
    if port and not port.isdigit():
        raise ValueError(f"the SMTP server {server!r} names no port number")
    return SmtpConfig(host=host or "127.0.0.1", port=int(port) if port else 25,
                      password=os.environ.get("DESKLINE_SMTP_PASSWORD"))


def webhooks(clock: Callable[[], datetime]) -> Callable[[AnyStore], str | None]:
    """Deliver the due webhook deliveries (`deskline.webhooks.delivery`); rows whose
    deliverer died are queued again once their lease lapses, same delivery id."""
    from deskline.webhooks.delivery import Deliverer

    def run(store: AnyStore) -> str | None:
        with Deliverer(store, clock=clock) as deliverer:
            recovered = deliverer.recover()
            if not recovered and not deliverer.due(1):
                return None  # idle: two reads, no HTTP client made
            report = deliverer.deliver()
            report.recovered += recovered
        for delivery_id, error in report.errors:
            log.warning("webhooks: delivery %s failed: %s", delivery_id, error)
        return report.line() if report.delivered or report.retried or report.failed or \
            report.recovered else None

    return run


def jobs_for(db: str, settings) -> Jobs | None:  # settings: server.settings.Settings
    """The jobs the settings turn on, or None."""
    jobs = []
    if settings.mail_every:
        jobs.append(Job("mail", settings.mail_every, mail(settings.clock)))
    if settings.maintenance_every:
        jobs.append(Job("maintenance", settings.maintenance_every,
                        maintenance(settings.clock)))
    if settings.webhooks_every:
        jobs.append(Job("webhooks", settings.webhooks_every, webhooks(settings.clock)))
    return Jobs(db, jobs) if jobs else None
