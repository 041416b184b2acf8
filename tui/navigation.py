"""Screens that open from anywhere by name: the dashboard's keys (`app.open_screen(...)`)
and the palette's "Open: …" and "Settings: …" entries, from one table."""

from __future__ import annotations

from typing import Any, NamedTuple


class Place(NamedTuple):
    name: str  # what `app.open_screen` is given
    label: str  # the palette's entry
    help: str


PLACES: tuple[Place, ...] = (
    Place("new_ticket", "Open: New ticket", "a call or a walk-in: subject, customer, team…"),
    Place("customers", "Open: Customers", "list, filter, edit, create and invite"),
    Place("unassigned", "Open: Customers without organization", "move them into one"),
    Place("organizations", "Open: Organizations", "their customers and tickets"),
    Place("import", "Open: Import customers or tickets from CSV", "map, check, import"),
    Place("reports", "Open: Reports", "charts by team, agent and period"),
    Place("views", "Open: Saved views", "your named ticket lists across teams"),
    Place("settings", "Open: Settings", "teams, stages, agents, SLA, templates… (admins)"),
    Place("canned", "Open: Canned replies", "your own replies for the composer, and your "
          "teams'"),
    # Settings sections (admins): tui/screens/settings SECTIONS.
    Place("sla", "Settings: SLA policies", "per team: targets, hours, recompute"),
    Place("templates", "Settings: Mail templates", "edit with a live preview"),
    Place("catalog", "Settings: Organizations, projects and tags",
          "create, rename, merge tags, delete"),
    Place("tokens", "Settings: API tokens", "every agent's tokens; revoke"),
    Place("audit", "Settings: Audit trail", "who changed what, newest first"),
    Place("team_canned", "Settings: Canned replies of the teams", "offered to the teams' "
          "agents in the composer"),
    Place("webhooks", "Settings: Webhooks", "endpoints, event types, delivery log"),
)


def open_screen(app: Any, name: str) -> None:
    """Push the screen of `PLACES` called `name`; each module is imported when opened."""
    if name == "new_ticket":  # the shown screen's team, if it has one
        from tui.screens.new_ticket import open_new_ticket

        open_new_ticket(app.screen)
    elif name in ("customers", "unassigned"):
        from tui.screens.customers import CustomersScreen

        app.push_screen(CustomersScreen(unassigned=name == "unassigned"))
    elif name == "organizations":
        from tui.screens.organizations import OrganizationsScreen

        app.push_screen(OrganizationsScreen())
    elif name == "import":
        from tui.screens.importer import ImportScreen

        app.push_screen(ImportScreen())
    elif name == "reports":
        from tui.screens.reports import ReportsScreen

        app.push_screen(ReportsScreen())
    elif name == "canned":  # every agent: their own replies (and admins the teams')
        from tui.screens.canned import CannedReplies

        app.push_screen(CannedReplies())
    elif name == "views":
        from tui.screens.views import ViewsScreen

        app.push_screen(ViewsScreen())
    else:  # the settings hub or one of its sections: admins only (open_settings tells)
        from tui.screens.settings import open_settings

        open_settings(app, None if name == "settings" else name)
