"""The `deskline` command.

Only argparse is imported up front: `deskline --help` and the subcommands that are not the
console must start fast, so each handler imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# Shared with the subcommand modules, which therefore need not import this one.
from deskline.cli_options import add_database_options as _db_arg
from deskline.cli_options import close_databases, named_database, open_database, shown_target
from deskline.cli_options import database as _database

# Defined in errors.py so that the subcommand modules raise it without importing this one.
from deskline.errors import CliError

# The console's own options, and whether each takes a value: a command line made only of
# these opens the console, and needs no subcommand parsers (building them all takes
# longer than anything else before the console's first import).
CONSOLE_OPTIONS = {"--db": True, "--as": True, "--config": True, "--ticket": True,
                   "--server": True}


def console_only(argv: Sequence[str]) -> bool:
    """True when `argv` holds nothing but console options with their values."""
    expect_value = False
    for arg in argv:
        if expect_value:
            expect_value = False
            continue
        name, eq, _value = arg.partition("=")
        if name not in CONSOLE_OPTIONS:
            return False
        expect_value = CONSOLE_OPTIONS[name] and not eq
    return True


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; with `commands=False` only the console's options."""
    parser = argparse.ArgumentParser(
        prog="deskline",
        description="A helpdesk for support agents, in the terminal. Without a command, "
                    "opens the console.")
    _db_arg(parser)
    parser.add_argument("--as", dest="agent", metavar="EMAIL",
                        help="act as this agent (default: config file, else the first admin)")
    parser.add_argument("--config", metavar="PATH", type=Path,
                        help="config file (default: $DESKLINE_CONFIG or the platform's "
                             "config directory)")
    parser.add_argument("--ticket", type=int, metavar="NUMBER",
                        help="open the console on this ticket (by number)")
    parser.add_argument("--server", metavar="URL",
                        help="open the console on a Deskline server (default: "
                             "$DESKLINE_SERVER or the config file's server, unless --db is "
                             "given); the token comes from $DESKLINE_TOKEN or the config file")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="build a demo helpdesk in a new database file")
    demo.add_argument("--db", metavar="PATH", type=Path, help="the new file")
    demo.add_argument("--database", metavar="URL",
                      help="an empty PostgreSQL database (postgresql://…) instead: the demo "
                           "is built in a temporary file and copied in (as `deskline copy`)")
    demo.set_defaults(db_must_exist=False)
    demo.add_argument("--tickets", type=int, default=2000, metavar="N",
                      help="how many tickets (default 2000)")
    demo.add_argument("--seed", type=int, default=7, metavar="S",
                      help="random seed; the same seed gives the same helpdesk (default 7)")
    demo.add_argument("--force", action="store_true", help="replace an existing file")

    from deskline.cli_bulk import add_parser as add_bulk_parser  # argparse only
    from deskline.cli_tickets import add_parsers as add_tickets_parsers  # argparse only

    add_bulk_parser(add_tickets_parsers(sub, _db_arg), _db_arg)
    _server_commands(sub)
    from deskline.io.commands import add_parsers as add_io_parsers  # argparse only

    add_io_parsers(sub, _db_arg)
    from deskline.cli_report import add_parsers as add_report_parsers  # argparse only

    add_report_parsers(sub, _db_arg)
    from deskline.cli_maintenance import add_parsers as add_maintenance_parsers  # argparse only

    add_maintenance_parsers(sub, _db_arg)
    from deskline.cli_notifications import add_parsers as add_notification_parsers  # argparse

    add_notification_parsers(sub, _db_arg)
    from deskline.mail.commands import add_mail_parser  # argparse only; handlers are lazy

    add_mail_parser(sub, _db_arg)
    from deskline.cli_admin import add_parsers as add_admin_parsers  # argparse only

    add_admin_parsers(sub, _db_arg)
    from deskline.cli_views import add_parsers as add_view_parsers  # argparse only

    add_view_parsers(sub, _db_arg)
    from deskline.cli_webhooks import add_parsers as add_webhook_parsers  # argparse only

    add_webhook_parsers(sub, _db_arg)
    from deskline.cli_copy import add_parsers as add_copy_parsers  # argparse only

    add_copy_parsers(sub)
    _global_options_first(parser)
    return parser


def _global_options_first(parser: argparse.ArgumentParser) -> None:
    """`deskline --db F team list` as well as `deskline team list --db F`: a subcommand's
    own --db, --database and --as leave the namespace alone when not given (their default
    None would otherwise hide the value given before the subcommand)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                for option in subparser._actions:
                    if {"--db", "--database", "--as"} & set(option.option_strings):
                        option.default = argparse.SUPPRESS
                _global_options_first(subparser)


def _server_commands(sub) -> None:
    """`serve`, `token` and `customer`: the parts a team server needs."""
    serve = sub.add_parser("serve", help="share this helpdesk with a team over HTTP")
    _db_arg(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    serve.add_argument("--tls-cert", metavar="PEM", help="TLS certificate, for a public address")
    serve.add_argument("--tls-key", metavar="PEM", help="TLS private key")
    serve.add_argument("--insecure", action="store_true",
                       help="allow a non-loopback address without TLS (behind a TLS proxy)")
    serve.add_argument("--max-body", type=int, metavar="BYTES",
                       help="largest request body accepted (default 1 MiB)")
    serve.add_argument("--log-format", choices=["text", "json"], default="text",
                       help="the access log (one line per request, on stderr) and the "
                            "server's other log lines: text (default) or JSON lines")
    from deskline.server.cli import add_serve_arguments  # argparse only

    add_serve_arguments(serve)

    token = sub.add_parser("token", help="API tokens for the server")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_sub.add_parser("create", help="make a token; printed once, on its own line")
    _db_arg(create)
    create.add_argument("--agent", required=True, metavar="EMAIL",
                        help="the account the token acts as")
    create.add_argument("--expires", type=int, metavar="DAYS",
                        help="valid for DAYS days (default: until revoked)")
    create.add_argument("--label", default="", help="a note to recognise it by")
    revoke = token_sub.add_parser("revoke", help="revoke a token (by id, or all of an agent's)")
    _db_arg(revoke)
    revoke.add_argument("id", nargs="?", type=int, help="token id (see `deskline token list`)")
    revoke.add_argument("--agent", metavar="EMAIL", help="revoke every token of this account")
    token_list = token_sub.add_parser("list", help="list tokens (never the tokens themselves)")
    _db_arg(token_list)

    customer = sub.add_parser("customer", help="manage customers")
    customer_sub = customer.add_subparsers(dest="customer_command", metavar="ACTION",
                                           required=True)
    cadd = customer_sub.add_parser("add", help="add a customer (and a portal account)")
    _db_arg(cadd)
    cadd.add_argument("email")
    cadd.add_argument("--name", default="")
    cadd.add_argument("--portal", action="store_true",
                      help="also create a portal account, so the customer can get a token")


Console = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    """Run a subcommand; without one, `console` opens the console.

    The engine does not know the console: the `deskline` script (`tui.launch.main`) passes
    it in, so that a server or a script can use every subcommand without Textual.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(commands=not console_only(argv))
    args = parser.parse_args(argv)
    try:
        return _dispatch(args, console)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `deskline tickets | head`: the reader had enough
        import os

        # what is still buffered would fail again as Python exits
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CliError as exc:
        print(f"deskline: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # every refusal the engine makes is one sentence, not a traceback
        from deskline.errors import DesklineError

        if isinstance(exc, DesklineError):
            print(f"deskline: {exc.message}", file=sys.stderr)
            return 1
        import sqlite3

        if isinstance(exc, sqlite3.DatabaseError):
            print(f"deskline: the database cannot be used: {exc}", file=sys.stderr)
            return 1
        if type(exc).__module__.startswith("psycopg"):  # not imported to ask: it is slow
            from deskline.text import plain

            print(f"deskline: PostgreSQL: {plain(str(exc).strip(), one_line=True)}",
                  file=sys.stderr)
            return 1
        if isinstance(exc, OSError):
            print(f"deskline: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
                  file=sys.stderr)
            return 1
        raise
    finally:
        close_databases()


def _dispatch(args: argparse.Namespace, console: Console | None) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command == "tickets" and getattr(args, "tickets_command", None) == "bulk":
        from deskline.cli_bulk import run as run_bulk

        return run_bulk(args, _open_service, CliError)
    if args.command == "tickets":
        from deskline.cli_tickets import run as run_tickets

        return _on_service_or_server(args, run_tickets)
    from deskline.cli_admin import COMMANDS as ADMIN_COMMANDS  # argparse only

    if args.command in ADMIN_COMMANDS:
        from deskline.cli_admin import run as run_admin

        return run_admin(args, _open_service, CliError)
    if args.command in ("import", "export"):
        from deskline.io.commands import run as run_io

        if args.command == "export":  # a read: from the file or a server
            return _on_service_or_server(
                args, lambda a, calls, error: run_io(a, lambda _a: calls, error))
        return run_io(args, _open_service, CliError)
    if args.command == "report":
        from deskline.cli_report import run as run_report

        return _on_service_or_server(
            args, lambda a, calls, error: run_report(a, lambda _a: calls, error))
    if args.command == "maintenance":
        from deskline.cli_maintenance import run as run_maintenance

        return run_maintenance(args, _open_service, CliError)
    if args.command == "notifications":
        from deskline.cli_notifications import run as run_notifications

        return run_notifications(args, _open_service, CliError)
    if args.command == "view":
        from deskline.cli_views import run as run_views

        return run_views(args, _open_service, CliError)
    if args.command in ("webhook", "ticket"):
        from deskline.cli_webhooks import run as run_webhooks

        return run_webhooks(args, _open_service, open_database, CliError)
    if args.command == "copy":
        from deskline.cli_copy import run as run_copy

        return run_copy(args, CliError)
    if args.command == "mail":
        from deskline.mail.commands import run as run_mail

        return run_mail(args, _database)
    if args.command in ("serve", "token", "customer"):
        from deskline.server import cli as server_cli

        return getattr(server_cli, args.command)(args, CliError)
    if args.database is not None:  # the console's store is a file's (tui/prefetch.py too)
        raise CliError("--database: the console opens a file (--db) or a server (--server "
                       "URL of a `deskline serve --database …`); the commands take --database")
    if console is None:
        raise CliError("the console opens with the `deskline` command (or `python -m "
                       "tui.launch`); this entry point runs the subcommands only")
    return console(args)


def _open_service(args: argparse.Namespace):
    from deskline.config import load_config
    from deskline.service import Service, resolve_agent

    store = open_database(args)
    email = getattr(args, "agent", None)
    if email is None:
        config, _problem = load_config(getattr(args, "config", None))
        email = config.agent
    return Service(store, resolve_agent(store, email))


def _demo(args: argparse.Namespace) -> int:
    target = named_database(args)
    if target is None:
        raise CliError("--db: name the file of the demo helpdesk, e.g. --db demo.db (or "
                       "--database postgresql://… for an empty PostgreSQL database)")
    if args.tickets < 1:
        raise CliError("--tickets must be at least 1")
    if isinstance(target, str):
        return _demo_copied(args, target)
    if target.exists():
        if not args.force:
            raise CliError(f"{target} exists; choose a new file or add --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    print(f"Built {target}: {_built_demo(args, target)}.")
    print(f"Open it with: deskline --db {target}")
    return 0


def _built_demo(args: argparse.Namespace, path: Path) -> str:
    """Build the demo into the new file `path` (progress on a terminal); what was built."""
    from deskline.demo import build_demo

    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if interactive:
            print(f"\r  {done:,} / {total:,} tickets", end="", file=sys.stderr, flush=True)

    summary = build_demo(path, tickets=args.tickets, seed=args.seed, progress=progress)
    if interactive:
        print(file=sys.stderr)
    return (f"{summary.tickets:,} tickets, {summary.messages:,} messages, "
            f"{summary.customers:,} customers, {summary.teams} teams, {summary.agents} agents "
            f"in {summary.seconds:.1f} s")


def _demo_copied(args: argparse.Namespace, url: str) -> int:
    """The demo built in a temporary file (SQLite's bulk writing is the demo's), then
    copied into the PostgreSQL database at `url` by `deskline copy` (refused when it holds
    a helpdesk; every table verified)."""
    import io
    import shlex
    import tempfile

    from deskline.cli_copy import run as run_copy

    shown = shlex.quote(shown_target(url))
    with tempfile.TemporaryDirectory(prefix="deskline-demo-") as folder:
        built = Path(folder) / "demo.db"
        what = _built_demo(args, built)
        report = io.StringIO()  # a line per table: only its verdict is shown
        with contextlib.redirect_stdout(report):
            code = run_copy(argparse.Namespace(source=str(built), destination=url,
                                               verify_only=False), CliError)
    verdict = report.getvalue().strip().splitlines()[-1]
    if code:
        raise CliError(f"the demo's copy into {shown_target(url)}: {verdict}")
    print(f"Built {what}, copied into {shown_target(url)}: {verdict}")
    print(f"Serve it with: deskline serve --database {shown} (consoles use --server)")
    return 0


def _on_service_or_server(args: argparse.Namespace, handler) -> int:
    """Run a read command's `handler(args, calls, CliError)` on the local service, or on
    the server the options or the environment name (`cli_server.py`)."""
    from deskline.cli_server import RemoteCalls, server_target

    target = server_target(args)
    if target is None:
        return handler(args, _open_service(args), CliError)
    calls = RemoteCalls(*target)
    try:
        return handler(args, calls, CliError)
    finally:
        calls.close()


if __name__ == "__main__":
    raise SystemExit(main())
