"""The agent's own text editor ($VISUAL, $EDITOR, or the config's `editor`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskline.config import Config


def editor_command(config: Config | None) -> str | None:
    return (config.editor if config and config.editor else None) or \
        os.environ.get("VISUAL") or os.environ.get("EDITOR")
