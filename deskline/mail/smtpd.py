"""The SMTP receiver: aiosmtpd on loopback by default, every mail through `Intake`.

Intake runs on one dedicated thread that owns its database connection (a SQLite file's,
or a PostgreSQL URL's), so the SMTP event loop never waits on the disk. A mail is answered
250 once it is stored, whatever became of it (a ticket, a reply, a kept rejected or failed
mail); only when it could not even be stored (the database is unavailable) the answer is
451, so the sending server keeps it and tries again: nothing is dropped. A recipient no
team answers for is refused with 550 at RCPT, before any mail is taken.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from deskline.clock import utcnow
from deskline.mail.intake import Intake, IntakeResult
from deskline.store.opening import open_store

MAX_MAIL_BYTES = 50 * 1024 * 1024


class IntakeHandler:
    def __init__(self, db_path: str | Path, *, team: int | str | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 on_result: Callable[[IntakeResult], None] | None = None) -> None:
        self.db_path = db_path
        self.team = team
        self.clock = clock
        self.on_result = on_result
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskline-intake")
        self._intake: Intake | None = None

    def _take(self, raw: bytes, rcpt_tos: list[str], mail_from: str,
              source: str) -> IntakeResult:
        return self._intake_now().take(raw, envelope_to=rcpt_tos, envelope_from=mail_from,
                                 source=source)

    def _intake_now(self) -> Intake:
        if self._intake is None:
            self._intake = Intake(open_store(self.db_path, durable=True, pool_size=1),
                                  team=self.team, clock=self.clock)
        return self._intake

    async def handle_RCPT(self, server, session, envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        """Refuse a recipient no team answers for (550) during the dialogue, instead of
        taking the mail and keeping it unread: the sender's server tells the sender."""
        loop = asyncio.get_running_loop()
        try:
            known = await loop.run_in_executor(
                self.executor, lambda: self._intake_now().knows_recipient(address))
        except Exception as exc:
            return f"451 4.3.0 cannot check the recipient now ({type(exc).__name__})"
        if not known:
            return f"550 5.1.1 <{address}>: no team of this helpdesk has this address"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        source = f"smtp:{peer} from <{envelope.mail_from or ''}>"
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.executor, self._take, raw,
                                                list(envelope.rcpt_tos),
                                                (envelope.mail_from or "").strip("<>"), source)
        except Exception as exc:  # the database itself failed: let the sender retry
            return f"451 4.3.0 not stored, try again later ({type(exc).__name__})"
        if self.on_result is not None:
            self.on_result(result)
        if result.status in ("ticket", "threaded"):
            return f"250 2.0.0 OK: ticket #{result.ticket_number}"
        return f"250 2.0.0 OK: {result.status}"

    def close(self) -> None:
        def shut() -> None:
            if self._intake is not None:
                self._intake.store.close()
                self._intake = None

        self.executor.submit(shut).result()
        self.executor.shutdown(wait=True)


class Receiver:
    """An SMTP receiver on a thread of its own: `start()`, `stop()`, or `with`."""

    def __init__(self, db_path: str | Path, host: str = "127.0.0.1", port: int = 2525, *,
                 team: int | str | None = None, clock: Callable[[], datetime] = utcnow,
                 on_result: Callable[[IntakeResult], None] | None = None) -> None:
        self.handler = IntakeHandler(db_path, team=team, clock=clock, on_result=on_result)
        # server_hostname: else aiosmtpd asks DNS for our name (getfqdn) on every connection
        self.controller = Controller(self.handler, hostname=host, port=port,
                                     data_size_limit=MAX_MAIL_BYTES, ready_timeout=10,
                                     server_hostname=socket.gethostname() or "deskline")

    @property
    def address(self) -> tuple[str, int]:
        return self.controller.hostname, self.controller.port

    def start(self) -> Receiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        self.handler.close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(receiver: Receiver, stop: threading.Event,
                  deliver: Callable[[], None] | None = None, every: float = 10.0,
                  on_ready: Callable[[], None] | None = None) -> None:
    """Run until `stop` is set; call `deliver` every `every` seconds meanwhile."""
    receiver.start()
    if on_ready is not None:
        on_ready()
    try:
        while not stop.wait(every if deliver else 3600):
            if deliver is not None:
                deliver()
    finally:
        receiver.stop()
