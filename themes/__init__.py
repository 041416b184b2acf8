"""Deskline's themes and the app's stylesheet.

Four themes: a dark and a light one of our own, a high-contrast one, and `deskline-ansi`,
which uses the terminal's own 16 colours (for jump hosts and `TERM=screen`). Colour is
never the only signal: every status also shows as text or a glyph, so the console stays
usable under `NO_COLOR` too.
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

CSS_PATH = Path(__file__).with_name("deskline.tcss")
DEFAULT_THEME = "deskline-dark"

THEMES: dict[str, Theme] = {
    "deskline-dark": Theme(
        name="deskline-dark",
        primary="#5aa9e6",
        secondary="#7fc8a9",
        accent="#f5b971",
        warning="#f5b971",
        error="#ef6f6c",
        success="#7fc8a9",
        foreground="#dfe3e8",
        background="#16191d",
        surface="#1e2227",
        panel="#262b31",
        dark=True,
        variables={"internal-background": "#33291a", "footer-key-foreground": "#5aa9e6"},
    ),
    "deskline-light": Theme(
        name="deskline-light",
        primary="#1f6fb2",
        secondary="#2f8f6b",
        accent="#b25e00",
        warning="#9a5b00",
        error="#b3261e",
        success="#2f7d32",
        foreground="#1d2126",
        background="#f7f7f5",
        surface="#ecece8",
        panel="#e0e0da",
        dark=False,
        variables={"internal-background": "#fbefd5", "footer-key-foreground": "#1f6fb2"},
    ),
    "deskline-contrast": Theme(
        name="deskline-contrast",
        primary="#00d7ff",
        secondary="#00ff87",
        accent="#ffff00",
        warning="#ffff00",
        error="#ff5f5f",
        success="#00ff87",
        foreground="#ffffff",
        background="#000000",
        surface="#000000",
        panel="#1c1c1c",
        dark=True,
        luminosity_spread=0.3,
        text_alpha=1.0,
        variables={"internal-background": "#3a3a00", "footer-key-foreground": "#ffff00"},
    ),
    "deskline-ansi": Theme(
        name="deskline-ansi",
        ansi=True,
        primary="ansi_blue",
        secondary="ansi_cyan",
        accent="ansi_yellow",
        warning="ansi_yellow",
        error="ansi_red",
        success="ansi_green",
        foreground="ansi_default",
        background="ansi_default",
        surface="ansi_default",
        panel="ansi_default",
        boost="ansi_default",
        dark=True,
        variables={
            "internal-background": "ansi_default",
            "footer-key-foreground": "ansi_bright_blue",
            "ansi-background": "ansi_black",
            "ansi-foreground": "ansi_white",
            "border-blurred": "ansi_black",
            "block-cursor-foreground": "ansi_black",
            "block-cursor-background": "ansi_white",
            "input-cursor-background": "ansi_white",
            "input-cursor-foreground": "ansi_black",
            "input-cursor-text-style": "none",
            "input-selection-background": "ansi_blue",
            "input-selection-foreground": "ansi_bright_white",
            "screen-selection-background": "ansi_blue",
            "screen-selection-foreground": "ansi_bright_white",
        },
    ),
}

THEME_LABELS = {
    "deskline-dark": "Deskline dark",
    "deskline-light": "Deskline light",
    "deskline-contrast": "High contrast",
    "deskline-ansi": "Terminal's 16 colours",
}
