"""Webhook benchmark: delivery of queued events to a receiver on loopback.

Prints JSON lines {"metric", "value", "unit"} (and {"info": ...} lines on stderr).
Target: delivery >= 200 events/s to a local receiver (`webhook_delivery_rate`: events of
many tickets, the deliverer's default 8 parallel requests, as the server's job and
`deskline webhook deliver` run it; `webhook_delivery_rate_durable` with every commit on
disk, as the server's job opens the file). `webhook_delivery_rate_one_ticket` is the worst
case of per-ticket order: every event of one ticket, so one request per round. The receiver is
a separate process (HTTP/1.1 keep-alive, checks nothing), so it does not share the
deliverer's interpreter. Events are queued through the service (tickets created, replies
written), so queueing is part of the setup, not of the rate. These are wall-clock rates:
on a shared machine they move with its load (the load average is printed first).

    .venv/bin/python bench/webhooks.py [--events 2000] [--one-ticket 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deskline.models import TicketCreate, WebhookEndpointCreate, WebhookEvent  # noqa: E402
from deskline.service import Service, resolve_agent  # noqa: E402
from deskline.starter import init_helpdesk  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402
from deskline.webhooks.delivery import Deliverer  # noqa: E402

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass

class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops parallel connects (1 s SYN retries)
    daemon_threads = True

server = Server(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def metric(name: str, value: float, unit: str) -> None:
    print(json.dumps({"metric": name, "value": round(value, 2), "unit": unit}), flush=True)


def info(**fields: object) -> None:
    print(json.dumps({"info": fields}), file=sys.stderr, flush=True)


def deliver_all(store: SqliteStore, workers: int = 8) -> tuple[int, float]:
    with Deliverer(store, workers=workers) as deliverer:
        start = time.perf_counter()
        report = deliverer.deliver()
        seconds = time.perf_counter() - start
    assert not report.failed and not report.retried, report.as_dict()
    return report.delivered, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--one-ticket", type=int, default=200)
    args = parser.parse_args()
    info(machine={"cpus": os.cpu_count(), "load": os.getloadavg()})
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE,
                                text=True)
    try:
        assert receiver.stdout is not None
        port = int(receiver.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            init_helpdesk(db, "admin@bench.example", "Admin", timezone="UTC")
            store = SqliteStore.open(db)
            svc = Service(store, resolve_agent(store, None))
            svc.create_webhook(WebhookEndpointCreate(
                url=f"http://127.0.0.1:{port}/hook", allow_private=True,
                events=[WebhookEvent.ticket_created, WebhookEvent.reply_created]))
            team = svc.list_teams()[0]
            for i in range(args.events):
                svc.create_ticket(TicketCreate(team_id=team.id, subject=f"Ticket {i}"))
            n, seconds = deliver_all(store)
            info(webhook_delivery_rate={"events": n, "tickets": n, "seconds": round(seconds, 2)})
            metric("webhook_delivery_rate", n / seconds, "events/s")

            one = svc.create_ticket(TicketCreate(team_id=team.id, subject="One ticket"))
            deliver_all(store)
            for i in range(args.one_ticket):
                svc.reply(one.id, f"Reply {i}")
            n, seconds = deliver_all(store)
            info(webhook_delivery_rate_one_ticket={"events": n, "seconds": round(seconds, 2)})
            metric("webhook_delivery_rate_one_ticket", n / seconds, "events/s")

            # as the server's job runs it: every commit on disk (synchronous FULL)
            for i in range(args.events):
                svc.create_ticket(TicketCreate(team_id=team.id, subject=f"Durable {i}"))
            durable = SqliteStore.open(db, durable=True)
            n, seconds = deliver_all(durable)
            durable.close()
            info(webhook_delivery_rate_durable={"events": n, "seconds": round(seconds, 2)})
            metric("webhook_delivery_rate_durable", n / seconds, "events/s")
            store.close()
    finally:
        receiver.kill()
        receiver.wait()


if __name__ == "__main__":
    main()
