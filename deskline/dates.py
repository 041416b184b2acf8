"""Dates as people write them — in spreadsheets and on the command line — read into the
engine's aware UTC datetimes. Used by the CSV import and by the commands' date options."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:[ T,]+(\d{1,2}):(\d{2})"
                     r"(?::(\d{2}))?)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
DATE_HINT = "use YYYY-MM-DD or DD.MM.YYYY, optionally with HH:MM"


def parse_date(text: str) -> datetime:
    """A date or date-time as found in spreadsheets; times without a zone are UTC.
    Raises ValueError with a message for people."""
    text = text.strip()
    match = _DOTTED.match(text)
    if match:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        year += 2000 if year < 100 else 0
        return _make(year, month, day, match, text)
    match = _SLASHED.match(text)
    if match:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first or first == second:
            day, month = second, first
        else:
            raise ValueError(f"ambiguous date {text!r} (day/month or month/day?); {DATE_HINT}")
        return _make(year, month, day, match, text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unparseable date {text!r}; {DATE_HINT}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _make(year: int, month: int, day: int, match: re.Match, text: str) -> datetime:
    try:
        return datetime(year, month, day, int(match[4] or 0), int(match[5] or 0),
                        int(match[6] or 0), tzinfo=UTC)
    except ValueError:
        raise ValueError(f"unparseable date {text!r}; {DATE_HINT}") from None
