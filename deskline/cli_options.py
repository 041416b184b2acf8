"""Option values that `deskline export` and `deskline report` read the same way: dates as
spreadsheets write them, teams, stages, organizations and projects by name or id, agents
by email, name or id. Each refusal is one sentence (`error`, the CLI's error class).

Also what `deskline.cli` and the administration commands (`cli_admin/`) share — the
database file a command names, an item by name or id, a JSON line — so that neither
imports the other for it. Light: `deskline --help` imports this module."""

from __future__ import annotations

import argparse
from pathlib import Path

from deskline.errors import CliError


def resolve_db(args: argparse.Namespace) -> Path:
    """The database file: --db, else $DESKLINE_DB, else the config file's, else the
    platform's data directory; it must exist unless the command says otherwise."""
    import os

    if args.db is not None:
        path = args.db
    elif os.environ.get("DESKLINE_DB"):
        path = Path(os.environ["DESKLINE_DB"])
    else:
        from deskline.config import load_config

        config, _problem = load_config(getattr(args, "config", None))
        from deskline.paths import default_db

        path = Path(config.db).expanduser() if config.db else default_db()
    if getattr(args, "db_must_exist", True) and not path.exists():
        raise CliError(f"no database at {path}; make a helpdesk with `deskline init --db {path} "
                       f"--admin EMAIL`, try the demo with `deskline demo --db {path}`, or name "
                       "another file with --db")
    return path


def find_named(items: list, key: str, what: str):
    """An item by id or by name (case-insensitive)."""
    for item in items:
        if key.isdigit() and item.id == int(key) or item.name.lower() == key.lower():
            return item
    names = ", ".join(i.name for i in items) or "none"
    raise CliError(f"no {what} {key!r} (known: {names})")


def json_line(row: dict) -> str:
    from deskline.text import json_text

    return json_text(row) + "\n"


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
