"""Notification inbox benchmark: an agent with 10,000 notifications (half of them unread)
on a 2,000-ticket demo.

Prints one JSON object per line: {"metric": ..., "value": ..., "unit": ...}.

- inbox_open: the real `deskline` in a pseudo-terminal at 80×24 (timed from the outside,
  like bench/console.py): from the key (f7 on the dashboard) to the inbox's first page on
  the terminal. Target under 100 ms.
- inbox_page_inside: from the key sent to the console's own trace (DESKLINE_TRACE) of the
  inbox screen holding its first page (fetched, screen pushed, rows set; before painting).
- search_open: for scale on a loaded machine, the same from-the-outside time for the
  search screen (f2), which fetches nothing before its first frame.
- load: the machine's 1-minute load average while measuring (2 cores here).
- inbox_first_page: the `notifications` use case alone (unread first, 50), in process.
- inbox_unread_count: the `unread_notifications` use case alone (what every key bar shows).
- inbox_last_page: the page after 9,950 entries (keyset: as quick as the first).

    .venv/bin/python bench/notifications.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"
DB = DATA / "notifications-2000.db"
TICKETS = 2_000
NOTIFICATIONS = 10_000
AGENT = "alice.martin@deskline.example"
F7 = "\x1b[18~"

from tests.tui.pty_run import PtyConsole  # noqa: E402


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 2), "unit": unit, **extra}),
          flush=True)


def ensure_db() -> None:
    if DB.exists():
        return
    from deskline.demo import build_demo
    from deskline.store.notifications import NewNotification
    from deskline.store.sqlite import SqliteStore

    print(f"building {DB.name} ({TICKETS:,} tickets, {NOTIFICATIONS:,} notifications)…",
          file=sys.stderr, flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    build_demo(DB, tickets=TICKETS, seed=7)
    store = SqliteStore.open(DB)
    agent = store.agent_by_email(AGENT)
    assert agent is not None
    ticket_ids = [r[0] for r in store.conn.execute(
        "SELECT id FROM tickets WHERE team_id IN (SELECT team_id FROM team_members"
        " WHERE agent_id = ?) ORDER BY id", (agent.id,))]
    with store.transaction():
        for i in range(NOTIFICATIONS):
            tid = ticket_ids[i % len(ticket_ids)]
            store.add_notifications([NewNotification(
                agent.id, "mention", tid, None, f"Someone mentioned you on ticket {tid}")],
                f"2026-01-01T00:00:{i % 60:02d}.{i:06d}+00:00")
        store.conn.execute("UPDATE notifications SET read_at = created_at WHERE id % 2 = 0")
    store.close()


def drain(console: PtyConsole, quiet: float = 0.05) -> None:
    while console.read(quiet):
        pass


def screen_run(home: Path, run: int) -> tuple[float, float, float]:
    trace = home / f"trace-{run}.txt"
    console = PtyConsole(["--db", str(DB), "--as", AGENT, "--config",
                          str(home / "none.toml")], home, size=(80, 24),
                         env={"DESKLINE_TRACE": str(trace)})
    try:
        console.read_until("unread", timeout=30)  # the key bar's count: start-up is over
        time.sleep(1.0)
        drain(console, 0.3)
        t0 = time.monotonic()
        console.send(F7)
        console.read_until("shown)")  # the inbox's heading, written with the first page
        outside = (time.monotonic() - t0) * 1000
        time.sleep(0.3)
        drain(console, 0.3)
        console.send("\x1b")  # back to the dashboard
        time.sleep(0.5)
        drain(console, 0.3)
        t1 = time.monotonic()
        console.send("\x1bOQ")  # f2: search
        console.read_until("Search")
        search = (time.monotonic() - t1) * 1000
    finally:
        console.close()
    frames = [float(line.split()[1]) for line in trace.read_text().splitlines()
              if line.startswith("inbox-page ")]
    inside = (frames[0] - t0) * 1000 if frames else float("nan")
    return outside, inside, search


def query_runs(runs: int) -> dict[str, float]:
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(DB)
    svc = Service(store, resolve_agent(store, AGENT))
    times: dict[str, list[float]] = {"first": [], "count": [], "last": []}
    cursor = None
    for _ in range(NOTIFICATIONS // 50 - 1):  # the cursor of the last page
        cursor = svc.notifications(cursor=cursor, limit=50).next_cursor
    for _ in range(runs):
        t0 = time.perf_counter()
        svc.notifications(order="unread", limit=50)
        t1 = time.perf_counter()
        svc.unread_notifications()
        t2 = time.perf_counter()
        svc.notifications(cursor=cursor, limit=50)
        t3 = time.perf_counter()
        times["first"].append((t1 - t0) * 1000)
        times["count"].append((t2 - t1) * 1000)
        times["last"].append((t3 - t2) * 1000)
    store.close()
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    ensure_db()
    home = Path(tempfile.mkdtemp(prefix="deskline-bench-"))
    os.environ.pop("DESKLINE_CONFIG", None)
    extra = {"notifications": NOTIFICATIONS, "tickets": TICKETS}
    opens = [screen_run(home, i) for i in range(runs)]
    emit("inbox_open", statistics.median(o[0] for o in opens), "ms", target="< 100",
         runs=runs, size="80x24", **extra)
    emit("inbox_page_inside", statistics.median(o[1] for o in opens), "ms", runs=runs,
         **extra)
    emit("search_open", statistics.median(o[2] for o in opens), "ms", runs=runs)
    emit("load", os.getloadavg()[0], "load average", cores=os.cpu_count())
    queries = query_runs(runs * 5)
    emit("inbox_first_page", queries["first"], "ms", runs=runs * 5, **extra)
    emit("inbox_unread_count", queries["count"], "ms", runs=runs * 5, **extra)
    emit("inbox_last_page", queries["last"], "ms", runs=runs * 5, **extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
