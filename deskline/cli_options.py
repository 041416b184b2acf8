"""Option values that `deskline export` and `deskline report` read the same way: dates as
spreadsheets write them, teams, stages, organizations and projects by name or id, agents
by email, name or id. Each refusal is one sentence (`error`, the CLI's error class)."""

from __future__ import annotations


def option_date(value: str | None, error, what: str):
    if value is None:
        return None
    from deskline.dates import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise error(f"{what}: {exc}") from None


def named(items, key: str, what: str, error):
    for item in items:
        if key.isdigit() and item.id == int(key) or item.name.casefold() == key.casefold():
            return item
    raise error(f"no {what} {key!r} (known: {', '.join(i.name for i in items) or 'none'})")


def agent_named(svc, key: str, error):
    for agent in svc.list_agents():
        if key.casefold() in (agent.email.casefold(), agent.name.casefold()) or \
                key.isdigit() and agent.id == int(key):
            return agent
    raise error(f"no agent {key!r}")
