"""Console benchmark: the real `deskline` in a pseudo-terminal, timed from the outside.

Prints one JSON object per line: {"metric": ..., "value": ..., "unit": ...}. Medians of
several runs; key latencies also as p90. Frames are detected from the bytes the console
writes to the pty (a key's frame is the burst of output that follows it), not with
Pilot. Data is built once under bench/data/ and reused:

    .venv/bin/python bench/console.py            # 100,000-ticket team, 10-ticket team
    .venv/bin/python bench/console.py --quick    # fewer runs
    .venv/bin/python bench/console.py --tickets 1000000   # a 700,000-ticket team
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
BIG_TICKETS = 143_000  # Customer Care gets 70%: about 100,000 tickets in one team
THREAD = 500

from tests.tui.pty_run import PtyConsole  # noqa: E402


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 2), "unit": unit, **extra}),
          flush=True)


def build(path: Path, tickets: int) -> None:
    if path.exists():
        return
    from deskline.demo import build_demo

    print(f"building {path.name} ({tickets:,} tickets)…", file=sys.stderr, flush=True)
    build_demo(path, tickets=tickets, seed=7)


def admin_service(path: Path):
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    return Service(store, resolve_agent(store, None))


def team_facts(path: Path, name: str = "Customer Care") -> dict:
    svc = admin_service(path)
    teams = svc.list_teams()
    index = [t.name for t in teams].index(name)
    team = teams[index]
    columns = svc.board_columns(team.id)
    first = svc.board_page(team.id, columns[0].stage.id, limit=1).items[0]
    total = sum(c.count for c in columns)
    # The open column with the most cards: where the keys move the selection.
    busiest = max((i for i, c in enumerate(columns) if not c.stage.closing),
                  key=lambda i: columns[i].count)
    svc.store.close()
    return {"index": index, "first": first.number, "total": total, "column": busiest,
            "cards": columns[busiest].count}


def thread_db(path: Path) -> str:
    """A small helpdesk plus one urgent ticket with a 500-message thread, first on its board."""
    subject = "Bench thread of 500 messages"
    if not path.exists():
        build(path, 2000)
        from deskline.models import TicketCreate

        svc = admin_service(path)
        team = next(t for t in svc.list_teams() if t.name == "Customer Care")
        ticket = svc.create_ticket(TicketCreate(subject=subject, description="x", team_id=team.id,
                                                priority=3))
        for i in range(THREAD - 1):
            body = f"Message {i}: the printer on floor {i % 7} still shows error {i}.\n\nThanks"
            (svc.comment if i % 3 == 0 else svc.reply)(ticket.id, body)
        svc.store.close()
    return subject


def compile_sources() -> None:
    """Bytecode for our own modules, as scripts/setup leaves it: a start that compiles
    them (stale or missing .pyc, e.g. under PYTHONDONTWRITEBYTECODE) is not the one a
    user sees every day."""
    import compileall

    for package in ("deskline", "tui", "widgets", "themes"):
        compileall.compile_dir(ROOT / package, quiet=1)


# The console as it counted before the kept counts (store/counts.py): every column count
# a count of the team's tickets. Side by side with today's for the peak memory figure.
COUNTED = [sys.executable, "-c", "import sys; import deskline.store.counts as c;"
           " c.kept = lambda f: False; from tui.launch import main; sys.exit(main())"]


def start(db: Path, home: Path, env: dict | None = None,
          program: list[str] | None = None) -> PtyConsole:
    return PtyConsole(["--db", str(db), "--config", str(home / "none.toml")], home,
                      size=(120, 40), env=env, program=program)


def startup(db: Path, home: Path, runs: int, env: dict | None = None,
            reference: list[float] | None = None) -> tuple[list[float], list[float]]:
    """(first frame, frame with the figures) in ms, per run. With `reference`, a bare
    Textual app (bench/textual_hello.py) is started after each run and its time to its
    first frame appended there: the same moments of this noisy machine, side by side."""
    first, figures = [], []
    for _ in range(runs):
        console = start(db, home, env)
        t0 = console.started
        console.read_until("Deskline")
        first.append((time.monotonic() - t0) * 1000)
        console.read_until("SLA failed")
        figures.append((time.monotonic() - t0) * 1000)
        console.close()
        if reference is not None:
            hello = PtyConsole([], home, size=(120, 40),
                               program=[sys.executable, str(ROOT / "bench" / "textual_hello.py")])
            hello.read_until("SLA failed")
            reference.append((time.monotonic() - hello.started) * 1000)
            hello.close()
    return first, figures


def drain(console: PtyConsole, quiet: float = 0.03) -> None:
    while console.read(quiet):
        pass


def key_latency(console: PtyConsole, key: str, timeout: float = 0.5) -> float | None:
    """ms from writing `key` to the end of the burst of output it caused (None: no frame,
    e.g. moving down from the last card of a short column)."""
    drain(console)
    t0 = time.monotonic()
    console.send(key)
    end = t0 + timeout
    while time.monotonic() < end:
        if console.read(0.002):
            last = time.monotonic()
            while console.read(0.004):  # the rest of the same frame
                last = time.monotonic()
            return (last - t0) * 1000
    return None


def settle(console: PtyConsole) -> None:
    """Wait until start-up is over (the console's own backend open, the dashboard
    refreshed from it): the figures that follow measure steady use, not start-up."""
    console.read_until("SLA failed")
    time.sleep(1.0)
    drain(console, 0.3)


def board_run(db: Path, home: Path, facts: dict, keys: int,
              program: list[str] | None = None) -> dict:
    console = start(db, home, program=program)
    settle(console)
    for _ in range(facts["index"]):
        console.send("\x1b[C")  # right: select the team
        drain(console, 0.05)
    t0 = time.monotonic()
    console.send("\r")
    console.read_until(f"#{facts['first']} ")
    opened = (time.monotonic() - t0) * 1000
    drain(console, 0.2)
    for _ in range(facts["column"]):
        console.send("l")
        drain(console, 0.05)
    moves = []
    # Every key changes the selection (so every key paints): down and up the busiest open
    # column, and now and then across to the next column and back.
    pattern = ["j", "k"] * 8 + ["l", "h"] * 2
    for key in (pattern * (keys // len(pattern) + 1))[:keys]:
        moves.append(key_latency(console, key))
        time.sleep(0.01)
    # Page deep into the column: the keyset pages load as the selection moves down.
    for _ in range(30 if facts["cards"] > 300 else 0):
        key_latency(console, "\x1b[6~")  # pagedown
    rss = peak_rss(console.proc.pid)
    console.close()
    return {"open": opened, "moves": moves, "rss": rss}


def ticket_run(db: Path, home: Path, subject: str) -> float:
    facts = team_facts(db)
    console = start(db, home)
    settle(console)
    for _ in range(facts["index"]):
        console.send("\x1b[C")
        drain(console, 0.05)
    console.send("\r")
    console.read_until(f"#{facts['first']} ")
    drain(console, 0.2)
    t0 = time.monotonic()
    console.send("\r")
    console.read_until("Message 0:")
    took = (time.monotonic() - t0) * 1000
    console.close()
    return took


def peak_rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--tickets", type=int, default=BIG_TICKETS,
                        help="the big helpdesk's size (1000000: a 700,000-ticket team)")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    starts = 5 if args.quick else 15  # start-up is the noisiest figure: more runs
    keys = 60 if args.quick else 150
    DATA.mkdir(parents=True, exist_ok=True)
    big = DATA / ("big.db" if args.tickets == BIG_TICKETS else f"big-{args.tickets}.db")
    tiny = DATA / "tiny.db"
    thread = DATA / "thread.db"
    build(big, args.tickets)
    build(tiny, 14)
    subject = thread_db(thread)
    home = Path(tempfile.mkdtemp(prefix="deskline-bench-"))
    os.environ.pop("DESKLINE_CONFIG", None)
    compile_sources()

    big_facts, tiny_facts = team_facts(big), team_facts(tiny)
    load = os.getloadavg()[0]
    bare: list[float] = []
    first, figures = startup(big, home, starts, reference=bare)
    emit("console_first_frame", statistics.median(first), "ms", runs=starts)
    emit("console_start_to_dashboard_figures", statistics.median(figures), "ms", runs=starts,
         target="< 500", p90=round(p90(figures), 1), load_before=round(load, 2))
    emit("bare_textual_app_first_frame", statistics.median(bare), "ms", runs=starts,
         note="reference, run between the console's starts")
    # The same without the start-up helper process (one process imports everything).
    first, figures = startup(big, home, starts, env={"DESKLINE_NO_PREFETCH": "1"})
    emit("console_start_to_dashboard_figures_without_helper", statistics.median(figures),
         "ms", runs=starts)
    big_label = f"{round(big_facts['total'], -3) // 1000}k"
    for label, db, facts in ((big_label, big, big_facts), ("10", tiny, tiny_facts)):
        results = [board_run(db, home, facts, keys) for _ in range(max(2, runs // 2))]
        moves = [m for r in results for m in r["moves"] if m is not None]
        idle = sum(m is None for r in results for m in r["moves"])
        extra = {"tickets_in_team": facts["total"]}
        emit(f"board_{label}_open_after_key", statistics.median(r["open"] for r in results),
             "ms", target="< 200", **extra)
        emit(f"board_{label}_key_to_frame_median", statistics.median(moves), "ms",
             target="< 16", keys=len(moves), keys_without_frame=idle, **extra)
        emit(f"board_{label}_key_to_frame_p90", p90(moves), "ms", target="< 33", **extra)
        if db is big:  # side by side with the console counting its columns as before
            extra["before_mb"] = max(board_run(db, home, facts, 10, program=COUNTED)["rss"]
                                     for _ in range(2))
            extra["before_is"] = "columns counted as before the kept counts"
        emit(f"board_{label}_peak_rss", max(r["rss"] for r in results), "MB", target="< 100",
             **extra)
    opens = [ticket_run(thread, home, subject) for _ in range(runs)]
    emit("ticket_500_messages_open", statistics.median(opens), "ms", target="< 150")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
