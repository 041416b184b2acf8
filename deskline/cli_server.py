"""The read commands (`tickets`, `report`) against a Deskline server, as the console does:
`--server URL`, else — unless `--db` or `--database` names a database — `$DESKLINE_SERVER`
or the config file's `server`; the token from `$DESKLINE_TOKEN` or the config file's `token`.

`RemoteCalls` gives a command the remote backend's methods as plain calls, under the same
names as the `Service` methods it calls locally, so one handler serves both."""

from __future__ import annotations

import argparse
import os
from typing import Any

from deskline.errors import CliError


def server_target(args: argparse.Namespace) -> tuple[str, str] | None:
    """(url, token) of the server the command reads from, or None for the local file."""
    from deskline.config import load_config

    config, _problem = load_config(getattr(args, "config", None))
    url = getattr(args, "server", None)
    if not url and getattr(args, "db", None) is None and \
            getattr(args, "database", None) is None:
        url = os.environ.get("DESKLINE_SERVER") or config.server
    if not url:
        return None
    token = os.environ.get("DESKLINE_TOKEN") or config.token
    if not token:
        raise CliError(f"{url} needs a token: set DESKLINE_TOKEN or the config file's token "
                       "(an admin makes one with `deskline token create`)")
    if getattr(args, "agent", None):
        raise CliError("--as: on a server the token says who you are")
    return url, token


class RemoteCalls:
    """A `RemoteBackend` whose methods are called synchronously (on a private event loop)."""

    remote = True  # what io/commands.py asks (it may not import this module: io ← server)

    def __init__(self, url: str, token: str) -> None:
        import asyncio

        from deskline.remote import RemoteBackend

        self._loop = asyncio.new_event_loop()
        self._backend = self._loop.run_until_complete(RemoteBackend.open(url, token))

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._backend, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(method(*args, **kwargs))

        return call

    def close(self) -> None:
        self._loop.run_until_complete(self._backend.close())
        self._loop.close()
