"""Automatic assignment: which team member gets a new ticket.

Load balancing counts either every ticket of the team an agent holds (`balanced_total`) or
only the open ones (`balanced_open`). Agents on time off are skipped; when all are away,
the ticket goes to whoever comes back first, so it is not left without an owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from deskline.models import Assignment, TimeOff


@dataclass(frozen=True)
class Candidate:
    """A team member with their load in that team, as the store counted it."""

    agent_id: int
    total: int  # tickets of this team assigned to the agent
    open: int  # open tickets of this team assigned to the agent
    time_off: tuple[TimeOff, ...] = ()


def on_time_off(time_off: Iterable[TimeOff], now: datetime) -> TimeOff | None:
    """The time off covering `now` (start included, end excluded), or None.

    Periods that overlap or touch are one absence: the answer then spans all of them, so
    its `end` is when the agent is really back.
    """
    block: list[TimeOff] = []  # periods of the absence being scanned, chained
    block_end: datetime | None = None
    for period in sorted(time_off, key=lambda p: p.start):
        if block_end is not None and period.start > block_end:
            if block[0].start <= now < block_end:
                break
            block, block_end = [], None
        block.append(period)
        block_end = period.end if block_end is None else max(block_end, period.end)
    if block_end is None or not block[0].start <= now < block_end:
        return None
    if len(block) == 1:
        return block[0]
    return TimeOff(start=block[0].start, end=block_end)


def _load(method: Assignment, candidate: Candidate) -> int:
    return candidate.total if method == Assignment.balanced_total else candidate.open


def choose_assignee(
    method: Assignment, candidates: Sequence[Candidate], now: datetime
) -> int | None:
    """The agent id to assign, or None for manual assignment or an empty team.

    Fewest tickets by the method's count wins, ties to the lowest agent id. When everyone
    is on time off, the one whose absence ends first wins (then lowest load, then id).
    """
    if method == Assignment.manual or not candidates:
        return None
    if method not in (Assignment.balanced_total, Assignment.balanced_open):
        raise ValueError(f"unknown assignment method: {method!r}")
    back_at: dict[int, datetime] = {}
    available: list[Candidate] = []
    for candidate in candidates:
        away = on_time_off(candidate.time_off, now)
        if away is None:
            available.append(candidate)
        else:
            back_at[candidate.agent_id] = away.end
    if available:
        best = min(available, key=lambda c: (_load(method, c), c.agent_id))
    else:
        best = min(
            candidates, key=lambda c: (back_at[c.agent_id], _load(method, c), c.agent_id)
        )
    return best.agent_id
