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
    """The database file (`deskline.paths.resolve_db`: --db, $DESKLINE_DB, the config
    file's, the platform's data directory); it must exist unless the command says
    otherwise."""
    from deskline.paths import NoDatabase
    from deskline.paths import resolve_db as find

    def configured() -> str | None:
        from deskline.config import load_config

        config, _problem = load_config(getattr(args, "config", None))
        return config.db

    try:
        return find(args.db, configured, must_exist=getattr(args, "db_must_exist", True))
    except NoDatabase as exc:
        raise CliError(str(exc)) from None


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


SERVER_HELP = ("read from a Deskline server (default: $DESKLINE_SERVER or the config file's "
               "server, unless --db is given); the token comes from $DESKLINE_TOKEN or the "
               "config file")


def add_server_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a --server given before the subcommand stays when this one is absent
    parser.add_argument("--server", metavar="URL", default=argparse.SUPPRESS, help=SERVER_HELP)
