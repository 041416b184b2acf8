"""The config file: TOML read with tomllib, validated by a pydantic model.

A bad file never stops Deskline: `load_config` returns the defaults and a message that
names the line of the problem, for the caller to show.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deskline.paths import config_file


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db: str | None = None  # database file for the local console
    agent: str | None = None  # email of the agent the console acts as
    server: str | None = None  # URL of a Deskline server
    token: str | None = None  # bearer token for that server
    theme: str = "deskline-dark"  # deskline-dark, deskline-light, deskline-contrast, deskline-ansi
    keys: dict[str, str] = Field(default_factory=dict)  # binding id -> key(s), see tui/keymap.py
    editor: str | None = None  # command to write replies in; default $VISUAL, $EDITOR


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def line_of(path: Path | None, key: str) -> int | None:
    """The line of the config file that sets `key` (bare or quoted), for messages."""
    try:
        return _line_of((path or config_file()).read_text(encoding="utf-8"), key)
    except OSError:
        return None


def load_config(path: Path | None = None) -> tuple[Config, str | None]:
    """(config, problem): the defaults and a one-line message when the file is bad."""
    path = path or config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), None
    except OSError as exc:
        return Config(), f"cannot read config {path}: {exc.strerror}; using defaults"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(), f"config {path}: {exc}; using defaults"
    try:
        return Config.model_validate(data), None
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][-1]) if first["loc"] else ""
        line = _line_of(text, key) if key else None
        where = f" line {line}" if line else ""
        return Config(), (f"config {path}{where}: {key or 'file'}: {first['msg']}; "
                          "using defaults")
