"""Starting the server: `deskline serve`, and a server on a thread for tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskline.errors import ValidationFailed

log = logging.getLogger("deskline.server")

if TYPE_CHECKING:
    import uvicorn

    from deskline.server.settings import Settings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, tls: bool, insecure: bool) -> str:
    """A sentence saying how the server is exposed; refuses a public bind without TLS."""
    if is_loopback(host):
        return (f"listening on loopback only ({host}): reachable from this machine, "
                "e.g. through an SSH tunnel; use --host to expose it")
    if not tls and not insecure:
        raise ValidationFailed(
            f"refusing to listen on {host} without TLS: tokens would cross the network in "
            "clear text. Give --tls-cert and --tls-key, or --insecure if a proxy in front "
            "terminates TLS", field="host")
    if tls:
        return f"listening on {host} with TLS"
    return f"listening on {host} WITHOUT TLS (--insecure): put a TLS proxy in front"


class _CoalescingTransport:
    """Collects the writes of one event-loop step and sends them as one: uvicorn writes
    a response's headers and its body separately, two send() calls — on loopback each
    costs about as much as building a board page."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def writelines(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.write(line)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def protocol_class() -> type:
    """uvicorn's HTTP protocol — httptools when installed (`uvicorn[standard]`), as
    uvicorn's own "auto" would pick, else h11 — writing each response in one send()."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
        bound_head = True
    except ImportError:  # h11 bounds the head itself (h11_max_incomplete_event_size)
        # the other of uvicorn's two protocols, which the class below extends alike
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]
        bound_head = False

    class CoalescingProtocol(Base):
        _head_bytes = 0  # bytes of the current request's line and headers so far
        _in_head = bound_head

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            loop = asyncio.get_running_loop()
            # a wrapper with the transport's methods, not a subclass of it
            super().connection_made(_CoalescingTransport(transport, loop))  # type: ignore[arg-type]

        def data_received(self, data: bytes) -> None:
            # The request line and headers are read before anyone is authenticated: bound
            # them (a 64 MiB header would otherwise be buffered whole) and answer 431.
            if self._in_head:
                self._head_bytes += len(data)
            super().data_received(data)
            if self._in_head and self._head_bytes > MAX_HEAD_BYTES:
                self._in_head = False
                _refuse_head(self.transport)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = bound_head, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

    return CoalescingProtocol


MAX_HEAD_BYTES = 64 * 1024  # request line and headers


def _refuse_head(transport: Any) -> None:
    body = (b'{"type":"about:blank","title":"Request Header Fields Too Large","status":431,'
            b'"detail":"the request line and headers may hold at most 64 KiB"}')
    transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"content-type: application/problem+json\r\n"
                    b"content-length: " + str(len(body)).encode() + b"\r\n"
                    b"connection: close\r\n\r\n" + body)
    transport.close()


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8765, *,
          tls_cert: str | None = None, tls_key: str | None = None, insecure: bool = False,
          max_body: int | None = None, log_level: str = "warning",
          mail_every: float | None = None, maintenance_every: float | None = None,
          log_format: str = "text", webhooks_every: float | None = None,
          workers: int = 1) -> None:
    """`workers` > 1: that many processes, each this same server, on one listening
    socket (`serve_workers`)."""
    import uvicorn

    from deskline.server.app import Settings, create_app

    if bool(tls_cert) != bool(tls_key):
        raise ValidationFailed("TLS needs both --tls-cert and --tls-key", field="tls")
    if workers < 1:
        raise ValidationFailed("--workers must be at least 1", field="workers")
    note = check_bind(host, tls=bool(tls_cert), insecure=insecure)
    settings = Settings(mail_every=mail_every, maintenance_every=maintenance_every,
                        access_log=log_format, webhooks_every=webhooks_every)
    if max_body is not None:
        settings.max_body = max_body
    from deskline.server.store import pool_size

    settings.pool = pool_size(workers)
    log_to_stderr()
    from deskline.server.access_log import configure

    configure(log_format)
    scheme = "https" if tls_cert else "http"

    def config(app: Any) -> uvicorn.Config:
        return uvicorn.Config(app, host=host, port=port, ssl_certfile=tls_cert,
                              ssl_keyfile=tls_key, log_level=log_level, access_log=False,
                              workers=1, server_header=False, http=protocol_class(),
                              timeout_graceful_shutdown=5,
                              # X-Forwarded-For is believed only behind a proxy
                              # (--insecure): otherwise any local process could pick its
                              # address and dodge the throttle of failed logins
                              proxy_headers=insecure and not tls_cert)

    if workers > 1:
        from deskline.server.store import open_server_store

        open_server_store(db).close()  # fail early, and migrate, before any fork
        held = port_socket(host, port, listen=False)
        port = held.getsockname()[1]  # the one given, or the free one --port 0 took
        _announce(f"Deskline server on {scheme}://{host}:{port}/api/v1 ({workers} "
                  f"processes) — {note}", mail_every, maintenance_every, webhooks_every)
        try:
            serve_workers(workers, lambda: port_socket(host, port, listen=True),
                          lambda: config(create_app(db, settings)))
        finally:
            held.close()
        return
    app = create_app(db, settings)
    _announce(f"Deskline server on {scheme}://{host}:{port}/api/v1 — {note}", mail_every,
              maintenance_every, webhooks_every)
    server_class()(config(app)).run()


def _announce(line: str, mail_every: float | None, maintenance_every: float | None,
              webhooks_every: float | None) -> None:
    print(line, flush=True)
    print("Background: " + "; ".join((
        f"outbox delivery every {mail_every:g} s while outbound mail is configured"
        if mail_every else "no outbox delivery (--no-mail)",
        f"SLA refresh and automatic closing every {maintenance_every:g} s"
        if maintenance_every else "no maintenance (--no-maintenance)",
        f"webhook delivery every {webhooks_every:g} s"
        if webhooks_every else "no webhook delivery (--no-webhooks)")) + ".", flush=True)


def port_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT: each worker listens on one of
    its own and the kernel spreads new connections evenly over them (on one shared
    socket, asyncio's accept loop of the first process awake takes a whole burst). The
    parent's, never listening, holds the port and names it (`--port 0`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every answer waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(2048)
    return sock


RESTART_PAUSE = 1.0  # seconds before a worker that died is started again


def serve_workers(count: int, listening: Callable[[], socket.socket],
                  config: Callable[[], uvicorn.Config]) -> None:
    """`count` forked processes, each a whole server (its app, event poller, jobs)
    accepting on a socket of its own on the same port (`listening`); the kernel hands
    each connection to one of them. This process
    only supervises: a worker that dies is started again, and SIGTERM or SIGINT stops
    them all (each ends its event streams and lets requests finish, as one server does).
    Nothing here opens the database: a fork must not inherit connections or threads."""
    import signal

    stopping = False
    children: dict[int, int] = {}  # pid -> worker number

    def start(number: int) -> None:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                server_class()(config()).run(sockets=[listening()])
            except BaseException:  # noqa: BLE001 - a worker's end is its exit status
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children[pid] = number

    def stop(_sig: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for number in range(count):
            start(number)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid not in children:
                continue
            number = children.pop(pid)
            if stopping:
                continue
            log.warning("worker %d (pid %d) ended (status %d); starting it again",
                        number, pid, status)
            time.sleep(RESTART_PAUSE)
            if not stopping:
                start(number)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def log_to_stderr() -> None:
    """The server's own log lines (background jobs, internal errors) on stderr, one per
    line with the time, beside uvicorn's."""
    import logging
    import sys

    logger = logging.getLogger("deskline")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                               "%(message)s", "%Y-%m-%d %H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def server_class() -> type:
    """uvicorn's Server, ending the open event streams when asked to stop (they would
    otherwise hold the shutdown until its timeout)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # our app is the DesklineApp (a Starlette app, with its state); uvicorn's
            # Config types `app` as anything it could load
            self.config.app.state.api.broker.end_streams()  # type: ignore[union-attr]
            super().handle_exit(sig, frame)

    return Server


@dataclass
class ServerThread:
    """A real uvicorn server on 127.0.0.1 and a free port, on a background thread."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        # our app is the DesklineApp (see server_class)
        self.server.config.app.state.api.broker.end_streams()  # type: ignore[union-attr]
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(db: str | Path, settings: Settings | None = None) -> ServerThread:
    import uvicorn

    from deskline.server.app import create_app

    app = create_app(db, settings)
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every answer waits 40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            proxy_headers=False,
                            http=protocol_class(), timeout_graceful_shutdown=2)
    server = server_class()(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"deskline-server-{port}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    return ServerThread(url=f"http://127.0.0.1:{port}", server=server, thread=thread)
