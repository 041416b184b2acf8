"""What durable commits cost. Prints one JSON object per line: {"metric", "value", "unit"}.

    .venv/bin/python bench/durability.py [--tickets 2000] [--rounds 3] [--writes 200]

The server, SMTP intake and the server's jobs commit with `synchronous = FULL` (an HTTP 2xx
or an SMTP 250 must survive a power cut); consoles and commands on their own file keep
NORMAL. Both are timed side by side, alternating in rounds on one copy of a demo
helpdesk, over the same writes: a comment, a move, an assignment (each one transaction
with its event). Then the round trip of a write through a real `deskline serve` (FULL).
Medians and the FULL/NORMAL ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN = "admin@deskline.example"


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}),
          flush=True)


def engine_writes(db: Path, durable: bool, writes: int) -> dict[str, list[float]]:
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(db, durable=durable)
    svc = Service(store, resolve_agent(store, ADMIN))
    times: dict[str, list[float]] = {"comment": [], "move": [], "assign": []}
    agents = [a for a in svc.list_agents() if a.active and a.role.value != "portal"]
    stages = {t.id: [s for s in svc.list_stages(t.id) if not s.closing][:2]
              for t in svc.list_teams()}
    for i, ticket_id in enumerate(store.open_ticket_ids(limit=writes)):
        t = time.perf_counter()
        svc.comment(ticket_id, "a note")
        times["comment"].append(time.perf_counter() - t)
        ticket = svc.get_ticket(ticket_id)
        t = time.perf_counter()
        other = next(a.id for a in agents[i % len(agents):] + agents
                     if a.id != ticket.assignee_id)  # a real change: one that writes
        ticket = svc.assign_ticket(ticket_id, ticket.version, other)
        times["assign"].append(time.perf_counter() - t)
        first, second = stages[ticket.team_id]  # back and forth between two open stages
        target = second.id if ticket.stage_id == first.id else first.id
        t = time.perf_counter()
        svc.move_ticket(ticket_id, ticket.version, target)
        times["move"].append(time.perf_counter() - t)
    store.close()
    return times


def server_writes(db: Path, writes: int) -> list[float]:
    import httpx

    from deskline.server.tokens import make_token

    token = make_token(db, ADMIN)
    port = 18000 + (int(time.time()) % 1000)
    proc = subprocess.Popen([sys.executable, "-m", "tui.launch", "serve", "--db", str(db),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=10) as c:
            for _ in range(100):
                try:
                    c.get("/me")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            cards: list[dict] = []
            for team in c.get("/teams").json():
                for stage in c.get("/stages", params={"team_id": team["id"]}).json():
                    cards += c.get(f"/teams/{team['id']}/stages/{stage['id']}/tickets",
                                   params={"limit": 200}).json()["items"]
            cards = cards[:writes]
            times = []
            for card in cards:
                t = time.perf_counter()
                answer = c.post(f"/tickets/{card['id']}/messages",
                                json={"kind": "comment", "body": "a note"})
                times.append(time.perf_counter() - t)
                answer.raise_for_status()
            return times
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    from deskline.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "durability.db"
        build_demo(db, tickets=args.tickets, seed=7)
        runs: dict[bool, dict[str, list[float]]] = {False: {}, True: {}}
        for _ in range(args.rounds):
            for durable in (False, True):
                for kind, times in engine_writes(db, durable, args.writes).items():
                    runs[durable].setdefault(kind, []).extend(times)
        for kind in runs[False]:
            normal = statistics.median(runs[False][kind]) * 1000
            full = statistics.median(runs[True][kind]) * 1000
            emit(f"engine_{kind}_normal_ms", normal, "ms", tickets=args.tickets)
            emit(f"engine_{kind}_full_ms", full, "ms", tickets=args.tickets)
            emit(f"engine_{kind}_full_over_normal", full / normal, "ratio")
        times = server_writes(db, args.writes)
        emit("server_comment_round_trip_full_ms", statistics.median(times) * 1000, "ms",
             p90=round(sorted(times)[int(len(times) * 0.9)] * 1000, 3), writes=len(times))


if __name__ == "__main__":
    main()
