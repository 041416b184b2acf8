"""PostgreSQL against SQLite, side by side over the same helpdesk: the demo built by
bench/engine.py (--tickets N, at bench/data/engine-N.db), copied into PostgreSQL with
`deskline copy`'s function (store/copying.py, verified), then the reads and writes an agent
makes, through `Service(store, agent)` on both stores as bench/engine.py does on SQLite.
Prints one JSON object per line: {"metric", "value", "unit", ...}.

    .venv/bin/python bench/postgres.py [--tickets 100000] [--repeat 25] [--cluster DIR]
                                       [--workers 1,2,4]

Each figure's `value` is PostgreSQL's median in ms; `sqlite_ms` is SQLite's, the two
called in turn `--repeat` times (so both meet the same moments of a noisy machine), and
`ratio` is PostgreSQL's median over SQLite's. `target_ms` and `within_target` where the
issue sets a target (1,000,000 tickets: pages and dashboard 20 ms, a common word 50 ms,
a single-ticket write 5 ms).

PostgreSQL: with --cluster DIR, the cluster running there (started by scripts/postgres
when DIR does not exist, and left running: `scripts/postgres stop DIR` removes it), whose
database `bench_N` is copied once and kept for the next run (a copy of 1,000,000 tickets
takes minutes); else $DESKLINE_TEST_DATABASE_URL's cluster, else a throwaway one, with a
database dropped at the end.

--workers: the mixed agent workload through `deskline serve --database postgresql://…
--workers N` for each N, and one SQLite server; skipped, saying so, while `deskline serve`
has no --database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import AGENT, database, emit  # noqa: E402
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


def side_by_side(metric: str, on_sqlite: Callable[[], object],
                 on_postgres: Callable[[], object], repeat: int,
                 target: float | None = None, **extra: object) -> None:
    on_sqlite(), on_postgres()
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
                         ("no_match", "xylophone"), ("ticket_number", "#4242")):
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


def throughput(workers: list[int]) -> None:
    """The mixed agent workload on 1, 2, 4… server processes on PostgreSQL and one on
    SQLite. Waits for `deskline serve --database postgresql://… --workers N`."""
    if not serve_has_database():
        print(f"--workers {','.join(map(str, workers))}: skipped, `deskline serve` has no"
              " --database/--workers yet (multi-process throughput on PostgreSQL comes with"
              " them)", file=sys.stderr, flush=True)
        return
    raise SystemExit("--workers: `deskline serve --database` exists now; the mixed "
                     "workload is to be wired to it (bench/server.py's load generator)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--cluster", type=Path, help="a kept cluster's directory")
    parser.add_argument("--workers", help="server processes to measure, e.g. 1,2,4")
    args = parser.parse_args()
    if args.workers:
        throughput([int(n) for n in args.workers.split(",")])
    source = database(args.tickets, rebuild=False)
    from deskline.store.postgres.store import PgStore

    with cluster(args.cluster) as cluster_url:
        name = f"bench_{args.tickets}"
        url = copied(source, cluster_url, name)
        try:
            lite, pg = Agent(SqliteStore.open(source)), Agent(PgStore.open(url))
            try:
                figures(lite, pg, args.repeat)
            finally:
                lite.store.close()
                pg.store.close()
        finally:
            if args.cluster is None:
                import psycopg

                with psycopg.connect(cluster_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


if __name__ == "__main__":
    main()
