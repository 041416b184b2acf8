"""Where Deskline keeps its files, from platformdirs; each overridable by the environment."""

from __future__ import annotations

import os
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

