"""Where Deskline keeps its files, from platformdirs; each overridable by the environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

APP = "deskline"


def config_file() -> Path:
    if os.environ.get("DESKLINE_CONFIG"):
        return Path(os.environ["DESKLINE_CONFIG"])
    from platformdirs import user_config_path

    return user_config_path(APP) / "config.toml"


def default_db() -> Path:
    if os.environ.get("DESKLINE_DB"):
        return Path(os.environ["DESKLINE_DB"])
    from platformdirs import user_data_path

    return user_data_path(APP) / "deskline.db"



class NoDatabase(FileNotFoundError):
    """No helpdesk file where one was looked for; the message says how to make one."""


def resolve_db(db: Path | None, configured: Callable[[], str | None] = lambda: None, *,
               must_exist: bool = True) -> Path:
    """The helpdesk file, for the command line and the console alike: `db` (--db), else
    $DESKLINE_DB, else the config file's `db` (`configured()`, asked only then: the console
    reads its config raw, the command line validated), else the platform's data folder."""
    if db is not None:
        path = db
    elif os.environ.get("DESKLINE_DB"):
        path = Path(os.environ["DESKLINE_DB"])
    else:
        name = configured()
        path = Path(name).expanduser() if name else default_db()
    if must_exist and not path.exists():
        raise NoDatabase(f"no database at {path}; make a helpdesk with `deskline init --db {path} "
                         f"--admin EMAIL`, try the demo with `deskline demo --db {path}`, or "
                         "name another file with --db")
    return path
