"""The `deskline` command: the engine's subcommands, and the console when none is given.

The console lives here, not in `deskline.cli`, because the engine never imports the
console: `main` hands `run_console` to the engine's command line, which calls it only when
no subcommand was named. Nothing heavy is imported until then (`deskline --help` stays
fast).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from deskline.cli import CliError
from deskline.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(argv, console=run_console)


def run_console(args: argparse.Namespace) -> int:
    """Open the console (the Textual app) on the database, as the chosen agent.

    Nothing heavy runs before the first frame: the config file is read with tomllib only
    (validated by `load_config` behind the first frame, which reports any problem), and a
    helper process fetches the dashboard while this one imports Textual.
    """
    import gc
    import os

    # Start-up allocates a great many objects and frees few: the cyclic collector would
    # walk them again and again (a third of the import time). The app turns it back on
    # once it is up (`DesklineApp._started`).
    gc.disable()
    raw, config_path = _raw_config(getattr(args, "config", None))
    trace = _tracer(os.environ["DESKLINE_TRACE"]) if os.environ.get("DESKLINE_TRACE") else None
    server = _server_url(args, raw)
    helper = None
    if server:
        token = os.environ.get("DESKLINE_TOKEN") or _text(raw.get("token"))
        if not token:
            raise CliError(f"{server} needs a token: set DESKLINE_TOKEN or the config file's "
                           "token (an admin makes one with `deskline token create`)")

        async def open_backend():
            import asyncio

            module = await asyncio.to_thread(__import__, "deskline.remote",
                                             fromlist=["RemoteBackend"])
            return await module.RemoteBackend.open(server, token)
    else:
        path = _console_db(args, raw)
        email = getattr(args, "agent", None) or _text(raw.get("agent"))
        from tui import prefetch

        helper = prefetch.start(str(path), email, trace)

        async def open_backend():
            import asyncio

            # Imported off the UI thread: the first frame does not wait for the engine.
            module = await asyncio.to_thread(__import__, "deskline.local",
                                             fromlist=["LocalBackend"])
            return await module.LocalBackend.open(path, email)

    from tui.app import DesklineApp, default_drafts_path

    if trace:
        trace("app-imported")
    app = DesklineApp(open_backend, raw_config=raw, config_path=config_path,
                      drafts_path=default_drafts_path, open_ticket=args.ticket, trace=trace,
                      prefetch=helper)
    app.run()
    unsent = app.drafts.unsent()
    if unsent:
        print("deskline: unsent drafts kept for " + ", ".join(f"ticket id {t}" for t in unsent)
              + f" in {app.drafts.path}", file=sys.stderr)
    return app.return_code or 0


def _text(value: object) -> str | None:
    """A config value that must be a string, or None (the config is validated later)."""
    return value if isinstance(value, str) and value else None


def _server_url(args: argparse.Namespace, raw: dict) -> str | None:
    """--server, else (unless --db names a file) $DESKLINE_SERVER or the config's server."""
    import os

    if getattr(args, "server", None):
        return args.server
    if args.db is not None:
        return None
    return os.environ.get("DESKLINE_SERVER") or _text(raw.get("server"))


def _console_db(args: argparse.Namespace, raw: dict) -> Path:
    """The helpdesk file as the command line finds it, with the config read raw."""
    from deskline.paths import NoDatabase, resolve_db

    try:
        return resolve_db(args.db, lambda: _text(raw.get("db")))
    except NoDatabase as exc:
        raise CliError(str(exc)) from None


def _raw_config(path: Path | None) -> tuple[dict, Path | None]:
    """The config file as plain TOML (no validation yet), and its path; {} when unreadable."""
    import os

    if path is None:
        if os.environ.get("DESKLINE_CONFIG"):
            path = Path(os.environ["DESKLINE_CONFIG"])
        else:
            from deskline.paths import config_file

            path = config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}, path
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(text), path
    except ValueError:
        return {}, path


def _tracer(path: str):
    """For bench/console.py: write `event seconds` lines (monotonic clock) to `path`."""
    import time

    out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    def trace(event: str) -> None:
        out.write(f"{event} {time.monotonic():.6f}\n")

    return trace


if __name__ == "__main__":
    raise SystemExit(main())
