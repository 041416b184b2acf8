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

DEFAULT_DAYS = 30


def period(f: ReportFilter, now: datetime) -> tuple[datetime, datetime]:
    until = f.until or now
    since = f.since or (until - timedelta(days=DEFAULT_DAYS))
    return since, until


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
    teams = {t.id: t for t in store.teams()}
    opened = store.opened_per_day(scope, f, lo, hi)
    closed = store.closed_per_day(scope, f, lo, hi)
    days = _per_day(since, until, opened, closed)
    backlog = _backlog(store, scope, f)
    sla = _sla(store.settled_clocks(scope, f, lo, hi))
    first = [_working_hours(teams, team_id, created, answered)
             for team_id, created, answered in store.first_agent_replies(scope, f, lo, hi)
             if answered is not None]
    to_close = [_working_hours(teams, team_id, created, done)
                for team_id, created, done in store.closing_times(scope, f, lo, hi)]
    rated = store.ratings_given(scope, f, lo, hi)
    agents = {a.id: a.name for a in store.agents()}
    return Report(
        filter=f, since=since, until=until, opened=sum(opened.values()),
        closed=sum(closed.values()), per_day=days, backlog=backlog, sla=sla,
        first_response=_durations(first), time_to_close=_durations(to_close),
        ratings_by_team=_ratings([(r[0], r[2]) for r in rated],
                                 {t.id: t.name for t in teams.values()}),
        ratings_by_agent=_ratings([(r[1], r[2]) for r in rated], agents),
    )


def _per_day(since: datetime, until: datetime, opened: dict[str, int],
             closed: dict[str, int]) -> list[DayCount]:
    """Every UTC day of the period, with the days that saw nothing too."""
    days = []
    day = since.date()
    last = (until - timedelta(microseconds=1)).date()
    while day <= last:
        key = day.isoformat()
        days.append(DayCount(day=key, opened=opened.get(key, 0), closed=closed.get(key, 0)))
        day += timedelta(days=1)
    return days


def _backlog(store, scope: Scope, f: ReportFilter) -> list[StageBacklog]:
    """Open tickets now in each stage that is not a closing one."""
    stages = store.stages(f.team_id)
    counts = store.open_per_stage(scope, f)
    return [StageBacklog(stage_id=s.id, stage_name=s.name, open=counts.get(s.id, 0))
            for s in stages if not s.closing]


def _sla(settled: dict[str, int]) -> SlaFigures:
    reached, failed = settled.get("reached", 0), settled.get("failed", 0)
    return SlaFigures(reached=reached, failed=failed,
                      success_rate=round(reached / (reached + failed), 4)
                      if reached + failed else None)


def _working_hours(teams: dict, team_id: int, start: str, end: str) -> float:
    """Working hours between two stored times on the ticket's team calendar."""
    return working_hours_between(datetime.fromisoformat(start), datetime.fromisoformat(end),
                                 teams[team_id].calendar)
