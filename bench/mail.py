"""Mail benchmark: intake of 10,000 messages of mixed sizes, delivery of 1,000 queued mails.

Prints JSON lines {"metric", "value", "unit"} (and {"info": ...} lines on stderr).
Targets: import >= 500 messages/s (`mail_import_rate`: one transaction per mail, parsing in
a worker process as `deskline mail import` does), delivery >= 200 mails/s to a loopback
SMTP server (`mail_delivery_rate` with 4 connections as `deskline mail send` does, and
`mail_delivery_rate_one_connection`); the server is aiosmtpd in a separate process, so it
does not share the sender's interpreter. These are wall-clock rates: on a shared machine
they move with its load (the load average is printed first).

    .venv/bin/python bench/mail.py [--messages 10000] [--mails 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deskline.clock import to_db, utcnow  # noqa: E402
from deskline.mail.intake import Intake  # noqa: E402
from deskline.mail.outbox import Outbox, SmtpConfig  # noqa: E402
from deskline.models import Role, StageCreate, TeamCreate  # noqa: E402
from deskline.service import Service  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402

CONNECTIONS = 4  # as `deskline mail send` does by default
WORDS = ("printer invoice login error crashed slow blank page update server report order "
         "password license export sync backup customer urgent please thanks again office").split()

SINK = r"""
import sys, time
from aiosmtpd.controller import Controller
class H:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        H.count += 1
        return "250 OK"
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def emit(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 2), "unit": unit}), flush=True)


def text(rng: random.Random, words: int) -> str:
    lines, line = [], []
    for _ in range(words):
        line.append(rng.choice(WORDS))
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return "\n".join(lines) + "\n"


def make_messages(n: int, seed: int = 5) -> list[bytes]:
    """Mixed sizes: 60% short plain, 20% HTML with a plain part, 12% replies, 5% with a
    30 KB attachment, 2% with a 300 KB attachment, 1% duplicates."""
    rng = random.Random(seed)
    out: list[bytes] = []
    ids: list[str] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.01 and out:
            out.append(out[rng.randrange(len(out))])
            continue
        msg = EmailMessage()
        customer = rng.randrange(2000)
        msg["From"] = f"Customer {customer} <c{customer}@client{customer % 50}.example>"
        msg["To"] = rng.choice(["support@bench.example", "billing@bench.example"])
        mid = f"<bench.{i}@client.example>"
        msg["Message-ID"] = mid
        if roll < 0.13 and ids:
            parent = rng.choice(ids)
            msg["Subject"] = "Re: " + " ".join(rng.choices(WORDS, k=5))
            msg["In-Reply-To"] = parent
            msg["References"] = parent
        else:
            msg["Subject"] = " ".join(rng.choices(WORDS, k=6)).capitalize()
        body = text(rng, rng.randint(20, 200))
        msg.set_content(body)
        if 0.13 <= roll < 0.33:
            msg.add_alternative("<html><body><p>" + body.replace("\n", "<br>") +
                                "</p></body></html>", subtype="html")
        elif 0.33 <= roll < 0.38:
            msg.add_attachment(rng.randbytes(30_000), maintype="application",
                               subtype="pdf", filename="scan.pdf")
        elif 0.38 <= roll < 0.40:
            msg.add_attachment(rng.randbytes(300_000), maintype="image", subtype="png",
                               filename="screenshot.png")
        ids.append(mid)
        out.append(msg.as_bytes())
    return out


def setup(path: Path) -> SqliteStore:
    store = SqliteStore.open(path)
    with store.transaction():
        aid = store.insert_agent("admin@bench.example", "Admin", Role.admin.value, None)
    svc = Service(store, store.agent(aid))
    stages = [svc.create_stage(StageCreate(name=n)).id for n in ("New", "Open", "Done")]
    svc.create_team(TeamCreate(name="Support", email_alias="support@bench.example",
                               stage_ids=stages))
    svc.create_team(TeamCreate(name="Billing", email_alias="billing@bench.example",
                               stage_ids=stages))
    return store


def bench_import(n: int, workdir: Path) -> None:
    messages = make_messages(n)
    size = sum(len(m) for m in messages)
    store = setup(workdir / "import.db")
    intake = Intake(store)
    intake.system_agent()
    start = time.perf_counter()
    counts: dict[str, int] = {}
    workers = min(3, (os.cpu_count() or 1) - 1)
    with intake.bulk():  # as `deskline mail import` does; the final checkpoint is counted
        items = ((f"bench#{i}", raw) for i, raw in enumerate(messages))
        for result in intake.take_all(items, workers=workers):
            counts[result.status] = counts.get(result.status, 0) + 1
    seconds = time.perf_counter() - start
    store.close()
    print(json.dumps({"info": "import", "messages": n, "megabytes": round(size / 2**20, 1),
                      "parse_workers": workers, "outcomes": counts}), file=sys.stderr)
    emit("mail_import_rate", n / seconds, "messages/s")
    emit("mail_import_seconds", seconds, "s")


def bench_delivery(n: int, workdir: Path, connections: int, metric: str) -> None:
    store = setup(workdir / f"send-{connections}.db")
    now = to_db(utcnow())
    with store.transaction():
        for i in range(n):
            store.queue_mail(ticket_id=None, message_id=None, kind="reply",
                             to_addr=f"c{i}@client.example", subject=f"Re: [#{i}] Printer",
                             body="Thanks for your patience; it works again.\n" * 20,
                             created_at=now)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        outbox = Outbox(store, SmtpConfig(host="127.0.0.1", port=port))
        start = time.perf_counter()
        report = outbox.deliver(connections=connections)
        seconds = time.perf_counter() - start
        outbox.close()
    finally:
        server.stdin.close()
        server.wait(10)
    assert report.sent == n, report.as_dict()
    store.close()
    print(json.dumps({"info": metric, "mails": n, "connections": connections}),
          file=sys.stderr)
    emit(metric, n / seconds, "mails/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--mails", type=int, default=1_000)
    args = parser.parse_args()
    # Figures are wall-clock rates: on a shared machine they move with its load.
    print(json.dumps({"info": "machine", "cpus": os.cpu_count(),
                      "loadavg_1min": round(os.getloadavg()[0], 2)}), file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        bench_import(args.messages, Path(tmp))
        bench_delivery(args.mails, Path(tmp), CONNECTIONS, "mail_delivery_rate")
        bench_delivery(args.mails, Path(tmp), 1, "mail_delivery_rate_one_connection")


if __name__ == "__main__":
    main()
