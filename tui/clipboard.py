"""Copying to the clipboard and opening addresses, from any screen.

Copying is Textual's `App.copy_to_clipboard`: an OSC 52 sequence, which reaches the
agent's own terminal over SSH and tmux where they allow it. What is copied is what the
screen shows (sanitized), so pasting it into a terminal cannot run anything either.

A browser is started only where one can show the page to the agent: never over SSH (it
would open on the jump host, or a text browser would take over the terminal), on Linux
only with a display. Elsewhere the address is copied instead, and the notice says so.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from textual.screen import Screen

from deskline import links
from deskline.text import plain
from widgets.lines import truncate


def copy(screen: Screen, text: str, what: str) -> None:
    """Copy `text`, and say what was copied."""
    screen.app.copy_to_clipboard(text)
    first = plain(text, one_line=True)
    screen.notify(f"Copied {what}: {truncate(first, 60)}", timeout=4, markup=False)


def browser_here(environ: Mapping[str, str] | None = None,
                 platform: str | None = None) -> bool:
    """Can a browser started here show a page to the agent?"""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")):
        return False
    if (platform or sys.platform) in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def follow(screen: Screen, url: str) -> None:
    """Open an http(s) address in the browser, or copy it where no browser can show it."""
    if not links.is_web(url):  # the picker offers only these; a last check all the same
        screen.notify("Only http and https addresses are opened.", severity="warning",
                      timeout=4, markup=False)
        return
    if screen.app.is_web or browser_here():
        screen.app.open_url(url)
        screen.notify(f"Opening {links.shown(url)}", timeout=4, markup=False)
        return
    screen.app.copy_to_clipboard(url)
    screen.notify(f"No browser on this machine: copied {links.shown(url)}", timeout=6,
                  markup=False)
