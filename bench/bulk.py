"""Bulk action benchmark: one action over 1,000 marked tickets — preview, apply, undo —
through a LocalBackend and through a RemoteBackend against `deskline serve` on loopback.
Prints one JSON object per line: {"metric", "value", "unit", ...}.

    .venv/bin/python bench/bulk.py [--tickets 5000] [--marked 1000] [--runs 3]

Each run starts from a fresh copy of the demo file, acts as an agent (the authorization
clause is part of every query) and marks the first tickets of the biggest team's columns
as the board shows them (id and version). Actions: adding a tag (every ticket changes; its
SLA policies are matched again) and assigning. Figures are the median of the runs, after
one small preview (schemas built, code paths run once, as in a process that has been up).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import database, emit, start_server  # noqa: E402
from deskline.local import LocalBackend  # noqa: E402
from deskline.models import BulkItem, BulkRequest  # noqa: E402
from deskline.remote import RemoteBackend  # noqa: E402
from deskline.server.tokens import make_token  # noqa: E402

AGENT = "alice.martin@deskline.example"


async def marked(backend, count: int) -> tuple[int, list[BulkItem]]:
    """The first `count` cards of the biggest visible team, column by column."""
    figures = await backend.dashboard()
    team_id = max(figures, key=lambda f: f.open).team_id
    items: list[BulkItem] = []
    for column in await backend.board_columns(team_id):
        cursor = None
        while len(items) < count:
            page = await backend.board_page(team_id, column.stage.id, cursor=cursor, limit=200)
            items += [BulkItem(ticket_id=c.id, version=c.version) for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    return team_id, items[:count]


async def one_run(open_backend: Callable[[], Awaitable], count: int) -> dict[str, float]:
    backend = await open_backend()
    times: dict[str, float] = {}
    try:
        me = await backend.me()
        _team, items = await marked(backend, count)
        assert len(items) == count, f"only {len(items)} tickets to mark"
        tag = BulkRequest(action="add_tag", tag="bench", tickets=items)
        # A long-running process has built its models' schemas and run these paths once.
        await backend.bulk_preview(BulkRequest(action="add_tag", tag="bench",
                                               tickets=items[:5]))
        for name, call in (("preview", lambda: backend.bulk_preview(tag)),
                           ("apply", lambda: backend.bulk_apply(tag)),
                           ("undo", lambda: backend.undo_last_bulk())):
            start = time.perf_counter()
            outcome = await call()
            times[f"add_tag.{name}"] = time.perf_counter() - start
            assert len(outcome.changed) == count, (name, len(outcome.changed))
        _team, items = await marked(backend, count)  # the versions the undo left
        assign = BulkRequest(action="assign", agent_id=me.id, tickets=items)
        start = time.perf_counter()
        outcome = await backend.bulk_apply(assign)
        times["assign.apply"] = time.perf_counter() - start
        assert len(outcome.changed) + len(outcome.unchanged) == count
    finally:
        await backend.close()
    return times


def report(where: str, runs: list[dict[str, float]], count: int) -> None:
    for key in runs[0]:
        values = [r[key] for r in runs]
        emit(f"bulk.{where}.{key}", statistics.median(values), "s", tickets=count,
             runs=len(values), max=round(max(values), 3))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--marked", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = database(args.tickets)
    with tempfile.TemporaryDirectory() as tmp:
        local_runs, remote_runs = [], []
        for i in range(args.runs):
            db = Path(tmp) / f"local-{i}.db"
            shutil.copyfile(source, db)
            local_runs.append(await one_run(lambda db=db: LocalBackend.open(db, AGENT),
                                            args.marked))
        report("local", local_runs, args.marked)
        for i in range(args.runs):
            db = Path(tmp) / f"remote-{i}.db"
            shutil.copyfile(source, db)
            token = make_token(db, AGENT)
            proc, url = start_server(db)
            try:
                async def remote(url=url, token=token) -> RemoteBackend:
                    return RemoteBackend(url, token)

                remote_runs.append(await one_run(remote, args.marked))
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        report("server", remote_runs, args.marked)


if __name__ == "__main__":
    asyncio.run(main())
