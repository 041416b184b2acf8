"""The settings area (admins only): a hub listing sections, each a screen of its own
module, imported when opened. A section whose module is not there is listed as
"(not available)" instead of breaking the hub.

`SECTIONS` is the one table of them: (key, title, module, class name); each class is a
Screen that takes no constructor arguments.
"""

from __future__ import annotations

import importlib
import importlib.util

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from tui import keymap
from tui.base import DesklineScreen
from widgets.keybar import KeyBar
from widgets.rows import Row, RowList
from widgets.titleline import TitleLine

SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("teams", "Teams", "tui.screens.settings.teams", "TeamSettings"),
    ("stages", "Stages", "tui.screens.settings.stages", "StageSettings"),
    ("agents", "Agents", "tui.screens.settings.agents", "AgentSettings"),
    ("sla", "SLA policies", "tui.screens.settings.sla", "SlaSettings"),
    ("templates", "Mail templates", "tui.screens.settings.templates", "TemplateSettings"),
    ("catalog", "Organizations, projects and tags", "tui.screens.settings.catalog",
     "CatalogSettings"),
    ("tokens", "API tokens", "tui.screens.settings.tokens", "TokenSettings"),
    ("audit", "Audit trail", "tui.screens.settings.audit", "AuditSettings"),
    ("team_canned", "Canned replies", "tui.screens.canned", "TeamCannedReplies"),
    ("webhooks", "Webhooks", "tui.screens.settings.webhooks", "WebhookSettings"),
)
NOT_ADMIN = "Settings are for admins."
BLURBS = {
    "teams": "aliases, visibility, members, calendar",
    "stages": "order, closing, mail on arrival",
    "agents": "roles, deactivation, time off, teams",
    "sla": "deadlines per team",
    "templates": "mails sent to customers",
    "catalog": "customers' organizations and projects, tags",
    "tokens": "server access per agent",
    "audit": "who changed what, when",
    "team_canned": "the teams' replies for the composer",
    "webhooks": "events sent to other systems, delivery log",
}


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def section_class(key: str) -> type[Screen] | None:
    """The screen class of a section, or None when its module is not there (yet)."""
    entry = next((s for s in SECTIONS if s[0] == key), None)
    if entry is None or not available(entry[2]):
        return None
    try:
        return getattr(importlib.import_module(entry[2]), entry[3], None)
    except ImportError:  # a section half there (a dependency missing) is just unavailable
        return None


def is_admin(app) -> bool:
    me = getattr(app, "me", None)
    return me is not None and getattr(me.role, "value", me.role) == "admin" and \
        getattr(me, "active", True)


def open_settings(app, section: str | None = None) -> None:
    """The hub (or one section) for an admin; anyone else is told and nothing opens."""
    if not is_admin(app):
        app.notify(NOT_ADMIN, severity="warning", timeout=5, markup=False)
        return
    if section is None:
        app.push_screen(SettingsHub())
        return
    cls = section_class(section)
    if cls is None:
        app.notify(f"{section}: not available in this version.", severity="warning",
                   timeout=5, markup=False)
    else:
        app.push_screen(cls())


class SettingsHub(DesklineScreen):
    SCOPE = "settings"
    AUTO_FOCUS = "#sections"
    BINDINGS = keymap.bindings("settings")
    DEFAULT_CSS = """
    #sections { height: 1fr; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield TitleLine(Text("Deskline · Settings (admin)"), id="title")
        yield Static(Text("Sections"), classes="section")
        rows = RowList("(no sections)", id="sections")
        rows.set_rows(self._rows())
        yield rows
        yield KeyBar(keymap.hints("settings"))

    @staticmethod
    def _rows() -> list[Row]:
        rows: list[Row] = []
        for key, title, module, _cls in SECTIONS:
            if available(module):
                rows.append([(f"{title:<34}", "strong"), (BLURBS.get(key, ""), "dim")])
            else:
                rows.append([(f"{title:<34}", "dim"), ("(not available)", "dim")])
        return rows

    def on_mount(self) -> None:
        self.query_one(RowList).set_rows(self._rows())

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one(RowList)
        rows.select(rows.selected + delta)

    def action_open(self) -> None:
        self._open(self.query_one(RowList).selected)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        self._open(event.index)

    def _open(self, index: int) -> None:
        key, title, _module, _cls = SECTIONS[index]
        cls = section_class(key)
        if cls is None:
            self.app.notify(f"{title}: not available in this version.", severity="warning",
                            timeout=4, markup=False)
            return
        self.app.push_screen(cls())

    def action_back(self) -> None:
        self.app.pop_screen()
