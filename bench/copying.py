"""`deskline copy` benchmark: the demo helpdesk (100,000 tickets by default) from its SQLite
file to PostgreSQL and back to a new file, each verified (counts and checksums of every
table), then `--verify-only`. Target: each copy under 2 minutes, verified. (Not named
bench/copy.py: run from bench/, that would hide the standard library's `copy`.)
Prints one JSON object per line: {"metric", "value", "unit", ...}.

    .venv/bin/python bench/copying.py [--tickets 100000]

PostgreSQL: $DESKLINE_TEST_DATABASE_URL's cluster, else a throwaway one started by
scripts/postgres for the run (fsync off: it measures the copy, not the disk). Each copy is
the command as people run it, in its own process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import database, emit  # noqa: E402
from tests.postgres_support import URL_VARIABLE, database_url  # noqa: E402


def deskline(*args: str) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "deskline.cli", *args], capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"deskline {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    source = database(args.tickets)
    cluster = os.environ.get(URL_VARIABLE)
    scratch = Path(tempfile.mkdtemp(prefix="deskline-copy-bench."))
    started = None
    if not cluster:
        started = Path(tempfile.mkdtemp(prefix="deskline-pg."))  # its owner may not be us
        cluster = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(started)],
                                 capture_output=True, text=True, check=True).stdout.strip()
    import psycopg

    name = f"bench_copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    url = database_url(cluster, name)
    back = scratch / "back.db"  # removed with the scratch directory
    try:
        seconds, summary = deskline("copy", "--from", str(source), "--to", url)
        rows = int(summary.split()[1].replace(",", ""))
        emit("copy_sqlite_to_postgresql", seconds, "s", tickets=args.tickets, rows=rows,
             verified="every count and checksum equal" in summary)
        seconds, summary = deskline("copy", "--from", url, "--to", str(back))
        emit("copy_postgresql_to_sqlite", seconds, "s", tickets=args.tickets, rows=rows,
             verified="every count and checksum equal" in summary)
        seconds, summary = deskline("copy", "--from", str(source), "--to", url, "--verify-only")
        emit("copy_verify_only", seconds, "s", tickets=args.tickets, rows=rows,
             verified="every count and checksum equal" in summary)
    finally:
        with psycopg.connect(cluster, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
        if started:
            subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(started)],
                           check=False)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
