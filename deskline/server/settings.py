"""The server's settings: limits, throttles, timings and the background jobs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from deskline.clock import utcnow

API = "/api/v1"


@dataclass
class Settings:
    max_body: int = 1 << 20  # bytes of a request body
    max_import_body: int = 64 << 20  # bytes of a CSV import (base64 in JSON)
    max_message_body: int = 40 << 20  # bytes of a message with its files (base64 in JSON)
    auth_failures: int = 20  # failed logins per client address per window, then 429
    auth_window: float = 60.0
    token_creations: int = 5  # new tokens per agent per window
    presence_ttl: float = 30.0  # seconds a presence lasts without a heartbeat
    event_poll: float = 0.05  # seconds between looks at the change log
    keepalive: float = 15.0  # seconds between SSE comments on a quiet stream
    idempotency_hours: float = 24.0
    # background jobs (`server/jobs.py`), off unless set (`deskline serve` sets them)
    mail_every: float | None = None  # seconds between deliveries of the outbox
    maintenance_every: float | None = None  # seconds between SLA refreshes + auto-closing
    clock: Callable[[], datetime] = utcnow  # the jobs' "now" (tests fix it)
    # the access log (`server/access_log.py`): "text" or "json", one line per request;
    # None: none (tests). `deskline serve` sets it.
    access_log: str | None = None
    webhooks_every: float | None = None  # seconds between deliveries of webhook events
    # PostgreSQL connections of this process; None: `store.POOL_SIZE` (`deskline serve`
    # sets `store.pool_size(workers)`)
    pool: int | None = None

    def body_limits(self) -> list[tuple[re.Pattern, int]]:
        """The routes that take files, and how large their bodies may be."""
        return [(re.compile(API + r"/imports(/preview)?"), self.max_import_body),
                (re.compile(API + r"/tickets/\d+/messages"), self.max_message_body)]
