"""Report figures over the tickets an actor may see.

Each figure counts a clear population of the period [since, until):

- opened / per_day.opened: tickets created in the period; closed / per_day.closed: tickets
  whose `closed_at` falls in it (days are UTC dates).
- backlog: open tickets now, per stage (not bound to the period).
- sla: SLA clocks of tickets created in the period that have settled (reached or failed);
  success rate = reached / (reached + failed).
- first_response: tickets created in the period that got an agent's reply: working hours
  from creation to the first agent reply, on the ticket's team calendar.
- time_to_close: tickets closed in the period: working hours from creation to closing.
- ratings: tickets rated in the period, per team and per assignee.

Team and agent (assignee) filters narrow every figure.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from deskline.access import Scope
from deskline.clock import to_db
from deskline.models import (
    DayCount,
    DurationFigures,
    RatingFigures,
    Report,
    ReportFilter,
    SlaFigures,
    StageBacklog,
)
from deskline.rules.sla import working_hours_between
from deskline.store.tickets import scope_sql

DEFAULT_DAYS = 30


def period(f: ReportFilter, now: datetime) -> tuple[datetime, datetime]:
    until = f.until or now
    since = f.since or (until - timedelta(days=DEFAULT_DAYS))
    return since, until


def _narrow(scope: Scope, f: ReportFilter) -> tuple[str, list]:
    where, params = [scope_sql(scope)], []
    if f.team_id is not None:
        where.append("t.team_id = ?")
        params.append(f.team_id)
    if f.agent_id is not None:
        where.append("t.assignee_id = ?")
        params.append(f.agent_id)
    return " AND ".join(where), params


def _durations(values: list[float]) -> DurationFigures:
    if not values:
        return DurationFigures(count=0, mean_hours=None, median_hours=None)
    return DurationFigures(count=len(values), mean_hours=round(statistics.fmean(values), 2),
                           median_hours=round(statistics.median(values), 2))


def _ratings(rows: list[tuple], names: dict) -> list[RatingFigures]:
    groups: dict = {}
    for key, rating in rows:
        groups.setdefault(key, []).append(rating)
    out = []
    for key, ratings in groups.items():
        out.append(RatingFigures(
            id=key, name=names.get(key, "unassigned" if key is None else str(key)),
            count=len(ratings), average=round(statistics.fmean(ratings), 2),
            satisfied=ratings.count(5), okay=ratings.count(3), dissatisfied=ratings.count(1)))
    return sorted(out, key=lambda r: (r.name.casefold(), r.id or 0))


def build_report(store, scope: Scope, f: ReportFilter, now: datetime) -> Report:
    since, until = period(f, now)
    lo, hi = to_db(since), to_db(until)
    narrow, params = _narrow(scope, f)
    conn = store.conn
    teams = {t.id: t for t in store.teams()}

    opened = dict(conn.execute(
        "SELECT substr(t.created_at, 1, 10), count(*) FROM tickets t"
        f" WHERE t.created_at >= ? AND t.created_at < ? AND {narrow} GROUP BY 1",
        [lo, hi, *params]).fetchall())
    closed = dict(conn.execute(
        "SELECT substr(t.closed_at, 1, 10), count(*) FROM tickets t"
        f" WHERE t.closed_at >= ? AND t.closed_at < ? AND {narrow} GROUP BY 1",
        [lo, hi, *params]).fetchall())
    days = []
    day = since.date()
    last = (until - timedelta(microseconds=1)).date()
    while day <= last:
        key = day.isoformat()
        days.append(DayCount(day=key, opened=opened.get(key, 0), closed=closed.get(key, 0)))
        day += timedelta(days=1)

    stages = store.stages(f.team_id)
    counts = dict(conn.execute(
        f"SELECT t.stage_id, count(*) FROM tickets t WHERE t.is_open = 1 AND {narrow}"
        " GROUP BY t.stage_id", params).fetchall())
    backlog = [StageBacklog(stage_id=s.id, stage_name=s.name, open=counts.get(s.id, 0))
               for s in stages if not s.closing]

    sla_counts = dict(conn.execute(
        "SELECT s.status, count(*) FROM ticket_slas s JOIN tickets t ON t.id = s.ticket_id"
        f" WHERE t.created_at >= ? AND t.created_at < ? AND {narrow}"
        " AND s.status IN ('reached', 'failed') GROUP BY s.status", [lo, hi, *params]).fetchall())
    reached, failed = sla_counts.get("reached", 0), sla_counts.get("failed", 0)
    sla = SlaFigures(reached=reached, failed=failed,
                     success_rate=round(reached / (reached + failed), 4)
                     if reached + failed else None)

    first = []
    for team_id, created, answered in conn.execute(
        "SELECT t.team_id, t.created_at, (SELECT min(m.created_at) FROM messages m"
        " WHERE m.ticket_id = t.id AND m.kind = 'reply' AND m.author_agent_id IS NOT NULL)"
        f" FROM tickets t WHERE t.created_at >= ? AND t.created_at < ? AND {narrow}",
        [lo, hi, *params],
    ):
        if answered is not None:
            first.append(working_hours_between(datetime.fromisoformat(created),
                                               datetime.fromisoformat(answered),
                                               teams[team_id].calendar))
    to_close = [
        working_hours_between(datetime.fromisoformat(created), datetime.fromisoformat(done),
                              teams[team_id].calendar)
        for team_id, created, done in conn.execute(
            "SELECT t.team_id, t.created_at, t.closed_at FROM tickets t"
            f" WHERE t.closed_at >= ? AND t.closed_at < ? AND {narrow}", [lo, hi, *params])
    ]

    rated = conn.execute(
        "SELECT t.team_id, t.assignee_id, t.rating FROM tickets t"
        f" WHERE t.rated_at >= ? AND t.rated_at < ? AND t.rating IS NOT NULL AND {narrow}",
        [lo, hi, *params]).fetchall()
    agents = {a.id: a.name for a in store.agents()}
    return Report(
        filter=f, since=since, until=until, opened=sum(opened.values()),
        closed=sum(closed.values()), per_day=days, backlog=backlog, sla=sla,
        first_response=_durations(first), time_to_close=_durations(to_close),
        ratings_by_team=_ratings([(r[0], r[2]) for r in rated],
                                 {t.id: t.name for t in teams.values()}),
        ratings_by_agent=_ratings([(r[1], r[2]) for r in rated], agents),
    )
