"""Closing and ratings: pure policy, no I/O.

- Automatic closing: an open ticket of a team with `auto_close_days` whose last activity
  (`updated_at`: any change or message) is at least that many days old, and which sits in
  one of the team's `auto_close_stage_ids` when the team names some, moves to the team's
  closing stage (its first stage with `closing = true`, in the team's order).
- Customers may close their own tickets when the team's `customers_may_close` is on.
- Ratings: satisfied / okay / dissatisfied are 5 / 3 / 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from deskline.models import RATING_SCORES, RatingAnswer, Stage, Team


def closing_stage(team: Team, stages: Sequence[Stage]) -> Stage | None:
    """The stage a ticket of `team` is closed into: the team's first closing stage."""
    by_id = {s.id: s for s in stages}
    for sid in team.stage_ids:
        stage = by_id.get(sid)
        if stage is not None and stage.closing:
            return stage
    return None


def inactivity_cutoff(team: Team, now: datetime) -> datetime | None:
    """Tickets last active before this instant are due; None when the team never closes."""
    if not team.auto_close_days:
        return None
    return now - timedelta(days=team.auto_close_days)


def due_for_auto_close(team: Team, stage: Stage, updated_at: datetime, now: datetime) -> bool:
    """Whether an open ticket of `team` in `stage`, last active at `updated_at`, is due."""
    cutoff = inactivity_cutoff(team, now)
    if cutoff is None or stage.closing:
        return False
    if team.auto_close_stage_ids and stage.id not in team.auto_close_stage_ids:
        return False
    return updated_at <= cutoff


def score(answer: RatingAnswer | str) -> int:
    return RATING_SCORES[RatingAnswer(answer).value]


_WORDS = {
    "satisfied": RatingAnswer.satisfied, "happy": RatingAnswer.satisfied,
    "good": RatingAnswer.satisfied, "great": RatingAnswer.satisfied,
    "zufrieden": RatingAnswer.satisfied, "5": RatingAnswer.satisfied,
    "okay": RatingAnswer.okay, "ok": RatingAnswer.okay, "3": RatingAnswer.okay,
    "neutral": RatingAnswer.okay,
    "dissatisfied": RatingAnswer.dissatisfied, "unhappy": RatingAnswer.dissatisfied,
    "bad": RatingAnswer.dissatisfied, "unzufrieden": RatingAnswer.dissatisfied,
    "1": RatingAnswer.dissatisfied,
}


def parse_rating(text: str) -> RatingAnswer | None:
    """The answer in the first word of a reply to a rating request ("Satisfied!", "ok,
    thanks"), or None when the first word is not an answer."""
    match = re.match(r"\W*(\w+)", text.strip().casefold())
    return _WORDS.get(match.group(1)) if match else None
