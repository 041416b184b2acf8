"""Time as the engine stores it: aware UTC datetimes, ISO 8601 text in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def to_db(value: datetime) -> str: ...
@overload
def to_db(value: None) -> None: ...
@overload
def to_db(value: datetime | None) -> str | None: ...
def to_db(value: datetime | None) -> str | None:
    """Fixed-width UTC text, so that comparing the text compares the times."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: the engine only stores aware times")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@overload
def from_db(value: str) -> datetime: ...
@overload
def from_db(value: None) -> None: ...
@overload
def from_db(value: str | None) -> datetime | None: ...
def from_db(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
