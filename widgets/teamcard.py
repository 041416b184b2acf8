"""A card of one team on the dashboard: its name and figures, as text with glyphs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from deskline.text import plain

if TYPE_CHECKING:
    from deskline.models import TeamFigures


class TeamCard(Static):
    def __init__(self, figures: TeamFigures, **kwargs) -> None:
        super().__init__(**kwargs)
        self.figures = figures
        # Text, not str: a str border title is parsed as markup ("Team [/]" would raise).
        self.border_title = Text(plain(figures.team_name, one_line=True))

    def set_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")
        self.border_title = Text(("▶ " if selected else "") +
                                 plain(self.figures.team_name, one_line=True))

    def render(self) -> Text:
        f = self.figures
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{f.open:,}", "bold")
        text.append(" open  ")
        text.append(f"{f.unassigned:,}", "bold")
        text.append(" unassigned  ")
        text.append(f"{f.mine:,}", "bold")
        text.append(" mine\n")
        text.append(f"{f.urgent:,} !!! urgent", "bold" if f.urgent else "")
        text.append("  ")
        failed = f"{f.sla_failed:,} ✗ SLA failed"
        text.append(failed, "bold reverse" if f.sla_failed else "")
        return text
