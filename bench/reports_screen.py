"""Reports screen benchmark: the real `deskline` in a pseudo-terminal on the 100,000-ticket
demo, timed from the outside (bytes the console writes), like bench/console.py.

Prints one JSON object per line: {"metric": ..., "value": ..., "unit": ...}.

- reports_first_frame: from the key (R on the dashboard) to the screen's first frame
  (its section titles and placeholders on the terminal). Target under 500 ms.
- reports_filled: from the key to the report's figures on the terminal.
- report_query: the `report` use case alone, in process (what the filling waits for).

    .venv/bin/python bench/reports_screen.py [--quick]
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
DB = DATA / "engine-100000.db"
TICKETS = 100_000

from tests.tui.pty_run import PtyConsole  # noqa: E402


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 2), "unit": unit, **extra}),
          flush=True)


def ensure_db() -> None:
    if DB.exists():
        return
    from deskline.demo import build_demo

    print(f"building {DB.name} ({TICKETS:,} tickets)…", file=sys.stderr, flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    build_demo(DB, tickets=TICKETS, seed=7)


def drain(console: PtyConsole, quiet: float = 0.05) -> None:
    while console.read(quiet):
        pass


def screen_run(home: Path) -> tuple[float, float]:
    console = PtyConsole(["--db", str(DB), "--config", str(home / "none.toml")], home,
                         size=(120, 40))
    try:
        console.read_until("SLA failed", timeout=30)  # dashboard figures: start-up is over
        time.sleep(1.0)
        drain(console, 0.3)
        t0 = time.monotonic()
        console.send("R")
        console.read_until("Tickets opened and closed per day")
        first = (time.monotonic() - t0) * 1000
        console.read_until("open now", timeout=60)
        filled = (time.monotonic() - t0) * 1000
    finally:
        console.close()
    return first, filled


def query_run() -> float:
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(DB)
    svc = Service(store, resolve_agent(store, None))
    t0 = time.perf_counter()
    svc.report()
    took = (time.perf_counter() - t0) * 1000
    store.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    ensure_db()
    home = Path(tempfile.mkdtemp(prefix="deskline-bench-"))
    os.environ.pop("DESKLINE_CONFIG", None)
    results = [screen_run(home) for _ in range(runs)]
    extra = {"tickets": TICKETS, "runs": runs, "size": "120x40"}
    emit("reports_first_frame", statistics.median(r[0] for r in results), "ms",
         target="< 500", **extra)
    emit("reports_filled", statistics.median(r[1] for r in results), "ms", **extra)
    emit("report_query", statistics.median(query_run() for _ in range(runs)), "ms",
         tickets=TICKETS, runs=runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
