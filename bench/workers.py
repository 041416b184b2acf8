"""Server processes benchmark: board-page reads with `deskline serve --workers 1` and
`--workers 2` on SQLite and, given a URL, on PostgreSQL; and the latency of an event
written through one server process to a stream on another. Prints one JSON object per
line: {"metric", "value", "unit", …}.

    .venv/bin/python bench/workers.py [--tickets 20000] [--clients 20] [--seconds 10]
        [--database postgresql://…]   # an empty database: the demo is copied into it

The load generator is bench/server.py's (raw keep-alive sockets in a process of its
own); every client acts as an agent, so the authorization clause is in every query.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import server as server_bench  # noqa: E402
from server import _load, database, free_port, round_trip  # noqa: E402

from deskline.remote import RemoteBackend  # noqa: E402
from deskline.server.tokens import make_token  # noqa: E402

AGENT = "alice.martin@deskline.example"
OTHER = "dmitri.tanaka@deskline.example"


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}),
          flush=True)


def start(db: str, workers: int) -> tuple[subprocess.Popen, str]:
    """`deskline serve` with `workers` processes on a free port, no background jobs."""
    import httpx

    option = "--database" if db.startswith("postgresql") else "--db"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskline.cli", "serve", option, db, "--port", str(port),
         "--workers", str(workers), "--no-maintenance", "--no-mail", "--no-webhooks"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(15)


def reads(db: str, kind: str, workers: int, clients: int, seconds: float) -> None:
    token = make_token(db, AGENT)
    proc, url = start(db, workers)
    try:
        team_id, stage_id, _total, cursors = asyncio.run(round_trip(url, token, 20))
        tokens = [make_token(db, AGENT) for _ in range(clients)]
        host, port = url.removeprefix("http://").split(":")
        per_client = []
        for t in tokens:
            per_client.append([
                (f"GET /api/v1/teams/{team_id}/stages/{stage_id}/tickets?limit=50"
                 + (f"&cursor={c}" if c else "") + f" HTTP/1.1\r\nHost: {host}:{port}\r\n"
                 f"Authorization: Bearer {t}\r\nAccept: application/json\r\n\r\n").encode()
                for c in cursors])
        out: multiprocessing.Queue = multiprocessing.Queue()
        load = multiprocessing.Process(target=_load, args=(host, int(port), per_client,
                                                           seconds, out))
        load.start()
        result = out.get(timeout=seconds + 60)
        load.join()
        emit("board_page_reads_per_second", result["ok"] / result["wall"], "req/s",
             database=kind, workers=workers, clients=clients, errors=result["errors"],
             p50_ms=round(result["p50"] * 1000, 2), p99_ms=round(result["p99"] * 1000, 2),
             load_average=round(os.getloadavg()[0], 2))
    finally:
        stop(proc)


class _Across(RemoteBackend):
    """bench/server.py's `event_latency` opens its listener, then its writer, on one URL:
    this sends the listener to the other server process."""

    urls: list[str] = []

    @classmethod
    async def open(cls, url: str, token: str, **kw: object) -> RemoteBackend:
        return await RemoteBackend.open(cls.urls.pop(0) if cls.urls else url, token, **kw)


def latency(db: str, kind: str, repeat: int) -> None:
    """Writes through one server process, the stream on another (two `deskline serve`
    on one database: as two workers or two hosts): bench/server.py's `event_latency`
    line, its listener on the second."""
    first, first_url = start(db, 1)
    second, second_url = start(db, 1)
    try:
        team_id, stage_id, _total, _cursors = asyncio.run(
            round_trip(first_url, make_token(db, AGENT), 1))
        _Across.urls = [second_url]
        server_bench.RemoteBackend = _Across
        asyncio.run(server_bench.event_latency(first_url, make_token(db, AGENT),
                                               make_token(db, OTHER), team_id, stage_id,
                                               repeat))
    finally:
        stop(first)
        stop(second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", metavar="URL",
                        help="an empty PostgreSQL database: the demo is copied in")
    args = parser.parse_args()
    path = str(database(args.tickets))
    targets = [("sqlite", path)]
    if args.database:
        from deskline.store import copying

        source = copying.open_side(path, create=False)
        destination = copying.open_side(args.database, create=False)
        try:
            copying.copy_helpdesk(source, destination)
        finally:
            source.close()
            destination.close()
        targets.append(("postgresql", args.database))
    for kind, db in targets:
        for workers in (1, 2):
            reads(db, kind, workers, args.clients, args.seconds)
        latency(db, kind, args.repeat)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
