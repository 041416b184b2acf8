"""A webhook receiver for tests, on 127.0.0.1, written from docs/webhooks.md rather than
from Deskline's code: it checks the signature and the timestamp, de-duplicates by
delivery id, and can be told to answer 500, to be slow, or to hold a request until
released."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict[str, str], body: bytes, now: float,
           tolerance: float = 300) -> bool:
    """The receiver's check, as the docs describe it."""
    timestamp = headers.get("deskline-timestamp", "")
    given = headers.get("deskline-signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(part.removeprefix("v1="), expected)
               for part in given.split(",") if part.startswith("v1="))


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 drops parallel connects (1 s SYN retries)
    daemon_threads = True


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    valid: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str = ""
    status: int = 200
    delay: float = 0.0
    hold: threading.Event | None = None  # set: requests wait until it is set
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    seen: set[str] = field(default_factory=set)  # delivery ids, for de-duplication
    duplicates: int = 0

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(10)
                if receiver.delay:
                    time.sleep(receiver.delay)
                ok = verify(receiver.secret, headers, body, time.time())
                receiver.received.append(Received(headers, body, ok))
                delivery = headers.get("deskline-delivery", "")
                if receiver.status < 300:
                    if delivery in receiver.seen:
                        receiver.duplicates += 1
                    receiver.seen.add(delivery)
                self.send_response(receiver.status if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [r.json["type"] for r in self.received]
