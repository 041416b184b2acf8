"""Option values that `deskline export` and `deskline report` read the same way: dates as
spreadsheets write them, teams, stages, organizations and projects by name or id, agents
by email, name or id. Each refusal is one sentence (`error`, the CLI's error class).

Also what `deskline.cli` and the administration commands (`cli_admin/`) share — the
database a command works on (`database`, `open_database`: the one rule for every command,
`serve` too), an item by name or id, a JSON line — so that neither imports the other for
it. Light: `deskline --help` imports this module (the store's modules and psycopg are
imported by the functions that open one)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskline.errors import CliError

if TYPE_CHECKING:
    from deskline.store.postgres.store import PgStore
    from deskline.store.sqlite import SqliteStore

DATABASE_URL_VARIABLE = "DESKLINE_DATABASE_URL"


def add_database_options(parser: argparse.ArgumentParser, must_exist: bool = True) -> None:
    """--db FILE and --database URL, for every command that opens the helpdesk
    (`must_exist`: a file must be there already; `init` and `agent add` make one)."""
    parser.add_argument("--db", metavar="PATH", type=Path,
                        help="database file (default: $DESKLINE_DB, the config file's db, "
                             "or the platform's data directory)")
    parser.add_argument("--database", metavar="URL",
                        help="a PostgreSQL database (postgresql://…) instead of a file "
                             f"(default: ${DATABASE_URL_VARIABLE} when no --db is given)")
    parser.set_defaults(db_must_exist=must_exist)


def database(args: argparse.Namespace) -> str | Path:
    """The database a command works on: the one it names (`named_database`), else the
    file found as always (`resolve_db`)."""
    named = named_database(args)
    return resolve_db(args) if named is None else named


def named_database(args: argparse.Namespace) -> str | Path | None:
    """`--database URL`, else the file `--db` names, else `$DESKLINE_DATABASE_URL`; None
    when none does (a command that makes a helpdesk never takes the default file)."""
    from deskline.store.opening import is_url

    url, given = getattr(args, "database", None), "--database"
    file = getattr(args, "db", None)
    if url is not None and file is not None:
        raise CliError("give --db FILE or --database URL, not both")
    if url is None and file is None:
        url, given = os.environ.get(DATABASE_URL_VARIABLE) or None, f"${DATABASE_URL_VARIABLE}"
    if url is None:
        return None if file is None else resolve_db(args)  # which checks it is there
    if not is_url(url):
        raise CliError(f"{given} takes a postgresql:// URL, not {shown_target(url)!r}; "
                       "a file is --db FILE")
    return url


# What `open_database` opened, for `close_databases` when the command ends.
_OPENED: list[SqliteStore | PgStore] = []


def open_database(args: argparse.Namespace, **options: Any) -> SqliteStore | PgStore:
    """The store of `database(args)`; `options` as `open_store` takes them. Closed by
    `close_databases` (`deskline.cli.main` calls it) unless the caller closes it first."""
    from deskline.store.opening import open_store

    store = open_store(database(args), **options)
    _OPENED.append(store)
    return store


def close_databases() -> None:
    """Close the stores the command opened: a PostgreSQL pool's connections and threads
    would outlive it otherwise (tests run many commands in one process)."""
    while _OPENED:
        _OPENED.pop().close()


def shown_target(target: str | Path) -> str:
    """A database as a message may show it: a URL without its password."""
    from deskline.store.opening import shown_url

    return shown_url(str(target))


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
               "server, unless --db or --database is given); the token comes from "
               "$DESKLINE_TOKEN or the config file")


def add_server_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a --server given before the subcommand stays when this one is absent
    parser.add_argument("--server", metavar="URL", default=argparse.SUPPRESS, help=SERVER_HELP)
