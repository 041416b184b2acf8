"""Import/export and reports benchmark. Prints one JSON object per line:
{"metric", "value", "unit"}.

    .venv/bin/python bench/io.py [--customers 100000] [--tickets 100000]

- import_customers_seconds: a 100,000-row customer file (UTF-8 with BOM, `;`, German
  headers, a fifth of the rows naming one of 500 companies) into a fresh database, all
  checked first and written in one transaction. Target < 10 s.
- import_tickets_seconds: as many tickets (German headers, quoted newlines, dotted dates),
  each linked to one of those customers by email, with SLA clocks and full-text index.
- export_tickets_*: every ticket of a 100,000-ticket demo as CSV and as JSON lines, each in
  its own subprocess that reports its time and peak RSS (VmHWM), and again under
  tracemalloc for the peak of Python allocations. Target < 100 MB.
- report_seconds: `Service.report()` over the same database, the whole last year (what the
  reports screen asks for first).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}),
          flush=True)


def customer_file(path: Path, rows: int) -> None:
    first = ["Jürgen", "Anna", "Søren", "Chloé", "Mehmet", "Zoë", "Łukasz", "Ines"]
    last = ["Müller", "Schmidt", "Weiß", "Dupré", "Yılmaz", "Novák", "Öztürk", "Silva"]
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write("E-Mail;Vorname;Nachname;Firma;Telefon\r\n")
        for i in range(rows):
            company = f"Firma {i % 500} GmbH" if i % 5 == 0 else ""
            out.write(f"kunde.{i}@beispiel{i % 97}.de;{first[i % 8]};{last[i % 7]};{company};"
                      f"+49 30 {i:07d}\r\n")


def bench_import(rows: int) -> None:
    from deskline.io.importer import run_import
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "kunden.csv"
        customer_file(source, rows)
        store = SqliteStore.open(Path(tmp) / "import.db")
        with store.transaction():
            store.insert_agent("root@example.com", "Root", "admin", None)
        svc = Service(store, resolve_agent(store, None))
        started = time.perf_counter()
        dry = run_import(svc, source, "customers", dry_run=True)
        emit("import_customers_dry_run_seconds", time.perf_counter() - started, "s", rows=rows)
        started = time.perf_counter()
        report = run_import(svc, source, "customers")
        seconds = time.perf_counter() - started
        assert report.written == rows == dry.good, report.problems[:3]
        emit("import_customers_seconds", seconds, "s", rows=rows, target=10,
             file_mb=round(source.stat().st_size / 1e6, 1))
        emit("import_customers_rows_per_second", rows / seconds, "rows/s")
        bench_ticket_import(svc, Path(tmp), rows)
        store.close()


def bench_ticket_import(svc, tmp: Path, rows: int) -> None:
    """As many tickets, each linked to one of the customers just imported."""
    from deskline.io.importer import run_import
    from deskline.models import SlaPolicyCreate, StageCreate, TeamCreate

    stages = [svc.create_stage(StageCreate(name=n, closing=n == "Gelöst")).id
              for n in ("Neu", "In Arbeit", "Gelöst")]
    team = svc.create_team(TeamCreate(name="Support", stage_ids=stages))
    svc.create_sla_policy(SlaPolicyCreate(team_id=team.id, name="2 Tage",
                                          target_stage_id=stages[2], hours=16))
    source = tmp / "tickets.csv"
    with open(source, "w", encoding="utf-8", newline="") as out:
        out.write("Betreff,Beschreibung,Team,Status,Priorität,E-Mail,Erstellt,Schlagworte\n")
        for i in range(rows):
            out.write(f"Drucker {i} druckt nicht,\"Zeile eins\nZeile zwei\",Support,"
                      f"{'Gelöst' if i % 3 else 'Neu'},{('niedrig', 'hoch')[i % 2]},"
                      f"kunde.{i}@beispiel{i % 97}.de,{1 + i % 28:02d}.10.2026 09:30,"
                      f"\"drucker, {i % 10}\"\n")
    started = time.perf_counter()
    report = run_import(svc, source, "tickets")
    seconds = time.perf_counter() - started
    assert report.written == rows and report.unlinked == 0, report.problems[:3]
    emit("import_tickets_seconds", seconds, "s", rows=rows)


CHILD = """
import sys, time, tracemalloc
sys.path.insert(0, {root!r})
from deskline.io.export import export_tickets
from deskline.service import resolve_agent
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
store = SqliteStore.open({db!r})
svc = Service(store, resolve_agent(store, None))
if {traced!r}:
    tracemalloc.start()
started = time.perf_counter()
with open({out!r}, "w", encoding="utf-8", newline="") as out:
    count = export_tickets(svc, out, {fmt!r})
seconds = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1] if {traced!r} else 0
# VmHWM: this process's peak RSS (ru_maxrss would carry the parent's over fork and exec)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(count, seconds, hwm, peak)
"""


def bench_export(db: Path) -> None:
    for fmt in ("csv", "json"):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / f"tickets.{fmt}"
            runs = {}
            for traced in (False, True):  # tracemalloc slows allocation: time the plain run
                code = CHILD.format(root=str(ROOT), db=str(db), out=str(target), fmt=fmt,
                                    traced=traced)
                result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                        text=True, check=True)
                runs[traced] = result.stdout.split()
            count, seconds, rss_kb, _ = runs[False]
            emit(f"export_tickets_{fmt}_seconds", float(seconds), "s", tickets=int(count),
                 file_mb=round(target.stat().st_size / 1e6, 1))
            emit(f"export_tickets_{fmt}_peak_rss", int(rss_kb) / 1024, "MB", target=100)
            emit(f"export_tickets_{fmt}_peak_python_alloc", int(runs[True][3]) / 2**20, "MB")


def bench_report(db: Path) -> None:
    from datetime import timedelta

    from deskline.models import ReportFilter
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(db)
    svc = Service(store, resolve_agent(store, None))
    now = svc.clock()
    for label, flt in (("30_days", ReportFilter()),
                       ("365_days", ReportFilter(since=now - timedelta(days=365)))):
        svc.report(flt)  # warm the page cache
        started = time.perf_counter()
        svc.report(flt)
        emit(f"report_{label}_seconds", time.perf_counter() - started, "s")
    store.close()


def ticket_db(tickets: int) -> Path:
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"io-{tickets}.db"
    if not path.exists():
        engine = data / f"engine-{tickets}.db"  # bench/engine.py's, if it was built
        if engine.exists():
            shutil.copyfile(engine, path)
        else:
            from deskline.demo import build_demo

            build_demo(path, tickets=tickets, seed=7)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    bench_import(args.customers)
    db = ticket_db(args.tickets)
    bench_export(db)
    bench_report(db)


if __name__ == "__main__":
    main()
