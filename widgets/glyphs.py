"""How statuses read on screen: always as text or a glyph, never only as a colour.

Pure functions over model attributes; no Textual, no pydantic import (they run before
the first frame).
"""

from __future__ import annotations

from datetime import datetime

PRIORITY_TEXT = {0: "low", 1: "medium", 2: "high", 3: "URGENT"}
PRIORITY_MARK = {0: "-", 1: "!", 2: "!!", 3: "!!!"}


def priority(value: int) -> str:
    """`!!! URGENT`, `!! high`, `! medium`, `- low`."""
    return f"{PRIORITY_MARK.get(value, '?')} {PRIORITY_TEXT.get(value, str(value))}"


def span(seconds: float) -> str:
    """A short duration: 45m, 3h, 2d4h, 5w."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h"
    days, hours = divmod(hours, 24)
    if days < 14:
        return f"{days}d{hours}h" if hours and days < 3 else f"{days}d"
    return f"{days // 7}w"


def sla(status: object, deadline: datetime | None, now: datetime) -> tuple[str, str]:
    """(text, level) of a ticket's SLA: level is ok, soon, late, failed, met or none."""
    status = getattr(status, "value", status)
    if status == "failed":
        return "✗ SLA failed", "failed"
    if status == "reached":
        return "✓ SLA met", "met"
    if status == "ongoing":
        if deadline is None:
            return "⏸ SLA paused", "ok"
        left = (deadline - now).total_seconds()
        if left < 0:
            return f"✗ SLA {span(left)} late", "late"
        if left < 4 * 3600:
            return f"⚠ SLA {span(left)} left", "soon"
        return f"⏱ SLA {span(left)} left", "ok"
    return "", "none"


def when(value: datetime | None, now: datetime) -> str:
    """`just now`, `5m ago`, `3h ago`, `2d ago`, then the date."""
    if value is None:
        return ""
    seconds = (now - value).total_seconds()
    if seconds < 0:
        return "in " + span(-seconds)
    if seconds < 60:
        return "just now"  # "0m ago" reads like a glitch
    if seconds < 14 * 86400:
        return span(seconds) + " ago"
    return value.strftime("%Y-%m-%d")


def stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def size(count: int) -> str:
    """A file size for people: 812 B, 12 KB, 3.4 MB."""
    if count < 1024:
        return f"{count} B"
    value, unit = count / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"


def attachment(info) -> str:
    """One file of a mail, as a line of the thread (the name is sanitized by the caller)."""
    inline = " · in the mail's text" if info.inline else ""
    return f"⤓ {info.filename} · {size(info.size)} · {info.content_type}{inline}"
