"""Server benchmark: one uvicorn worker on loopback over a demo helpdesk whose biggest team
holds 100,000 tickets. Prints one JSON object per line: {"metric", "value", "unit"}.

    .venv/bin/python bench/server.py [--tickets 143000] [--clients 50] [--seconds 30]

- board page round trip through RemoteBackend (median and p90 of --repeat calls);
- 50 concurrent keep-alive clients reading board pages for --seconds: requests/s, errors,
  latency. The load generator is a raw-socket asyncio client in its own process (httpx
  would be the bottleneck); its CPU use is printed to show it is not;
- event latency: from the start of a write by one RemoteBackend to the event reaching
  another one's stream (median, p90);
- with --writes: comments written by 1 and by 20 concurrent clients for --write-seconds
  each, through the server's queue of writers and, side by side in the same run, through
  a server whose threads wait in SQLite's busy handler instead (`--rounds` alternations):
  writes/s, p50 and p99.

The server runs in its own process (`deskline serve`), as in production. Everything acts as
an agent, not an admin, so the authorization clause is part of every query.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskline.demo import build_demo  # noqa: E402
from deskline.models import TicketUpdate  # noqa: E402
from deskline.remote import RemoteBackend  # noqa: E402
from deskline.server.tokens import make_token  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402

AGENT = "alice.martin@deskline.example"
OTHER = "dmitri.tanaka@deskline.example"


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}),
          flush=True)


def database(tickets: int) -> Path:
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"server-{tickets // 1000}k.db"
    if not path.exists():
        build_demo(path, tickets=tickets, seed=7)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The server as it was before its queue of writers: threads meet at SQLite's lock.
BUSY_HANDLER = ("import contextlib, sys; import deskline.server.api as api;"
                " api.WriterQueue = contextlib.nullcontext;"
                " api.Api.write_turns = lambda self: None; from deskline.cli import main;"
                " sys.exit(main())")


def start_server(db: Path, busy_handler: bool = False) -> tuple[subprocess.Popen, str]:
    port = free_port()
    program = ["-c", BUSY_HANDLER] if busy_handler else ["-m", "deskline.cli"]
    # No background jobs: they would change the measured data as the benchmark runs.
    proc = subprocess.Popen([sys.executable, *program, "serve", "--db", str(db),
                             "--port", str(port), "--no-maintenance", "--no-mail"],
                            stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


# --- load generator: raw sockets, keep-alive, one process -----------------------------


async def _client(host: str, port: int, requests: list[bytes], until: float,
                  stats: dict) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    i = 0
    try:
        while time.perf_counter() < until:
            request = requests[i % len(requests)]
            i += 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            stats["latencies"].append(time.perf_counter() - start)
            if status in (200, 201):
                stats["ok"] += 1
            else:
                stats["errors"] += 1
    except (OSError, asyncio.IncompleteReadError):
        stats["errors"] += 1
    finally:
        writer.close()


def _load(host: str, port: int, requests: list[list[bytes]], seconds: float,
          out: multiprocessing.Queue) -> None:
    stats = {"ok": 0, "errors": 0, "latencies": []}

    async def main() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_client(host, port, r, until, stats) for r in requests))

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    lat = stats["latencies"]
    out.put({"ok": stats["ok"], "errors": stats["errors"], "wall": wall, "cpu": cpu,
             "p50": pct(lat, 0.5) if lat else 0, "p99": pct(lat, 0.99) if lat else 0})


# --- the figures ---------------------------------------------------------------------


async def round_trip(url: str, token: str, repeat: int) -> tuple[int, int, int, list]:
    backend = await RemoteBackend.open(url, token)
    try:
        teams = await backend.list_teams()
        sizes = []
        for team in teams:
            columns = await backend.board_columns(team.id)
            sizes.append((sum(c.count for c in columns), team, columns))
        total, team, columns = max(sizes, key=lambda s: s[0])
        biggest = max(columns, key=lambda c: c.count)
        emit("bench_team_tickets", total, "tickets", team=team.name,
             biggest_column=biggest.stage.name, column_tickets=biggest.count)
        first = await backend.board_page(team.id, biggest.stage.id, limit=50)
        deep = first
        for _ in range(20):
            deep = await backend.board_page(team.id, biggest.stage.id,
                                            cursor=deep.next_cursor, limit=50)
        for name, cursor in (("first", None), ("page21", deep.next_cursor)):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                await backend.board_page(team.id, biggest.stage.id, cursor=cursor, limit=50)
                times.append((time.perf_counter() - start) * 1000)
            emit(f"remote_board_page_{name}_ms", statistics.median(times), "ms",
                 p90=round(pct(times, 0.9), 3), cards=50, repeat=repeat)
        start = time.perf_counter()
        for _ in range(repeat):
            await backend._client.get("/me")
        emit("httpx_bare_round_trip_ms", (time.perf_counter() - start) / repeat * 1000, "ms",
             note="GET /me with httpx alone: the floor under every call")
        cursors = [None, first.next_cursor, deep.next_cursor]
        return team.id, biggest.stage.id, total, cursors
    finally:
        await backend.close()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(url: str, tokens: list[str], team_id: int, stage_id: int, cursors: list,
         seconds: float, server_pid: int) -> None:
    host, port = url.removeprefix("http://").split(":")
    per_client = []
    for token in tokens:
        reqs = []
        for cursor in cursors:
            target = f"/api/v1/teams/{team_id}/stages/{stage_id}/tickets?limit=50"
            if cursor:
                target += f"&cursor={cursor}"
            reqs.append((f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
                         ).encode())
        per_client.append(reqs)
    out: multiprocessing.Queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_load, args=(host, int(port), per_client, seconds,
                                                       out))
    cpu_before = process_cpu(server_pid)
    proc.start()
    result = out.get(timeout=seconds + 60)
    proc.join()
    server_cpu = process_cpu(server_pid) - cpu_before
    rps = result["ok"] / result["wall"]
    emit("load_requests_per_second", rps, "req/s", clients=len(tokens),
         seconds=round(result["wall"], 1), requests=result["ok"], errors=result["errors"],
         p50_ms=round(result["p50"] * 1000, 2), p99_ms=round(result["p99"] * 1000, 2))
    emit("load_errors", result["errors"], "requests")
    emit("load_generator_cpu_share", result["cpu"] / result["wall"], "cores",
         note="CPU the load generator used per second of wall time")
    emit("server_cpu_share", server_cpu / result["wall"], "cores",
         note="CPU the server got per second of wall time (1.0: a whole core)")
    per_request = server_cpu / max(result["ok"], 1) * 1000
    emit("server_cpu_per_request_ms", per_request, "ms",
         capacity_one_core=round(1000 / per_request), load_average=os.getloadavg()[0])


def write_load(url: str, tokens: list[str], ticket_ids: list[int], seconds: float) -> dict:
    """Comments posted by len(tokens) keep-alive clients for `seconds`, each client on
    tickets of its own (the load generator's process, as for reads)."""
    host, port = url.removeprefix("http://").split(":")
    per_client = []
    for n, token in enumerate(tokens):
        tid = ticket_ids[n % len(ticket_ids)]
        body = json.dumps({"kind": "comment", "body": f"bench comment from client {n}"})
        per_client.append([(
            f"POST /api/v1/tickets/{tid}/messages HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()])
    out: multiprocessing.Queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_load, args=(host, int(port), per_client, seconds,
                                                       out))
    proc.start()
    result = out.get(timeout=seconds + 60)
    proc.join()
    return result


def writes(db: Path, seconds: float, rounds: int) -> None:
    """1 and 20 writing clients, queue of writers vs busy handler, alternated."""
    tokens = [make_token(db, AGENT) for _ in range(20)]
    store = SqliteStore.open(db)
    ticket_ids = [r[0] for r in store.conn.execute(
        "SELECT id FROM tickets WHERE is_open = 1 ORDER BY id DESC LIMIT 20")]
    store.close()
    figures: dict[tuple[str, int], list[dict]] = {}
    for _ in range(rounds):
        for mode in ("queue", "busy_handler"):
            proc, url = start_server(db, busy_handler=mode == "busy_handler")
            try:
                for clients in (1, 20):
                    got = write_load(url, tokens[:clients], ticket_ids, seconds)
                    figures.setdefault((mode, clients), []).append(got)
            finally:
                proc.terminate()
                proc.wait(10)
    for (mode, clients), runs in figures.items():
        rate = statistics.median(r["ok"] / r["wall"] for r in runs)
        emit(f"write_comments_per_second_{clients}_clients_{mode}", rate, "writes/s",
             p50_ms=round(statistics.median(r["p50"] for r in runs) * 1000, 2),
             p99_ms=round(statistics.median(r["p99"] for r in runs) * 1000, 2),
             errors=sum(r["errors"] for r in runs), rounds=len(runs))
    for clients in (1, 20):
        queue, busy = figures[("queue", clients)], figures[("busy_handler", clients)]
        emit(f"write_p99_ratio_{clients}_clients_busy_handler_over_queue",
             statistics.median(r["p99"] for r in busy)
             / statistics.median(r["p99"] for r in queue), "x")


async def write_heard(writer: RemoteBackend, ticket, received: asyncio.Queue,
                      timeout: float) -> float:
    """ms from the start of a write (the ticket's priority moved on) to its event in
    `received` ((ticket id, version, perf_counter at arrival) tuples of a listener)."""
    start = time.perf_counter()
    done = await writer.update_ticket(ticket.id, ticket.version,
                                      TicketUpdate(priority=(ticket.priority + 1) % 4))
    while True:
        tid, version, at = await asyncio.wait_for(received.get(), timeout)
        if tid == done.id and version == done.version:
            return (at - start) * 1000


async def event_latency(url: str, listener_token: str, writer_token: str, team_id: int,
                        stage_id: int, repeat: int) -> None:
    listener = await RemoteBackend.open(url, listener_token)
    writer = await RemoteBackend.open(url, writer_token)
    try:
        page = await writer.board_page(team_id, stage_id, limit=repeat)
        stream = listener.events()
        received: asyncio.Queue = asyncio.Queue()

        async def listen() -> None:
            async for event in stream:
                if event.type == "ticket.updated":
                    received.put_nowait((event.id, event.version, time.perf_counter()))

        task = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        times = []
        for card in page.items:
            times.append(await write_heard(writer, card, received, 5))
        task.cancel()
        emit("event_latency_ms", statistics.median(times), "ms", p90=round(pct(times, 0.9), 3),
             repeat=len(times), note="from the start of a write to the event at another client")
    finally:
        await listener.close()
        await writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=143_000,
                        help="demo size; 143,000 puts 100,000 in the biggest team")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--writes", action="store_true",
                        help="only the write figures: 1 vs 20 writing clients")
    parser.add_argument("--write-seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = database(args.tickets)
    if args.writes:
        writes(db, args.write_seconds, args.rounds)
        return
    token = make_token(db, AGENT)
    proc, url = start_server(db)
    try:
        team_id, stage_id, _total, cursors = asyncio.run(round_trip(url, token, args.repeat))
        tokens = [make_token(db, AGENT) for _ in range(args.clients)]
        load(url, tokens, team_id, stage_id, cursors, args.seconds, proc.pid)
        asyncio.run(event_latency(url, token, make_token(db, OTHER), team_id, stage_id, 30))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
