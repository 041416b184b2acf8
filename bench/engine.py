"""Engine benchmark: builds a demo helpdesk once, then times the reads and writes an agent
makes all day. Prints one JSON object per line: {"metric", "value", "unit"}.

    .venv/bin/python bench/engine.py --tickets 100000 [--rebuild] [--repeat 30]

Figures are medians over --repeat runs. Run as an agent (not an admin), so the
authorization clause is part of every query, as it is for most users.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskline.demo import build_demo  # noqa: E402
from deskline.models import BoardFilter  # noqa: E402
from deskline.service import Service, resolve_agent  # noqa: E402
from deskline.service.reading import COLUMN_COUNT_CAP  # noqa: E402
from deskline.store.sqlite import SqliteStore  # noqa: E402

AGENT = "alice.martin@deskline.example"


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}),
          flush=True)


def write_steps(svc, team, columns) -> tuple:
    """Writes on one open ticket of the team, each with its chatter event: (the ticket,
    {metric name: step}). bench/ticket_sync.py times the same steps."""
    ticket = svc.board_page(team.id, columns[0].stage.id, limit=1).items[0]
    stage_ids = [c.stage.id for c in columns if not c.stage.closing][:2]
    members = team.member_ids
    state = {"n": 0}

    def move() -> None:
        current = svc.get_ticket(ticket.id)
        state["n"] += 1
        svc.move_ticket(ticket.id, current.version, stage_ids[state["n"] % 2])

    def assign() -> None:
        current = svc.get_ticket(ticket.id)
        state["n"] += 1
        svc.assign_ticket(ticket.id, current.version, members[state["n"] % len(members)])

    return ticket, {
        "write_move_with_read": move, "write_assign_with_read": assign,
        "write_comment": lambda: svc.comment(ticket.id, "@bruno.okafor checking the logs"),
        "write_reply": lambda: svc.reply(ticket.id, "We are on it.")}


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, p90) in milliseconds; one warm-up call first."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def paired(metric: str, after: Callable[[], object], before: Callable[[], object],
           repeat: int, **extra: object) -> None:
    """`after` (the engine now) and `before` (what it replaced, replayed raw) called in
    turn, so both meet the same moments of a noisy machine: medians and their ratio."""
    after(), before()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in ((after, times[0]), (before, times[1])):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    now, was = statistics.median(times[0]), statistics.median(times[1])
    emit(metric, now, "ms", before_ms=round(was, 3), ratio=round(was / now, 1), **extra)


def side_by_side(svc: Service, store: SqliteStore, team_id: int, repeat: int) -> None:
    """Kept counts (store/counts.py) against the full counts they replaced, and search as
    you type against the prefix search over messages it replaced."""
    conn, me = store.conn, svc.actor.id
    team_ids = [t.id for t in svc.list_teams()]

    def counted_columns() -> object:
        return conn.execute("SELECT t.stage_id, count(*) FROM tickets t WHERE t.team_id = ?"
                            " AND t.archived = 0 GROUP BY t.stage_id", (team_id,)).fetchall()

    def counted_figures() -> object:
        return conn.execute(
            "SELECT t.team_id, count(*), sum(t.assignee_id IS NULL), sum(t.assignee_id = ?),"
            " sum(t.priority = 3), sum(t.sla_status = 'failed') FROM tickets t INDEXED BY"
            f" ix_tickets_open WHERE t.is_open = 1 AND t.team_id IN"
            f" ({','.join(map(str, team_ids))}) GROUP BY t.team_id", (me,)).fetchall()

    paired("kept_board_column_counts", lambda: svc.board_columns(team_id), counted_columns,
           repeat)
    paired("kept_dashboard_figures", lambda: store.team_figures(svc.scope(), team_ids),
           counted_figures, repeat)

    # Column counts under filters the kept counts do not answer: bounded per column now,
    # against the exact grouped count they replaced.
    tag = conn.execute("SELECT g.name FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id"
                       " GROUP BY g.name ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    project = conn.execute("SELECT project_id FROM customer_projects GROUP BY project_id"
                           " ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    for label, f in (("common_word", BoardFilter(text="printer")),
                     ("very_common_word", BoardFilter(text="the")),
                     ("rare_word", BoardFilter(text="Kowalski")),
                     ("tag", BoardFilter(tag=tag)), ("project", BoardFilter(project_id=project))):
        def counted(f: BoardFilter = f) -> object:
            where, params = store._filter_sql(svc.scope(), f)
            return conn.execute(
                f"SELECT t.stage_id, count(*) FROM tickets t WHERE {' AND '.join(where)}"
                " AND t.team_id = ? AND t.archived = 0 GROUP BY t.stage_id",
                [*params, team_id]).fetchall()

        columns = svc.board_columns(team_id, f)
        paired(f"filtered_board_column_counts_{label}",
               lambda f=f: svc.board_columns(team_id, f), counted, repeat,
               cap=COLUMN_COUNT_CAP, capped_columns=sum(c.capped for c in columns),
               matches=sum(n for _, n in counted()))

    def messages_prefix(word: str) -> Callable[[], object]:
        return lambda: conn.execute(
            "SELECT f.rowid, m.ticket_id FROM messages_fts f JOIN messages m ON m.id = f.rowid"
            " WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT 400",
            (f'"{word}"*',)).fetchall()

    for typed in ("t", "th", "the", "pri", "prin", "printer r"):
        last = typed.split()[-1]
        paired(f"search_as_you_type_{typed.replace(' ', '_')}",
               lambda q=typed: svc.search(q, limit=100), messages_prefix(last), repeat,
               before_is="the previous prefix match over messages alone",
               results=len(svc.search(typed, limit=100)))


def database(tickets: int, rebuild: bool) -> Path:
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"engine-{tickets}.db"
    info = path.with_suffix(".json")
    if rebuild or not path.exists() or not info.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        summary = build_demo(path, tickets=tickets, seed=7)
        info.write_text(json.dumps({"seconds": summary.seconds, "messages": summary.messages}))
    built = json.loads(info.read_text())
    emit("demo_build_seconds", built["seconds"], "s", tickets=tickets,
         messages=built["messages"])
    emit("demo_build_rate", tickets / built["seconds"], "tickets/s")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = database(args.tickets, args.rebuild)
    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, AGENT))
    r = args.repeat

    def timed(metric: str, fn: Callable[[], object], **extra: object) -> None:
        med, p90 = median_ms(fn, r)
        emit(metric, med, "ms", p90=round(p90, 3), **extra)

    timed("dashboard_all_teams", svc.dashboard)
    teams = svc.list_teams()
    sizes = {t.id: sum(c.count for c in svc.board_columns(t.id)) for t in teams}
    team = max(teams, key=lambda t: sizes[t.id])

    def first_pages() -> None:
        for column in svc.board_columns(team.id):
            svc.board_page(team.id, column.stage.id, limit=50)

    timed("board_columns_and_first_pages", first_pages, team=team.name,
          team_tickets=sizes[team.id])
    columns = svc.board_columns(team.id)
    biggest = max(columns, key=lambda c: c.count)
    timed("board_column_counts", lambda: svc.board_columns(team.id))
    side_by_side(svc, store, team.id, r)
    page = svc.board_page(team.id, biggest.stage.id, limit=50)
    timed("board_next_page", lambda: svc.board_page(team.id, biggest.stage.id,
                                                     cursor=page.next_cursor, limit=50),
          column=biggest.stage.name, column_tickets=biggest.count)
    deep = page
    for _ in range(100):
        deep = svc.board_page(team.id, biggest.stage.id, cursor=deep.next_cursor, limit=50)
    timed("board_page_5000_deep", lambda: svc.board_page(team.id, biggest.stage.id,
                                                          cursor=deep.next_cursor, limit=50))
    timed("my_tickets_page", lambda: svc.my_tickets(limit=50))

    busiest = store.conn.execute(
        "SELECT id FROM tickets WHERE team_id = ? ORDER BY message_count DESC LIMIT 1",
        (team.id,)).fetchone()[0]

    def ticket_view() -> None:
        svc.get_ticket(busiest)
        svc.ticket_messages(busiest, limit=50)

    timed("ticket_with_first_50_messages", ticket_view,
          messages=store.conn.execute("SELECT count(*) FROM messages WHERE ticket_id = ?",
                                      (busiest,)).fetchone()[0])

    for label, query in (("common_word", "printer"), ("very_common_word", "the"),
                         ("two_words", "printer restarted"), ("rare_word", "Kowalski"),
                         ("no_match", "xylophone"), ("ticket_number", "#4242"),
                         ("customer_email", store.conn.execute(
                             "SELECT email FROM customers ORDER BY id LIMIT 1").fetchone()[0])):
        hits = len(svc.search(query, limit=50))
        timed(f"search_{label}", lambda q=query: svc.search(q, limit=50), results=hits)

    ticket, steps = write_steps(svc, team, columns)
    for name, step in steps.items():
        timed(name, step)
    timed("read_ticket_alone", lambda: svc.get_ticket(ticket.id))

    size = sum(Path(str(path) + s).stat().st_size for s in ("", "-wal")
               if Path(str(path) + s).exists())
    emit("database_size", size / 1e6, "MB")
    store.close()

    script = Path(sys.executable).with_name("deskline")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "deskline.cli"]

    def cli_help() -> None:
        subprocess.run([*command, "--help"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)

    med, p90 = median_ms(cli_help, 10)
    emit("cli_help_wall", med, "ms", p90=round(p90, 3))


if __name__ == "__main__":
    main()
