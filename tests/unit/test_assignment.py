"""Automatic assignment: load balancing and time off."""

from __future__ import annotations

from datetime import UTC, datetime

from deskline.models import Assignment, TimeOff
from deskline.rules.assignment import Candidate, choose_assignee, on_time_off

NOW = datetime(2025, 1, 6, 12, tzinfo=UTC)


def day(d: int, hour: int = 0) -> datetime:
    return datetime(2025, 1, d, hour, tzinfo=UTC)


def away(start: datetime, end: datetime) -> TimeOff:
    return TimeOff(start=start, end=end)


TEAM = [
    Candidate(agent_id=1, total=5, open=1),
    Candidate(agent_id=2, total=3, open=4),
    Candidate(agent_id=3, total=3, open=2),
]


def test_manual_assignment_chooses_nobody() -> None:
    assert choose_assignee(Assignment.manual, TEAM, NOW) is None


def test_no_candidates_chooses_nobody() -> None:
    assert choose_assignee(Assignment.balanced_total, [], NOW) is None
    assert choose_assignee(Assignment.balanced_open, (), NOW) is None


def test_balanced_total_takes_the_fewest_tickets_and_breaks_ties_by_lowest_id() -> None:
    assert choose_assignee(Assignment.balanced_total, TEAM, NOW) == 2
    assert choose_assignee(Assignment.balanced_total, list(reversed(TEAM)), NOW) == 2


def test_balanced_open_takes_the_fewest_open_tickets() -> None:
    assert choose_assignee(Assignment.balanced_open, TEAM, NOW) == 1


def test_plain_strings_name_the_method_too() -> None:
    assert choose_assignee("balanced_open", TEAM, NOW) == 1  # type: ignore[arg-type]
    assert choose_assignee("manual", TEAM, NOW) is None  # type: ignore[arg-type]


def test_agents_on_time_off_are_skipped() -> None:
    team = [
        Candidate(agent_id=1, total=0, open=0, time_off=(away(day(6), day(8)),)),
        Candidate(agent_id=2, total=9, open=9),
        Candidate(agent_id=3, total=4, open=4),
    ]
    assert choose_assignee(Assignment.balanced_total, team, NOW) == 3


def test_time_off_in_the_past_or_future_does_not_count() -> None:
    team = [
        Candidate(agent_id=1, total=0, open=0, time_off=(away(day(1), day(6, 12)),)),
        Candidate(agent_id=2, total=0, open=0, time_off=(away(day(6, 13), day(9)),)),
        Candidate(agent_id=3, total=1, open=1),
    ]
    # Agent 1's time off ended exactly now (end excluded); agent 2's starts later.
    assert choose_assignee(Assignment.balanced_total, team, NOW) == 1
    assert choose_assignee(Assignment.balanced_total, team[1:], NOW) == 2


def test_when_everyone_is_away_the_first_one_back_gets_the_ticket() -> None:
    team = [
        Candidate(agent_id=1, total=0, open=0, time_off=(away(day(1), day(20)),)),
        Candidate(agent_id=2, total=7, open=7, time_off=(away(day(5), day(8)),)),
        Candidate(agent_id=3, total=1, open=1, time_off=(away(day(6), day(10)),)),
    ]
    assert choose_assignee(Assignment.balanced_total, team, NOW) == 2


def test_when_everyone_is_back_at_once_the_lowest_load_then_id_wins() -> None:
    back = day(8)
    team = [
        Candidate(agent_id=4, total=2, open=1, time_off=(away(day(1), back),)),
        Candidate(agent_id=3, total=2, open=5, time_off=(away(day(2), back),)),
        Candidate(agent_id=5, total=1, open=5, time_off=(away(day(3), back),)),
    ]
    assert choose_assignee(Assignment.balanced_total, team, NOW) == 5
    assert choose_assignee(Assignment.balanced_open, team, NOW) == 4
    tied = [Candidate(agent_id=i, total=1, open=1, time_off=(away(day(1), back),)) for i in (9, 7)]
    assert choose_assignee(Assignment.balanced_open, tied, NOW) == 7


def test_chained_time_off_counts_until_the_last_period_ends() -> None:
    team = [
        # Away until the 8th, then again from the 8th to the 15th: back on the 15th.
        Candidate(
            agent_id=1,
            total=0,
            open=0,
            time_off=(away(day(8), day(15)), away(day(5), day(8))),
        ),
        Candidate(agent_id=2, total=5, open=5, time_off=(away(day(5), day(10)),)),
    ]
    assert choose_assignee(Assignment.balanced_total, team, NOW) == 2


def test_on_time_off_finds_the_period_covering_now() -> None:
    holiday = away(day(6), day(7))
    later = away(day(20), day(21))
    assert on_time_off([], NOW) is None
    assert on_time_off([later, holiday], NOW) is holiday
    assert on_time_off([later], NOW) is None
    assert on_time_off([holiday], day(6)) is holiday  # start included
    assert on_time_off([holiday], day(7)) is None  # end excluded


def test_on_time_off_merges_overlapping_and_touching_periods() -> None:
    periods = [away(day(7), day(9)), away(day(5), day(7)), away(day(8), day(12))]
    merged = on_time_off(periods, NOW)
    assert merged == away(day(5), day(12))
    # A gap separates absences.
    assert on_time_off([away(day(5), day(7)), away(day(8), day(12))], NOW) == away(day(5), day(7))
    assert on_time_off([away(day(1), day(3)), away(day(5), day(7))], NOW) == away(day(5), day(7))
    assert on_time_off([away(day(1), day(3)), away(day(5), day(7))], day(4)) is None
