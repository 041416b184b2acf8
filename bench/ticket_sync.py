"""Ticket list and change feed benchmark. Prints one JSON object per line:
{"metric", "value", "unit", ...}.

    .venv/bin/python bench/ticket_sync.py [--tickets 100000] [--repeat 30] [--rebuild]

- what the change feed's triggers (migration 0013) cost: the demo build (the bulk writer)
  and the engine's writes (bench/engine.py's move, assign, comment, reply) on a file
  without them ("off": the schema before 0013) and with them ("on"), side by side;
- `GET /api/v1/tickets` first page with two filters, over HTTP against `deskline serve`
  in its own process (median and p90 round trip), and the same page in the service;
- draining the change feed from the start (every ticket once) over HTTP, 1,000 a page:
  tickets/s;
- with --feed-only, just the feed: a page of 1,000 in the service with its JSON, and a
  drain over HTTP against a server on a thread of this process, each now and as the page
  was built before (a validation per ticket), in turn.

Everything reads as an agent (not an admin), so the authorization clause is part of every
query; the feed is drained as an admin too (every ticket).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from deskline.demo import build_demo  # noqa: E402
from deskline.models import TicketChange, TicketListFilter, TicketSummary  # noqa: E402
from deskline.server.api import to_json  # noqa: E402
from deskline.server.run import start_in_thread  # noqa: E402
from deskline.server.tokens import make_token  # noqa: E402
from deskline.service import Service, resolve_agent  # noqa: E402
from deskline.store import db as store_db  # noqa: E402
from deskline.store import ticket_lists  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from engine import emit, paired  # noqa: E402
from engine import median_ms as timings  # noqa: E402
from engine import write_steps as engine_writes  # noqa: E402

changes_adapter = ticket_lists._changes

AGENT = "alice.martin@deskline.example"
ADMIN = "admin@deskline.example"
SYNC_MIGRATION = 13


@contextmanager
def without_sync() -> Iterator[None]:
    """The schema without the change feed: its migration applied as an empty step (the
    writes the bench times never read its tables; only the feed does)."""
    everything = store_db.migrations
    store_db.migrations = lambda: [(n, name, "SELECT 1;" if n == SYNC_MIGRATION else sql)
                                   for n, name, sql in everything()]
    try:
        yield
    finally:
        store_db.migrations = everything


def build(path: Path, tickets: int, rebuild: bool, sync: bool) -> Path:
    info = path.with_suffix(".json")
    if rebuild or not path.exists() or not info.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        cpu = time.process_time()  # steadier than the wall time on a busy machine
        if sync:
            summary = build_demo(path, tickets=tickets, seed=7)
        else:
            with without_sync():
                summary = build_demo(path, tickets=tickets, seed=7)
        info.write_text(json.dumps({"seconds": summary.seconds,
                                    "cpu_seconds": time.process_time() - cpu}))
    built = json.loads(info.read_text())
    emit("demo_build_seconds", built["seconds"], "s", tickets=tickets,
         cpu_seconds=round(built.get("cpu_seconds", 0), 2), sync="on" if sync else "off")
    return path


def write_steps(path: Path) -> dict[str, Callable[[], object]]:
    """bench/engine.py's writes on one open ticket of the biggest team."""
    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, AGENT))
    teams = svc.list_teams()
    team = max(teams, key=lambda t: sum(c.count for c in svc.board_columns(t.id)))
    columns = svc.board_columns(team.id)
    return engine_writes(svc, team, columns)[1]


def writes(before: Path, after: Path, repeat: int) -> None:
    """Each write on the file without the triggers and on the file with them, in turns,
    so that the machine's load falls on both alike."""
    with without_sync():
        off = write_steps(before)
    on = write_steps(after)
    for name in off:
        times: dict[str, list[float]] = {"off": [], "on": []}
        off[name](), on[name]()  # warm-up
        for _ in range(repeat):
            for kind, step in (("off", off[name]), ("on", on[name])):
                start = time.perf_counter()
                step()
                times[kind].append((time.perf_counter() - start) * 1000)
        med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
        emit(name, med["on"], "ms", sync="on", sync_off=round(med["off"], 3),
             added=round(med["on"] - med["off"], 3))


def cpu_seconds(pid: int) -> float:
    """User and system time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    script = Path(sys.executable).with_name("deskline")
    process = subprocess.Popen(
        [str(script), "serve", "--db", str(path), "--port", str(port), "--no-mail",
         "--no-maintenance"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def lists(path: Path, url: str, repeat: int) -> None:
    store = SqliteStore.open(path)
    agent = resolve_agent(store, AGENT)
    svc = Service(store, agent)
    team = max(svc.list_teams(), key=lambda t: sum(c.count for c in svc.board_columns(t.id)))
    tag = svc.list_tags()[0]
    since = "2026-01-01T00:00:00Z"
    cases = {
        "team_open_by_updated": {"team_id": team.id, "status": "open"},
        "team_urgent_by_updated": {"team_id": team.id, "priority": 3},
        "unassigned_open_by_priority": {"assignee": "none", "status": "open",
                                        "sort": "priority"},
        "mine_by_created": {"assignee": "me", "status": "closed", "sort": "created"},
        "tag_updated_since": {"tag": tag, "updated_since": since},
        "team_created_since_by_created": {"team_id": team.id, "created_since": since,
                                          "sort": "created"},
    }
    token = make_token(path, AGENT, label="bench")
    with httpx.Client(base_url=url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        for name, params in cases.items():
            f = TicketListFilter.model_validate(params)
            med, p90 = timings(lambda f=f: svc.list_tickets(f, limit=50), repeat)
            shown = len(svc.list_tickets(f, limit=50).items)
            emit(f"list_first_page_service_{name}", med, "ms", p90=round(p90, 3), items=shown)

            def http(params=params) -> None:
                answer = client.get("/tickets", params={**params, "limit": 50})
                answer.raise_for_status()

            med, p90 = timings(http, repeat)
            emit(f"list_first_page_http_{name}", med, "ms", p90=round(p90, 3), items=shown)
    store.close()


def drain(path: Path, url: str, pid: int, email: str) -> None:
    token = make_token(path, email, label="bench")
    with httpx.Client(base_url=url + "/api/v1", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        cpu = cpu_seconds(pid)
        count, pages, seconds = drained(client)
        cpu = cpu_seconds(pid) - cpu
    # the server's CPU time says what the wall time does not on a busy machine
    emit("change_feed_drain_http", count / seconds, "tickets/s", tickets=count, pages=pages,
         seconds=round(seconds, 2), server_cpu_seconds=round(cpu, 2),
         per_server_cpu_second=round(count / cpu) if cpu else None,
         account="admin" if email == ADMIN else "agent", load=round(os.getloadavg()[0], 1))


class PerRow:
    """The feed's page as it was built before: one validation per ticket and a
    TicketChange constructed around each (store/ticket_lists.py now validates the page in
    one call); stands in for the page's adapter to replay it."""

    @staticmethod
    def validate_python(items: list[dict]) -> list[TicketChange]:
        return [TicketChange(seq=i["seq"], id=i["id"], number=i["number"], deleted=True)
                if i.get("deleted") else
                TicketChange(seq=i["seq"], id=i["id"], number=i["number"],
                             ticket=TicketSummary.model_validate(i["ticket"]))
                for i in items]


@contextmanager
def per_row_pages() -> Iterator[None]:
    ticket_lists._changes = lambda: PerRow  # type: ignore[assignment]
    try:
        yield
    finally:
        ticket_lists._changes = changes_adapter


def feed_side_by_side(path: Path, repeat: int) -> None:
    """A feed page of 1,000 as the server builds it (the service, then JSON), and a
    whole drain over HTTP (a server on a thread of this process), each now and as it was
    built before, in turn."""
    store = SqliteStore.open(path)
    for email in (AGENT, ADMIN):
        svc = Service(store, resolve_agent(store, email))
        account = "admin" if email == ADMIN else "agent"
        middle = svc.ticket_changes(None, 1000).cursor

        def page(svc: Service = svc, middle: str = middle) -> None:
            to_json(svc.ticket_changes(middle, 1000))

        def before(page: Callable[[], None] = page) -> None:
            with per_row_pages():
                page()

        paired("change_feed_page_1000_service_json", page, before, repeat, account=account)
    store.close()
    server = start_in_thread(path)
    try:
        for email in (AGENT, ADMIN):
            token = make_token(path, email, label="bench")
            rates: tuple[list[float], list[float]] = ([], [])
            with httpx.Client(base_url=server.url + "/api/v1", timeout=60,
                              headers={"Authorization": f"Bearer {token}"}) as client:
                for _ in range(3):
                    count, _, seconds = drained(client)
                    rates[0].append(count / seconds)
                    with per_row_pages():
                        count, _, seconds = drained(client)
                    rates[1].append(count / seconds)
            now, was = statistics.median(rates[0]), statistics.median(rates[1])
            emit("change_feed_drain_http_in_process", now, "tickets/s", before=round(was),
                 ratio=round(now / was, 2), account="admin" if email == ADMIN else "agent",
                 load=round(os.getloadavg()[0], 1))
    finally:
        server.stop()


def drained(client: httpx.Client) -> tuple[int, int, float]:
    """(tickets, pages, seconds) draining the feed from the start, 1,000 a page."""
    cursor, count, pages, start = None, 0, 0, time.perf_counter()
    while True:
        params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
        answer = client.get("/tickets/changes", params=params)
        answer.raise_for_status()
        page = answer.json()
        count += len(page["items"])
        pages += 1
        cursor = page["cursor"]
        if not page["more"]:
            return count, pages, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--feed-only", action="store_true",
                        help="only the feed's page and drain, now and before, side by side")
    args = parser.parse_args()
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    after = build(data / f"sync-on-{args.tickets}.db", args.tickets, args.rebuild, True)
    if args.feed_only:
        feed_side_by_side(after, args.repeat)
        return
    before = build(data / f"sync-off-{args.tickets}.db", args.tickets, args.rebuild, False)
    writes(before, after, args.repeat)
    with server(after) as (url, pid):
        lists(after, url, args.repeat)
        drain(after, url, pid, ADMIN)
        drain(after, url, pid, AGENT)


if __name__ == "__main__":
    main()
