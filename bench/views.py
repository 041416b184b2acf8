"""Saved views benchmark: the first page of saved cross-team views over the engine
benchmark's demo helpdesk (bench/engine.py builds it), as an agent. Prints one JSON object
per line: {"metric", "value", "unit"}.

    .venv/bin/python bench/views.py --tickets 100000 [--repeat 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import AGENT, database, emit, median_ms  # noqa: E402

from deskline.models import SavedViewCreate, ViewFilter  # noqa: E402
from deskline.service import Service, resolve_agent  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402

VIEWS = {
    "urgent_unassigned": ViewFilter(priorities=[3], assignee="none"),
    "mine_unchanged_3_days": ViewFilter(assignee="me", idle_days=3),
    "mine_in_waiting_stage_3_days": ViewFilter(assignee="me", stage_ids=[3], in_stage_days=3),
    "sla_failed": ViewFilter(sla="failed"),
    "sla_due_today": ViewFilter(sla="due_today"),
    "high_and_up_two_teams": ViewFilter(team_ids=[1, 2], priorities=[2, 3]),
    "everything_open": ViewFilter(),
    "text_printer": ViewFilter(text="printer"),
    "closed_too_tag_vip": ViewFilter(open_only=False, tags=["vip"]),
    # Selective ones, where walking the newest-first index finds few rows
    "closed_too_rare_word": ViewFilter(open_only=False, text="licence"),
    "closed_too_two_tags": ViewFilter(open_only=False, tags=["security", "vip"]),
    "closed_too_team_idle_400_days": ViewFilter(open_only=False, team_ids=[3],
                                                 idle_days=400),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    path = database(args.tickets, False)
    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, AGENT))
    for view in svc.list_views():  # a run before left its views
        svc.delete_view(view.id)
    for name, f in VIEWS.items():  # all at once: their counts, as the dashboard asks
        svc.create_view(SavedViewCreate(name=name, filter=f))
    med, p90 = median_ms(lambda: svc.list_views(counts=True), args.repeat)
    emit("views_counted_up_to_100", med, "ms", p90=round(p90, 3), views=len(VIEWS),
         tickets=args.tickets)
    counts = {v.name: v.count for v in svc.list_views(counts=True)}
    for view in svc.list_views():
        svc.delete_view(view.id)
    for name, f in VIEWS.items():
        view = svc.create_view(SavedViewCreate(name=name, filter=f))
        first = svc.view_tickets(view.id, limit=50)
        med, p90 = median_ms(lambda v=view.id: svc.view_tickets(v, limit=50), args.repeat)
        emit(f"view_first_page_{name}", med, "ms", p90=round(p90, 3), rows=len(first.items),
             count=counts[name], tickets=args.tickets)
        if first.next_cursor:
            cursor = first.next_cursor
            med, p90 = median_ms(lambda v=view.id, c=cursor: svc.view_tickets(v, c, 50),
                                 args.repeat)
            emit(f"view_second_page_{name}", med, "ms", p90=round(p90, 3))
        svc.delete_view(view.id)
    store.close()


if __name__ == "__main__":
    main()
