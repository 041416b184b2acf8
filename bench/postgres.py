"""PostgreSQL against SQLite, side by side over the same helpdesk: the demo built by
bench/engine.py (--tickets N, at bench/data/engine-N.db), copied into PostgreSQL with
`deskline copy`'s function (store/copying.py, verified), then the reads and writes an agent
makes, through `Service(store, agent)` on both stores as bench/engine.py does on SQLite.
Prints one JSON object per line: {"metric", "value", "unit", ...}.

    .venv/bin/python bench/postgres.py [--tickets 100000] [--repeat 25] [--cluster DIR]
                                       [--workers 1,2,4] [--no-search]

Each figure's `value` is PostgreSQL's median in ms; `sqlite_ms` is SQLite's, the two
called in turn `--repeat` times (so both meet the same moments of a noisy machine), and
`ratio` is PostgreSQL's median over SQLite's. `target_ms` and `within_target` where the
issue sets a target (1,000,000 tickets: pages and dashboard 20 ms, a common word 50 ms,
a single-ticket write 5 ms). `statements` and `round_trips`: what one call sent PostgreSQL
(statements sent together, in a pipeline or with BEGIN, take one round trip).

PostgreSQL: with --cluster DIR, the cluster running there (started by scripts/postgres
when DIR does not exist, and left running: `scripts/postgres stop DIR` removes it), whose
database `bench_N` is copied once and kept for the next run (a copy of 1,000,000 tickets
takes minutes); else $DESKLINE_TEST_DATABASE_URL's cluster, else a throwaway one, with a
database dropped at the end.

--workers 1,2,4: the mixed agent workload (`--clients` consoles making RemoteBackend's
requests: a board's columns and pages, tickets and threads, the dashboard, a search, and
commenting with an Idempotency-Key: one request in twelve a write) through `deskline serve
--database postgresql://… --workers N` for each N, through one SQLite server, and its reads
alone on 1 and 2 PostgreSQL processes, in turn for `--rounds` rounds of `--seconds`:
requests/s, p50, p99, the cores the server's processes, PostgreSQL's backends and the load
generator used, the speedup over one process; then an event's p99 from a write to another
console's stream with 200 more streams open, on 2 processes. Skipped, saying so, while
`deskline serve` has no --database and --workers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import server as server_bench  # noqa: E402
from bench.engine import AGENT, database, emit  # noqa: E402
from bench.server import free_port  # noqa: E402
from deskline.service import Service, resolve_agent  # noqa: E402
from deskline.store import copying  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402
from tests.postgres_support import URL_VARIABLE, database_url  # noqa: E402

POSTGRES = ROOT / "scripts" / "postgres"

# The targets at 1,000,000 tickets (ms).
PAGE, SEARCH, WRITE = 20.0, 50.0, 5.0


@contextmanager
def cluster(directory: Path | None) -> Iterator[str]:
    """The URL of a cluster's `deskline` database (see the module's docstring)."""
    if directory is not None:
        if not (directory / "data" / "postmaster.pid").exists():
            subprocess.run([str(POSTGRES), "start", str(directory)], check=True,
                           stdout=subprocess.DEVNULL)
        yield f"postgresql://deskline@/deskline?host={directory}"
        return
    if url := os.environ.get(URL_VARIABLE):
        yield url
        return
    started = Path(tempfile.mkdtemp(prefix="deskline-pg."))
    try:
        yield subprocess.run([str(POSTGRES), "start", str(started)], capture_output=True,
                             text=True, check=True).stdout.strip()
    finally:
        subprocess.run([str(POSTGRES), "stop", str(started)], check=False)


def copied(source: Path, cluster_url: str, name: str) -> str:
    """The URL of database `name` holding the copy of `source`: made and copied (verified)
    unless it already holds one — a copy is one transaction, so a helpdesk there is whole."""
    import psycopg

    with psycopg.connect(cluster_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (name,)).fetchone()
        if not exists:
            admin.execute(f"CREATE DATABASE {name}".encode())
    url = database_url(cluster_url, name)
    destination = copying.open_side(url, create=True)
    if destination.count("tickets"):
        destination.close()
        emit("copy_reused", 0, "s", database=name)
        return url
    origin = copying.open_side(str(source), create=False)
    began = time.perf_counter()
    try:
        reports = copying.copy_helpdesk(origin, destination)
    finally:
        origin.close()
        destination.close()
    seconds = time.perf_counter() - began
    if not all(report.equal for report in reports):
        raise SystemExit(f"the copy into {name} differs: "
                         + ", ".join(r.name for r in reports if not r.equal))
    emit("copy_sqlite_to_postgresql", seconds, "s", database=name,
         rows=sum(r.source.rows for r in reports), verified=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as after any bulk load: statistics for the planner
    return url


class RoundTrips:
    """The statements PostgreSQL is sent while `counting()`, and the round trips they take
    (a pipeline's statements, or BEGIN and the statements sent with it, make one). psycopg
    has no trace hook: this wraps its methods, in the bench only."""

    statements = 0
    trips = 0
    _on = False

    @classmethod
    def install(cls) -> None:
        import psycopg
        from psycopg import _connection_base

        execute, many = psycopg.Cursor.execute, psycopg.Cursor.executemany
        command, pipeline = (_connection_base.BaseConnection._exec_command,
                             psycopg.Connection.pipeline)
        piped = {"depth": 0}

        def count(query: object) -> None:
            if cls._on:
                text = bytes(query).decode() if isinstance(query, bytes) else str(query)
                cls.statements += sum(1 for part in text.split(";") if part.strip())
                cls.trips += not piped["depth"]

        def counted_execute(self, query, *args, **kwargs):
            count(query)
            return execute(self, query, *args, **kwargs)

        def counted_many(self, query, *args, **kwargs):
            count(query)  # psycopg sends the rows in one pipeline of its own
            return many(self, query, *args, **kwargs)

        def counted_command(self, query, *args, **kwargs):
            count(query)
            return command(self, query, *args, **kwargs)

        @contextmanager
        def counted_pipeline(self):
            if cls._on and not piped["depth"]:
                cls.trips += 1
            piped["depth"] += 1
            try:
                with pipeline(self) as inside:
                    yield inside
            finally:
                piped["depth"] -= 1

        psycopg.Cursor.execute = counted_execute
        psycopg.Cursor.executemany = counted_many
        _connection_base.BaseConnection._exec_command = counted_command
        psycopg.Connection.pipeline = counted_pipeline

    @classmethod
    def of(cls, call: Callable[[], object]) -> dict[str, int]:
        cls.statements = cls.trips = 0
        cls._on = True
        try:
            call()
        finally:
            cls._on = False
        return {"statements": cls.statements, "round_trips": cls.trips}


def side_by_side(metric: str, on_sqlite: Callable[[], object],
                 on_postgres: Callable[[], object], repeat: int,
                 target: float | None = None, **extra: object) -> None:
    on_sqlite(), on_postgres()
    extra = {**extra, **RoundTrips.of(on_postgres)}
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in ((on_sqlite, times[0]), (on_postgres, times[1])):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    lite, pg = statistics.median(times[0]), statistics.median(times[1])
    pg_sorted = sorted(times[1])
    if target is not None:
        extra = {**extra, "target_ms": target, "within_target": pg < target}
    emit(metric, pg, "ms", sqlite_ms=round(lite, 3), ratio=round(pg / lite, 1),
         p90=round(pg_sorted[int(len(pg_sorted) * 0.9) - 1], 3), **extra)


class Agent:
    """One store and the agent's service on it, with the picks both sides share."""

    def __init__(self, store) -> None:
        self.store = store
        self.svc = Service(store, resolve_agent(store, AGENT))
        self.state = {"n": 0}


def figures(lite: Agent, pg: Agent, repeat: int) -> None:
    def both(metric: str, call: Callable[[Agent], object], target: float | None = None,
             **extra: object) -> None:
        side_by_side(metric, lambda: call(lite), lambda: call(pg), repeat, target, **extra)

    svc = lite.svc
    teams = svc.list_teams()
    sizes = {t.id: sum(c.count for c in svc.board_columns(t.id)) for t in teams}
    team = max(teams, key=lambda t: sizes[t.id])
    columns = svc.board_columns(team.id)
    biggest = max(columns, key=lambda c: c.count)

    both("dashboard_all_teams", lambda a: a.svc.dashboard(), PAGE)

    def first_pages(a: Agent) -> None:
        for column in a.svc.board_columns(team.id):
            a.svc.board_page(team.id, column.stage.id, limit=50)

    both("board_columns_and_first_pages", first_pages, PAGE, team=team.name,
         team_tickets=sizes[team.id])
    both("board_column_counts", lambda a: a.svc.board_columns(team.id))
    both("board_page", lambda a: a.svc.board_page(team.id, biggest.stage.id, limit=50), PAGE,
         column=biggest.stage.name, column_tickets=biggest.count)
    page = svc.board_page(team.id, biggest.stage.id, limit=50)
    both("board_next_page", lambda a: a.svc.board_page(
        team.id, biggest.stage.id, cursor=page.next_cursor, limit=50), PAGE)
    deep = page
    for _ in range(100):
        deep = svc.board_page(team.id, biggest.stage.id, cursor=deep.next_cursor, limit=50)
    both("board_page_5000_deep", lambda a: a.svc.board_page(
        team.id, biggest.stage.id, cursor=deep.next_cursor, limit=50), PAGE)
    both("my_tickets_page", lambda a: a.svc.my_tickets(limit=50), PAGE)

    # The ticket page: the ticket with the longest thread on the biggest column's first page.
    busiest = max((svc.get_ticket(c.id) for c in page.items), key=lambda t: t.message_count)

    def ticket_page(a: Agent) -> None:
        a.svc.get_ticket(busiest.id)
        a.svc.ticket_messages(busiest.id, limit=50)

    both("ticket_with_first_50_messages", ticket_page, PAGE, messages=busiest.message_count)

    for label, query in (("common_word", "printer"), ("very_common_word", "the"),
                         ("two_words", "printer restarted"), ("rare_word", "Kowalski"),
                         ("no_match", "xylophone"), ("beginning_found_nowhere", "xylo"),
                         ("ticket_number", "#4242")):
        hits = (len(lite.svc.search(query, limit=50)), len(pg.svc.search(query, limit=50)))
        both(f"search_{label}", lambda a, q=query: a.svc.search(q, limit=50),
             SEARCH if label in ("common_word", "very_common_word") else None,
             results=hits[1], same_results=hits[0] == hits[1])

    # Writes on one open ticket of the big team (the same on both), each with its event.
    ticket = svc.board_page(team.id, columns[0].stage.id, limit=1).items[0]
    stage_ids = [c.stage.id for c in columns if not c.stage.closing][:2]

    def move(a: Agent) -> None:
        current = a.svc.get_ticket(ticket.id)
        a.state["n"] += 1
        a.svc.move_ticket(ticket.id, current.version, stage_ids[a.state["n"] % 2])

    both("write_comment", lambda a: a.svc.comment(ticket.id, "@bruno.okafor checking the logs"),
         WRITE)
    both("write_reply", lambda a: a.svc.reply(ticket.id, "We are on it."), WRITE)
    both("write_move_with_read", move, WRITE)
    both("read_ticket_alone", lambda a: a.svc.get_ticket(ticket.id))


def serve_has_database() -> bool:
    done = subprocess.run([sys.executable, "-m", "deskline.cli", "serve", "--help"],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    return "--database" in done.stdout and "--workers" in done.stdout


def tokens(store, count: int, email: str = AGENT) -> list[str]:
    agent = store.agent_by_email(email)
    made = []
    for n in range(count):
        with store.transaction():
            made.append(store.create_api_token(agent.id, label=f"bench {n}")[1])
    return made


def start_server(target: str, workers: int) -> tuple[subprocess.Popen, str]:
    """`deskline serve` on a SQLite file (`--db`) or a PostgreSQL URL (`--database`) with
    `workers` processes, no background jobs (they would change the data as it runs)."""
    port = free_port()
    where = (["--database", target, "--workers", str(workers)]
             if target.startswith("postgresql://") else ["--db", target])
    proc = subprocess.Popen([sys.executable, "-m", "deskline.cli", "serve", *where,
                             "--port", str(port), "--no-maintenance", "--no-mail"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server on {target} did not start")


CYCLES = 200  # a console's rounds of requests laid out ahead, each write with a key of its own


def mixed_requests(host: str, port: int, token: str, plan: dict, n: int) -> list[bytes]:
    """One console's requests as RemoteBackend makes them, in the proportions a console
    makes them: the board (its columns' counts, then pages), a ticket and its thread, the
    dashboard, a search now and then, and one comment in twelve requests — sent, as
    RemoteBackend sends every write, with an Idempotency-Key of its own (a new one each
    round: a key seen before would be answered from the stored answer)."""
    head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json"
    board = f"/api/v1/teams/{plan['team']}/stages/{plan['stage']}/tickets?limit=50"
    ticket = plan["tickets"][n % len(plan["tickets"])]
    body = json.dumps({"kind": "comment", "body": f"checking, console {n}"})
    gets = [f"/api/v1/teams/{plan['team']}/board", board, f"{board}&cursor={plan['cursor']}",
            f"/api/v1/tickets/{ticket}", f"/api/v1/tickets/{ticket}/messages?limit=50", board,
            f"/api/v1/tickets/{ticket}", f"/api/v1/tickets/{ticket}/messages?limit=50",
            "/api/v1/dashboard", "/api/v1/search?q=printer", f"/api/v1/tickets/{ticket}"]
    if not plan.get("search", True):  # --no-search: the ticket again in its place
        gets[gets.index("/api/v1/search?q=printer")] = f"/api/v1/tickets/{ticket}"
    reads = [f"GET {path} HTTP/1.1\r\n{head}\r\n\r\n".encode() for path in gets]
    run = uuid.uuid4().hex[:12]
    out = []
    for cycle in range(CYCLES):
        out += reads
        out.append((f"POST /api/v1/tickets/{ticket}/messages HTTP/1.1\r\n{head}\r\n"
                    f"Idempotency-Key: {run}-{n}-{cycle}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                    f"{body}").encode())
    return out


def tree_cpu(root: int, *, children_only: bool = False) -> float:
    """CPU seconds used so far by a process and its children (a server and its workers;
    with `children_only`, a PostgreSQL postmaster's backends)."""
    total = 0.0 if children_only else server_bench.process_cpu(root)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == root:
                total += server_bench.process_cpu(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return total


def postmaster(url: str) -> int | None:
    """The pid of the PostgreSQL server behind a Unix-socket URL (`host=DIR`), if known."""
    host = parse_qs(urlsplit(url).query).get("host", [""])[0]
    pid_file = Path(host) / "data" / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def run_load(url: str, requests: list[list[bytes]], seconds: float,
             server: int | None = None, database: int | None = None) -> dict:
    """bench/server.py's load generator (raw keep-alive sockets, a process of its own);
    with the server's and PostgreSQL's pids, the CPU each used per second of load."""
    host, port = url.removeprefix("http://").split(":")
    out: multiprocessing.Queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=server_bench._load,
                                   args=(host, int(port), requests, seconds, out))
    before = (tree_cpu(server) if server else 0.0,
              tree_cpu(database, children_only=True) if database else 0.0, time.perf_counter())
    proc.start()
    result = out.get(timeout=seconds + 60)
    wall = time.perf_counter() - before[2]
    result["server_cpu"] = (tree_cpu(server) - before[0]) / wall if server else None
    result["database_cpu"] = ((tree_cpu(database, children_only=True) - before[1]) / wall
                              if database else None)
    proc.join()
    return result


async def event_p99(url: str, listener: str, writer: str, idle: list[str], plan: dict,
                    repeat: int) -> list[float]:
    """From the start of a write by one client to its event at another, with len(idle)
    more streams open: the processes share the connections, so most pairs cross."""
    from deskline.remote import RemoteBackend

    host, port = url.removeprefix("http://").split(":")

    async def idle_stream(token: str) -> None:
        reader, writer_ = await asyncio.open_connection(host, int(port))
        writer_.write(f"GET /api/v1/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      f"Authorization: Bearer {token}\r\nAccept: text/event-stream"
                      "\r\n\r\n".encode())
        try:
            while await reader.read(65536):
                pass
        finally:
            writer_.close()

    streams = [asyncio.create_task(idle_stream(token)) for token in idle]
    listening = await RemoteBackend.open(url, listener)
    writing = await RemoteBackend.open(url, writer)
    try:
        received: asyncio.Queue = asyncio.Queue()

        async def listen() -> None:
            async for event in listening.events():
                if event.type == "ticket.updated":
                    received.put_nowait((event.id, event.version, time.perf_counter()))

        task = asyncio.create_task(listen())
        await asyncio.sleep(1.0)
        page = await writing.board_page(plan["team"], plan["stage"], limit=50)
        times = []
        for n in range(repeat):
            card = page.items[n % len(page.items)]
            current = await writing.get_ticket(card.id)
            times.append(await server_bench.write_heard(writing, current, received, 10))
        task.cancel()
        return times
    finally:
        for stream in streams:
            stream.cancel()
        await listening.close()
        await writing.close()


def throughput(workers: list[int], sqlite: Path, postgres: str, plan: dict,
               seconds: float, rounds: int, clients: int) -> None:
    """The mixed workload on PostgreSQL with each number of server processes and on
    SQLite with one, in turn for `rounds` rounds, and its reads alone (no comment) on 1
    and 2 PostgreSQL processes — the writes go one at a time through the write lock,
    whatever the processes; then an event's latency across processes with 200 streams
    open."""
    from deskline.store.postgres.store import PgStore

    lite, pg = SqliteStore.open(sqlite), PgStore.open(postgres)
    try:
        keys = {"sqlite": tokens(lite, clients), "postgresql": tokens(pg, clients + 202)}
        events = (keys["postgresql"][clients:clients + 2], keys["postgresql"][clients + 2:])
        keys["postgresql"] = keys["postgresql"][:clients]
    finally:
        lite.close()
        pg.close()
    setups = [("sqlite", str(sqlite), 1), *(("postgresql", postgres, n) for n in workers),
              *(("postgresql_reads", postgres, n) for n in (1, 2))]
    rates: dict[str, list[dict]] = {}
    for _ in range(rounds):
        for kind, target, n in setups:
            proc, url = start_server(target, n)
            try:
                host, port = url.removeprefix("http://").split(":")
                requests = [mixed_requests(host, int(port), token, plan, i)
                            for i, token in enumerate(keys[kind.removesuffix("_reads")])]
                if kind.endswith("_reads"):
                    requests = [[r for r in mine if r.startswith(b"GET")] for mine in requests]
                rates.setdefault(f"{kind}_{n}", []).append(run_load(
                    url, requests, seconds, proc.pid,
                    postmaster(target) if target == postgres else None))
            finally:
                proc.terminate()
                proc.wait(30)
    medians = {}
    for label, runs in rates.items():
        medians[label] = statistics.median(r["ok"] / r["wall"] for r in runs)
        emit(f"mixed_requests_per_second_{label}", medians[label], "req/s", clients=clients,
             rounds=len(runs), errors=sum(r["errors"] for r in runs),
             p50_ms=round(statistics.median(r["p50"] for r in runs) * 1000, 2),
             p99_ms=round(statistics.median(r["p99"] for r in runs) * 1000, 2),
             # cores busy: the server's processes, PostgreSQL's backends, the load generator
             server_cores=_median(r["server_cpu"] for r in runs),
             postgresql_cores=_median(r["database_cpu"] for r in runs),
             load_generator_cores=_median(r["cpu"] / r["wall"] for r in runs),
             load_average=round(os.getloadavg()[0], 2))
    for n in workers:
        if n != 1 and "postgresql_1" in medians:
            emit(f"mixed_speedup_{n}_processes", medians[f"postgresql_{n}"]
                 / medians["postgresql_1"], "x", target=1.6 if n == 2 else None)
    emit("reads_speedup_2_processes", medians["postgresql_reads_2"]
         / medians["postgresql_reads_1"], "x")
    if "postgresql_1" in rates:
        ceiling(rates["postgresql_1"])
    proc, url = start_server(postgres, max(2, min(workers)))
    try:
        times = asyncio.run(event_p99(url, *events[0], events[1], plan, 200))
    finally:
        proc.terminate()
        proc.wait(30)
    times.sort()
    emit("event_latency_across_processes", times[int(len(times) * 0.99) - 1], "ms",
         statistic="p99", median=round(statistics.median(times), 3), streams=len(events[1]),
         processes=max(2, min(workers)), target_ms=200.0)


def ceiling(one_process: list[dict]) -> None:
    """The most a second process can add, from the CPU one process's requests cost: with
    the same CPU a request (the server's, PostgreSQL's, the load generator's), the
    machine's cores serve at most cores / (cores busy at one process) times as many. On
    cores shared with PostgreSQL this bounds the speedup whatever the server does; for
    ×1.6 on 2 cores one process's load may keep at most 1.25 cores busy."""
    runs = [r for r in one_process if r["server_cpu"] and r["database_cpu"]]
    if not runs:
        return
    cores = os.cpu_count() or 1
    busy = statistics.median(r["server_cpu"] + r["database_cpu"] + r["cpu"] / r["wall"]
                             for r in runs)
    rate = statistics.median(r["ok"] / r["wall"] for r in runs)
    server = statistics.median(r["server_cpu"] for r in runs)
    database = statistics.median(r["database_cpu"] for r in runs)
    emit("mixed_speedup_ceiling_2_processes", min(2.0, cores / busy), "x", cores=cores,
         cores_busy_at_1_process=round(busy, 2),
         server_cpu_ms_per_request=round(server / rate * 1000, 3),
         postgresql_cpu_ms_per_request=round(database / rate * 1000, 3))


def _median(values: Iterator[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None


def load_plan(svc: Service) -> dict:
    """The team, column, a cursor and open tickets the workload reads and comments on."""
    teams = svc.list_teams()
    team = max(teams, key=lambda t: sum(c.count for c in svc.board_columns(t.id)))
    columns = svc.board_columns(team.id)
    biggest = max(columns, key=lambda c: c.count)
    page = svc.board_page(team.id, biggest.stage.id, limit=50)
    open_page = svc.board_page(team.id, columns[0].stage.id, limit=50)
    return {"team": team.id, "stage": biggest.stage.id, "cursor": page.next_cursor,
            "tickets": [card.id for card in open_page.items]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--cluster", type=Path, help="a kept cluster's directory")
    parser.add_argument("--workers", help="server processes to measure on PostgreSQL, e.g."
                        " 1,2,4 (the mixed workload, and an event across processes)")
    parser.add_argument("--clients", type=int, default=50, help="consoles in the workload")
    parser.add_argument("--seconds", type=float, default=20.0, help="of workload a setup")
    parser.add_argument("--rounds", type=int, default=3, help="of every setup, in turn")
    parser.add_argument("--no-search", action="store_true",
                        help="the workload without its search (how much of PostgreSQL's "
                             "work the search is)")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")] if args.workers else []
    if workers and not serve_has_database():
        print(f"--workers {args.workers}: skipped: `deskline serve` has no --database and"
              " --workers yet; the multi-process figures on PostgreSQL come with them",
              file=sys.stderr, flush=True)
        workers = []
    source = database(args.tickets, rebuild=False)
    from deskline.store.postgres.store import PgStore

    with cluster(args.cluster) as cluster_url:
        name = f"bench_{args.tickets}"
        url = copied(source, cluster_url, name)
        try:
            lite, pg = Agent(SqliteStore.open(source)), Agent(PgStore.open(url))
            try:
                RoundTrips.install()
                figures(lite, pg, args.repeat)
                plan = {**load_plan(lite.svc), "search": not args.no_search}
            finally:
                lite.store.close()
                pg.store.close()
            if workers:
                throughput(workers, source, url, plan, args.seconds, args.rounds, args.clients)
        finally:
            if args.cluster is None:
                import psycopg

                with psycopg.connect(cluster_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
