"""SLA clocks: working hours on a team's calendar, which policy applies, the clocks a
ticket starts with, and SLA status.

Working time is counted in the team's local wall time: a working day is the same
`start_hour`..`end_hour` span on every working day, whatever the UTC offset is that day,
and results are converted back to aware UTC datetimes. On the rare calendar whose
working hours cover a DST switch (say 0-24), the switch day counts its wall-clock length.

Both functions map an instant to its *working-time coordinate*: the working microseconds
between a fixed origin (Monday 0001-01-01, local wall time) and that instant. Adding
hours and measuring spans are then plain arithmetic on that coordinate, O(1) whatever
the number of hours, and the two functions agree with each other exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from deskline.clock import to_db
from deskline.models import Calendar, SlaPolicy, SlaStatus

Clock = tuple[int, str, str | None, float, str | None, str | None]
"""A `ticket_slas` row without its ticket, times as stored text:
(policy_id, status, deadline, spent_hours, running_since, reached_at)."""

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


@dataclass(frozen=True, slots=True)
class _Plan:
    """A calendar compiled once into integers, so each call is a few divisions."""

    zone: ZoneInfo
    days: tuple[int, ...]  # sorted working weekdays, Monday = 0
    working: tuple[bool, ...]  # weekday -> is a working day
    before: tuple[int, ...]  # weekday -> working microseconds of the week before that day
    day_start: int  # microseconds after local midnight
    day_end: int
    day_len: int
    week_len: int


@lru_cache(maxsize=256)
def _compile(timezone: str, days: tuple[int, ...], start_hour: float, end_hour: float) -> _Plan:
    ordered = tuple(sorted(set(days)))
    day_start = round(start_hour * _US_PER_HOUR)
    day_end = round(end_hour * _US_PER_HOUR)
    day_len = day_end - day_start
    working = tuple(d in ordered for d in range(7))
    before = tuple(day_len * sum(1 for d in ordered if d < wd) for wd in range(7))
    return _Plan(
        zone=ZoneInfo(timezone),
        days=ordered,
        working=working,
        before=before,
        day_start=day_start,
        day_end=day_end,
        day_len=day_len,
        week_len=day_len * len(ordered),
    )


def _plan(calendar: Calendar) -> _Plan:
    return _compile(
        calendar.timezone, tuple(calendar.days), calendar.start_hour, calendar.end_hour
    )


def _local(moment: datetime, plan: _Plan) -> tuple[int, int]:
    """(proleptic ordinal of the local day, microseconds since local midnight)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: SLA times must be timezone-aware")
    wall = moment.astimezone(plan.zone)
    time_of_day = (
        (wall.hour * 3600 + wall.minute * 60 + wall.second) * 1_000_000 + wall.microsecond
    )
    return wall.toordinal(), time_of_day


def _position(ordinal: int, time_of_day: int, plan: _Plan) -> int:
    """Working microseconds from the origin up to this local wall instant."""
    weeks, weekday = divmod(ordinal - 1, 7)  # ordinal 1 is a Monday
    done = weeks * plan.week_len + plan.before[weekday]
    if plan.working[weekday]:
        done += min(max(time_of_day, plan.day_start), plan.day_end) - plan.day_start
    return done


def _to_utc(ordinal: int, time_of_day: int, plan: _Plan) -> datetime:
    """Local wall time back to UTC; a wall time that a DST switch skips or repeats is
    read with the offset in force before the switch (`fold=0`)."""
    if time_of_day >= _US_PER_DAY:  # 24:00, when the working day ends at midnight
        ordinal, time_of_day = ordinal + 1, time_of_day - _US_PER_DAY
    day = date.fromordinal(ordinal)
    seconds, micro = divmod(time_of_day, 1_000_000)
    hour, seconds = divmod(seconds, 3600)
    minute, second = divmod(seconds, 60)
    wall = datetime(day.year, day.month, day.day, hour, minute, second, micro, plan.zone)
    return wall.astimezone(UTC)


def add_working_hours(start: datetime, hours: float, calendar: Calendar) -> datetime:
    """The instant at which `hours` working hours after `start` have passed (aware UTC).

    Counting starts at the next working period when `start` is outside working time; a
    deadline that lands exactly on the end of a working day stays there rather than
    moving to the next morning. With `hours == 0` the answer is the next working instant
    (`start` itself when it is inside working time).
    """
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"working hours must be a finite number >= 0, not {hours!r}")
    plan = _plan(calendar)
    ordinal, time_of_day = _local(start, plan)
    if hours == 0:
        weekday = (ordinal - 1) % 7
        if plan.working[weekday] and plan.day_start <= time_of_day < plan.day_end:
            return start.astimezone(UTC)
        if plan.working[weekday] and time_of_day < plan.day_start:
            return _to_utc(ordinal, plan.day_start, plan)
        step = 1
        while not plan.working[(weekday + step) % 7]:
            step += 1
        return _to_utc(ordinal + step, plan.day_start, plan)
    target = _position(ordinal, time_of_day, plan) + round(hours * _US_PER_HOUR)
    # Invert _position, taking the earliest instant that reaches the target: when the
    # target is a whole number of weeks, it is the end of the last working day of a week.
    weeks, rest = divmod(target, plan.week_len)
    if rest == 0:
        weeks, rest = weeks - 1, plan.week_len
    index = (rest - 1) // plan.day_len
    time_of_day = plan.day_start + rest - index * plan.day_len
    return _to_utc(1 + weeks * 7 + plan.days[index], time_of_day, plan)


def working_hours_between(start: datetime, end: datetime, calendar: Calendar) -> float:
    """Working hours from `start` to `end` on the calendar; 0 when `end` is not later."""
    if end <= start:
        return 0.0
    plan = _plan(calendar)
    done = _position(*_local(end, plan), plan) - _position(*_local(start, plan), plan)
    # In the repeated hour of a DST fall-back, wall time can run backwards while UTC
    # moves on: never report negative work.
    return max(done, 0) / _US_PER_HOUR


def policy_applies(
    policy: SlaPolicy, priority: int, tags: Iterable[str], customer_id: int | None
) -> bool:
    """Whether the policy covers a ticket. An empty list in the policy means "any"; tags
    match case-insensitively and the ticket needs at least one of the policy's tags."""
    if policy.priorities and priority not in policy.priorities:
        return False
    if policy.customer_ids and (customer_id is None or customer_id not in policy.customer_ids):
        return False
    if policy.tags:
        wanted = {tag.strip().casefold() for tag in policy.tags}
        if not any(tag.strip().casefold() in wanted for tag in tags):
            return False
    return True


def matching_policies(policies: Iterable[SlaPolicy], priority: int, tags: Sequence[str],
                      customer_id: int | None) -> list[SlaPolicy]:
    """The policies that cover a ticket, in the order given."""
    return [p for p in policies if policy_applies(p, priority, tags, customer_id)]


def starting_clock(policy: SlaPolicy, stage_id: int, stage_order: Mapping[int, int],
                   now: datetime, calendar: Calendar) -> Clock:
    """The clock a policy starts for a ticket in `stage_id` at `now`: reached at once when
    the stage is at or past the policy's target (`stage_order`: stage id -> sequence),
    paused in an excluded stage, else running with its deadline in working hours."""
    if stage_order.get(stage_id, 0) >= stage_order.get(policy.target_stage_id, 1 << 30):
        return (policy.id, "reached", None, 0.0, None, to_db(now))
    if stage_id in policy.excluded_stage_ids:
        return (policy.id, "ongoing", None, 0.0, None, None)
    deadline = add_working_hours(now, policy.hours, calendar)
    return (policy.id, "ongoing", to_db(deadline), 0.0, to_db(now), None)


def starting_clocks(policies: Iterable[SlaPolicy], stage_order: Mapping[int, int],
                    stage_id: int, priority: int, tags: Sequence[str],
                    customer_id: int | None, now: datetime, calendar: Calendar,
                    keep: Sequence[tuple] = ()) -> list[Clock]:
    """A ticket's clocks when its team's policies are (re)applied at `now`: a clock per
    matching policy, in the policies' order. `keep` holds the clocks it had (a new ticket
    has none): a finished one stays, so does an ongoing one whose policy still matches,
    and finished clocks of policies that no longer exist stay too."""
    kept = {row[0]: row for row in keep}
    rows: list[Clock] = []
    for policy in policies:
        applies = policy_applies(policy, priority, tags, customer_id)
        old = kept.get(policy.id)
        if old is not None and (old[1] != "ongoing" or applies):
            rows.append(old[:6])
        elif applies:
            rows.append(starting_clock(policy, stage_id, stage_order, now, calendar))
    started = {r[0] for r in rows}
    rows.extend(old[:6] for old in keep if old[0] not in started and old[1] != "ongoing")
    return rows


def summary(clocks: Iterable[Sequence]) -> tuple[str | None, str | None]:
    """(sla_deadline, sla_status) a ticket shows for its clocks (`Clock` rows): the
    nearest deadline of the ongoing ones, and the worst status (failed, then ongoing,
    then reached); (None, None) without clocks."""
    statuses = set()
    deadline = None
    for clock in clocks:
        status = clock[1]
        statuses.add(status)
        if status == "ongoing" and clock[2] is not None and (deadline is None
                                                            or clock[2] < deadline):
            deadline = clock[2]
    if not statuses:
        return None, None
    worst = "failed" if "failed" in statuses else "ongoing" if "ongoing" in statuses \
        else "reached"
    return deadline, worst


def status_on_reach(deadline: datetime | None, reached_at: datetime) -> SlaStatus:
    """Status once the ticket reaches the target stage: in time (or no clock) is reached."""
    if deadline is None or reached_at <= deadline:
        return SlaStatus.reached
    return SlaStatus.failed


def status_now(current: SlaStatus, deadline: datetime | None, now: datetime) -> SlaStatus:
    """Status as time passes: reached and failed are final; ongoing fails after the
    deadline (a paused clock, `deadline is None`, never fails)."""
    if current == SlaStatus.ongoing and deadline is not None and now > deadline:
        return SlaStatus.failed
    return current
