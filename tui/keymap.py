"""Every key binding of the console, with a stable id, remappable in the config file.

```toml
[keys]
"board.stage_next" = "greater_than_sign,L"
"ticket.send" = "f5"
```

Defaults use letters, F-keys, `ctrl+letter`, `escape` and `enter` only: `ctrl+enter`,
`shift+enter`, `alt+…`, `ctrl+h`, `ctrl+i` and `ctrl+m` do not arrive over many SSH and
tmux paths (or arrive as backspace, tab and enter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class KeySpec:
    id: str  # stable: "scope.name"; what the config file names
    keys: str  # default keys, comma separated, in Textual's key names
    action: str  # the action run on the screen (or app, for scope "app")
    description: str  # what help and the palette say
    show: bool = False  # shown in the key bar
    short: str | None = None  # what the key bar says (80 columns are few); else description

    @property
    def scope(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def label(self) -> str:
        return self.short or self.description


@dataclass(frozen=True)
class Scope:
    name: str  # the first part of its specs' ids; a screen's SCOPE
    title: str  # what the palette puts before each spec's description
    heading: str  # what help (F1) calls the scope
    specs: tuple[KeySpec, ...]


SCOPES: tuple[Scope, ...] = (
    Scope("app", "", "Everywhere", (
        KeySpec("app.palette", "ctrl+p", "command_palette", "Command palette", True,
                short="palette"),
        KeySpec("app.help", "f1,question_mark", "help", "Keys of this screen", True, short="keys"),
        KeySpec("app.search", "f2,ctrl+f", "search", "Search tickets and messages"),
        KeySpec("app.dashboard", "f3", "dashboard", "Go to the dashboard"),
        KeySpec("app.theme", "f9", "next_theme", "Next theme"),
        KeySpec("app.quit", "ctrl+q,f10", "quit", "Quit"),
        # The key bar names it next to the unread count (tui/screens/inbox.py).
        KeySpec("app.inbox", "f7", "inbox", "Notifications: open the inbox"),
    )),
    Scope("dashboard", "Dashboard: ", "Dashboard", (
        KeySpec("dashboard.up", "up,k", "cursor(-1)", "Previous team"),
        KeySpec("dashboard.down", "down,j", "cursor(1)", "Next team"),
        KeySpec("dashboard.left", "left,h", "cursor(-1)", "Previous team"),
        KeySpec("dashboard.right", "right,l", "cursor(1)", "Next team"),
        KeySpec("dashboard.open", "enter", "open", "Open the team's board (or my ticket)", True,
                short="open"),
        KeySpec("dashboard.unassigned", "u", "open_filtered('unassigned')",
                "Unassigned tickets of the team", True, short="unassigned"),
        KeySpec("dashboard.mine", "m", "open_filtered('mine')", "My tickets in the team", True,
                short="mine"),
        # Not in the key bar: the list's own title says "tab to switch" (80 columns are few).
        KeySpec("dashboard.my_list", "tab,t", "toggle_list", "Switch to my open tickets",
                short="my tickets"),
        KeySpec("dashboard.search", "slash,s", "search", "Search", True, short="search"),
        KeySpec("dashboard.refresh", "r", "refresh", "Refresh the figures"),
        # In the key bar (admins only, see DashboardScreen): a new admin's way in.
        KeySpec("dashboard.settings", "S,f4", "app.open_screen('settings')",
                "Settings: teams, stages, agents… (admins)", True, short="settings"),
        KeySpec("dashboard.quit", "q", "quit", "Quit", True, short="quit"),
        KeySpec("dashboard.customers", "c", "app.open_screen('customers')", "Customers…"),
        KeySpec("dashboard.organizations", "o", "app.open_screen('organizations')",
                "Organizations…"),
        KeySpec("dashboard.import", "i", "app.open_screen('import')", "Import a CSV file…"),
        KeySpec("dashboard.reports", "R", "app.open_screen('reports')", "Reports…"),
        KeySpec("dashboard.new_team", "n", "new_team", "Create a team (admins)…"),
        KeySpec("dashboard.new_ticket", "N", "new_ticket",
                "New ticket in the team (a call, a walk-in)…"),
        KeySpec("dashboard.follow_team", "F", "follow_team",
                "Follow the team's tickets in the inbox (again: stop)"),
        KeySpec("dashboard.inbox", "I", "app.inbox", "Notifications: open the inbox"),
        # Saved views (tui/screens/views.py); the dashboard's views line names the key.
        KeySpec("dashboard.views", "v", "app.open_screen('views')", "My saved views…"),
    )),
    Scope("board", "Board: ", "Board", (
        KeySpec("board.left", "left,h", "column(-1)", "Previous column"),
        KeySpec("board.right", "right,l", "column(1)", "Next column"),
        KeySpec("board.up", "up,k", "cursor(-1)", "Previous ticket"),
        KeySpec("board.down", "down,j", "cursor(1)", "Next ticket"),
        KeySpec("board.page_up", "pageup", "cursor(-8)", "Page up"),
        KeySpec("board.page_down", "pagedown", "cursor(8)", "Page down"),
        KeySpec("board.top", "home,g", "top", "First ticket of the column"),
        KeySpec("board.open", "enter", "open", "Open the ticket", True, short="open"),
        KeySpec("board.stage_prev", "less_than_sign,H", "move(-1)", "Move to the previous stage",
                True, short="stage"),
        KeySpec("board.stage_next", "greater_than_sign,L", "move(1)", "Move to the next stage",
                True, short="stage"),
        KeySpec("board.assign_me", "a", "assign_me", "Assign to me", True, short="take"),
        KeySpec("board.assign", "A", "assign", "Assign to someone…"),
        KeySpec("board.priority", "p", "priority", "Change priority…", True, short="prio"),
        # Marking and acting on the marked come before folding and filtering: the key bar
        # is cut at 80 columns.
        KeySpec("board.mark", "space", "mark", "Mark or unmark the ticket (merge, bulk actions)",
                True, short="mark"),
        KeySpec("board.bulk", "b", "bulk", "Bulk action on the marked tickets…", True,
                short="bulk"),
        KeySpec("board.merge", "M", "merge", "Merge the marked tickets", True, short="merge"),
        KeySpec("board.fold", "f", "fold", "Fold or unfold the column", True, short="fold"),
        KeySpec("board.filter", "slash", "filter", "Filter by text…", True, short="filter"),
        KeySpec("board.mine", "m", "toggle_filter('mine')", "Only my tickets"),
        KeySpec("board.unassigned", "u", "toggle_filter('unassigned')", "Only unassigned"),
        KeySpec("board.tag", "t", "filter_tag", "Filter by tag…"),
        KeySpec("board.priority_filter", "P", "filter_priority", "Filter by priority…"),
        KeySpec("board.project_filter", "o", "filter_project", "Filter by project…"),
        KeySpec("board.clear", "c", "clear_filter", "Clear the filters"),
        KeySpec("board.new_ticket", "N", "new_ticket", "New ticket in this column's stage…"),
        KeySpec("board.delete", "D", "delete", "Delete the ticket (admins)…"),
        KeySpec("board.refresh", "r", "refresh", "Reload the board"),
        KeySpec("board.back", "escape", "back", "Back"),
        # Bulk actions (tui/bulk.py)
        KeySpec("board.mark_all", "V", "mark_all",
                "Mark all tickets that match the filter (again: clear the marks)"),
        KeySpec("board.undo_bulk", "U", "undo_bulk", "Undo my last bulk action"),
        # Saved views (tui/screens/views.py)
        KeySpec("board.save_view", "ctrl+s", "save_view", "Save this filter as a view…"),
    )),
    Scope("ticket", "Ticket: ", "Ticket", (
        KeySpec("ticket.up", "up,k", "cursor(-1)", "Previous message"),
        KeySpec("ticket.down", "down,j", "cursor(1)", "Next message"),
        KeySpec("ticket.top", "home,g", "top", "First message"),
        KeySpec("ticket.bottom", "end,G", "bottom", "Last message"),
        KeySpec("ticket.reply", "r", "compose('reply')", "Write a reply to the customer", True,
                short="reply"),
        KeySpec("ticket.comment", "c", "compose('comment')", "Write an internal comment", True,
                short="comment"),
        KeySpec("ticket.send", "ctrl+s,f5", "send", "Send the reply or comment", True,
                short="send"),
        KeySpec("ticket.switch_tab", "ctrl+t,f6", "switch_tab", "Switch Reply / Comment"),
        KeySpec("ticket.editor", "f4,ctrl+o", "editor", "Write in $EDITOR"),
        KeySpec("ticket.complete", "ctrl+n", "complete", "Complete the @mention"),
        KeySpec("ticket.canned", "ctrl+r", "canned",
                "Insert a canned reply (or type :: at the start of a line)"),
        KeySpec("ticket.edit", "e", "edit", "Edit the fields…", True, short="edit"),
        KeySpec("ticket.stage_prev", "less_than_sign,H", "move(-1)", "Move to the previous stage"),
        KeySpec("ticket.stage_next", "greater_than_sign,L", "move(1)", "Move to the next stage"),
        KeySpec("ticket.assign_me", "a", "assign_me", "Assign to me"),
        KeySpec("ticket.assign", "A", "assign", "Assign to someone…"),
        KeySpec("ticket.priority", "p", "priority", "Change priority…"),
        KeySpec("ticket.follow", "f", "follow", "Follow / unfollow"),
        KeySpec("ticket.mark", "space", "mark", "Select the message for a split"),
        KeySpec("ticket.split", "S", "split", "Split the selected messages out"),
        KeySpec("ticket.merge", "M", "merge", "Merge with a ticket found by search"),
        KeySpec("ticket.archive", "X", "archive", "Archive / restore"),
        KeySpec("ticket.hand_off", "O", "hand_off", "Hand to sales (a note, then archived)…"),
        KeySpec("ticket.delete", "D", "delete", "Delete the ticket (admins)…"),
        KeySpec("ticket.files", "d", "files", "Save the files that came with the mails…"),
        KeySpec("ticket.copy_number", "y", "copy('number')", "Copy the ticket number"),
        KeySpec("ticket.copy_email", "Y", "copy('email')", "Copy the customer's email"),
        KeySpec("ticket.copy_message", "m", "copy('message')", "Copy the selected message"),
        KeySpec("ticket.links", "o", "links", "Links in the messages: open or copy…"),
        KeySpec("ticket.preview", "ctrl+g", "preview",
                "Preview the reply or comment (Markdown)"),
        KeySpec("ticket.attach", "f8,ctrl+l", "attach", "Attach a file to the reply…"),
        KeySpec("ticket.back", "escape", "back", "Back (keeps the draft)", True, short="back"),
    )),
    Scope("merge", "Merge: ", "Merge", (
        KeySpec("merge.up", "up,k", "row(-1)", "Previous field"),
        KeySpec("merge.down", "down,j", "row(1)", "Next field"),
        KeySpec("merge.left", "left,h", "choose(-1)", "Take the value on the left"),
        KeySpec("merge.right", "right,l", "choose(1)", "Take the value on the right"),
        KeySpec("merge.confirm", "ctrl+s,f5", "confirm", "Merge", True, short="merge"),
        KeySpec("merge.cancel", "escape", "cancel", "Cancel", True, short="cancel"),
    )),
    Scope("search", "Search: ", "Search", (
        KeySpec("search.up", "up", "cursor(-1)", "Previous result"),
        KeySpec("search.down", "down", "cursor(1)", "Next result"),
        KeySpec("search.open", "enter", "open", "Open the ticket", True, short="open"),
        KeySpec("search.back", "escape", "back", "Back", True, short="back"),
        # Bulk actions (tui/bulk.py): the line keeps the letters for the search
        KeySpec("search.mark", "ctrl+t,f6", "mark", "Mark or unmark the result", True,
                short="mark"),
        KeySpec("search.bulk", "ctrl+b", "bulk", "Bulk action on the marked results…", True,
                short="bulk"),
        KeySpec("search.undo_bulk", "f8", "undo_bulk", "Undo my last bulk action", True,
                short="undo"),
    )),
    Scope("edit", "Edit: ", "edit", (
        KeySpec("edit.save", "ctrl+s,f5", "save", "Save the fields", True, short="save"),
        KeySpec("edit.cancel", "escape", "cancel", "Cancel", True, short="cancel"),
    )),
    Scope("dialog", "Dialog: ", "Dialog", (
        KeySpec("dialog.cancel", "escape", "cancel", "Cancel", True, short="cancel"),
    )),
    Scope("links", "Links: ", "Links", (
        KeySpec("links.open", "enter", "open", "Open the address (copy it without a browser)",
                True, short="open"),
        KeySpec("links.copy", "c", "copy", "Copy the address", True, short="copy"),
        KeySpec("links.cancel", "escape", "cancel", "Cancel", True, short="cancel"),
    )),
    Scope("help", "Help: ", "help", (
        KeySpec("help.close", "escape,f1,q", "close", "Close", True, short="close"),
    )),
    Scope("customers", "Customers: ", "Customers", (
        KeySpec("customers.up", "up,k", "cursor(-1)", "Previous customer"),
        KeySpec("customers.down", "down,j", "cursor(1)", "Next customer"),
        KeySpec("customers.page_up", "pageup", "cursor(-10)", "Page up"),
        KeySpec("customers.page_down", "pagedown", "cursor(10)", "Page down"),
        KeySpec("customers.top", "home,g", "top", "First customer"),
        KeySpec("customers.open", "enter", "open", "Open the customer and their tickets", True,
                short="open"),
        KeySpec("customers.filter", "slash", "filter", "Filter by name or email…", True,
                short="filter"),
        KeySpec("customers.organization", "o", "organization", "Filter by organization…", True,
                short="org"),
        KeySpec("customers.project", "p", "project", "Filter by project…"),
        KeySpec("customers.unassigned", "u", "unassigned", "Only customers without organization",
                True, short="no org"),
        KeySpec("customers.clear", "c", "clear", "Clear the filters"),
        KeySpec("customers.move", "m", "move", "Move into an organization…", True, short="move"),
        KeySpec("customers.edit", "e", "edit", "Edit the customer…", True, short="edit"),
        KeySpec("customers.new", "n", "new", "New customer (email only)…", True, short="new"),
        KeySpec("customers.invite", "I", "invite", "New customer and send an invitation…"),
        KeySpec("customers.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("customer", "Customer: ", "Customer", (
        KeySpec("customer.up", "up,k", "cursor(-1)", "Previous ticket"),
        KeySpec("customer.down", "down,j", "cursor(1)", "Next ticket"),
        KeySpec("customer.page_up", "pageup", "cursor(-10)", "Page up"),
        KeySpec("customer.page_down", "pagedown", "cursor(10)", "Page down"),
        KeySpec("customer.top", "home,g", "top", "First ticket"),
        KeySpec("customer.open", "enter", "open", "Open the ticket", True, short="open"),
        KeySpec("customer.edit", "e", "edit", "Edit the customer…", True, short="edit"),
        KeySpec("customer.move", "m", "move", "Move into an organization…", True, short="move"),
        KeySpec("customer.refresh", "r", "refresh", "Reload the tickets"),
        KeySpec("customer.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("organizations", "Organizations: ", "Organizations", (
        KeySpec("organizations.up", "up,k", "cursor(-1)", "Previous organization"),
        KeySpec("organizations.down", "down,j", "cursor(1)", "Next organization"),
        KeySpec("organizations.open", "enter", "open", "Its customers and tickets", True,
                short="open"),
        KeySpec("organizations.unassigned", "u", "unassigned", "Customers without organization",
                True, short="no org"),
        KeySpec("organizations.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("organization", "Organization: ", "Organization", (
        KeySpec("organization.up", "up,k", "cursor(-1)", "Previous row"),
        KeySpec("organization.down", "down,j", "cursor(1)", "Next row"),
        KeySpec("organization.switch", "tab,t", "switch", "Switch customers / tickets", True,
                short="switch"),
        KeySpec("organization.open", "enter", "open", "Open the customer or ticket", True,
                short="open"),
        KeySpec("organization.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("importer", "Import: ", "Import", (
        KeySpec("importer.up", "up,k", "cursor(-1)", "Previous column"),
        KeySpec("importer.down", "down,j", "cursor(1)", "Next column"),
        KeySpec("importer.prev_field", "left,h", "cycle(-1)",
                "Map the column to the previous field"),
        KeySpec("importer.next_field", "right,l", "cycle(1)", "Map the column to the next field"),
        KeySpec("importer.field", "enter", "field", "Choose the column's field…", True,
                short="field"),
        KeySpec("importer.ignore", "x", "ignore", "Ignore the column"),
        KeySpec("importer.file", "f", "file", "Choose the file…", True, short="file"),
        KeySpec("importer.kind", "t", "kind", "Switch customers / tickets", True, short="kind"),
        KeySpec("importer.check", "d", "check", "Dry run: check every row", True, short="dry run"),
        KeySpec("importer.run", "ctrl+s,f5", "run", "Import…", True, short="import"),
        KeySpec("importer.save", "s", "save", "Save the mapping…"),
        KeySpec("importer.mappings", "m", "mappings", "Use a saved mapping…"),
        KeySpec("importer.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("reports", "Reports: ", "Reports", (
        KeySpec("reports.team", "t", "team", "Report on a team…", True, short="team"),
        KeySpec("reports.agent", "a", "agent", "Report on an agent…", True, short="agent"),
        KeySpec("reports.period", "p", "period", "Choose the period…", True, short="period"),
        KeySpec("reports.refresh", "r", "refresh", "Reload the report"),
        KeySpec("reports.up", "up,k", "scroll(-2)", "Scroll up"),
        KeySpec("reports.down", "down,j", "scroll(2)", "Scroll down"),
        KeySpec("reports.page_up", "pageup", "scroll(-10)", "Page up"),
        KeySpec("reports.page_down", "pagedown", "scroll(10)", "Page down"),
        KeySpec("reports.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("settings", "Settings: ", "settings", (
        KeySpec("settings.up", "up,k", "cursor(-1)", "Previous section"),
        KeySpec("settings.down", "down,j", "cursor(1)", "Next section"),
        KeySpec("settings.open", "enter", "open", "Open the section", True, short="open"),
        KeySpec("settings.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("teams", "Settings › Teams: ", "teams", (
        KeySpec("teams.up", "up,k", "cursor(-1)", "Previous team"),
        KeySpec("teams.down", "down,j", "cursor(1)", "Next team"),
        KeySpec("teams.edit", "enter,e", "edit", "Edit the team…", True, short="edit"),
        KeySpec("teams.new", "n", "new", "New team…", True, short="new"),
        KeySpec("teams.archive", "x", "archive", "Archive / restore the team", True,
                short="archive"),
        KeySpec("teams.refresh", "r", "refresh", "Reload the teams"),
        KeySpec("teams.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("stages", "Settings › Stages: ", "stages", (
        KeySpec("stages.up", "up,k", "cursor(-1)", "Previous stage"),
        KeySpec("stages.down", "down,j", "cursor(1)", "Next stage"),
        KeySpec("stages.move_up", "K,less_than_sign", "move(-1)", "Move the stage up", True,
                short="up"),
        KeySpec("stages.move_down", "J,greater_than_sign", "move(1)", "Move the stage down", True,
                short="down"),
        KeySpec("stages.edit", "enter,e", "edit", "Edit the stage (name, teams, closing, mail)…",
                True, short="edit"),
        KeySpec("stages.new", "n", "new", "New stage…", True, short="new"),
        KeySpec("stages.delete", "d,delete", "delete", "Delete the stage…", True, short="delete"),
        KeySpec("stages.refresh", "r", "refresh", "Reload the stages"),
        KeySpec("stages.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("agents", "Settings › Agents: ", "agents", (
        KeySpec("agents.up", "up,k", "cursor(-1)", "Previous agent"),
        KeySpec("agents.down", "down,j", "cursor(1)", "Next agent"),
        KeySpec("agents.edit", "enter,e", "edit", "Edit the agent (name, email, role)…", True,
                short="edit"),
        KeySpec("agents.new", "n", "new", "Add an agent…", True, short="add"),
        KeySpec("agents.active", "x", "active", "Deactivate / reactivate the agent…", True,
                short="(de)activate"),
        KeySpec("agents.time_off", "o", "time_off", "Time off of the agent…", True,
                short="time off"),
        KeySpec("agents.teams", "m", "teams", "Teams of the agent…", True, short="teams"),
        KeySpec("agents.refresh", "r", "refresh", "Reload the agents"),
        KeySpec("agents.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("deactivated", "Deactivated agent: ", "deactivated", (
        KeySpec("deactivated.up", "up,k", "cursor(-1)", "Previous ticket"),
        KeySpec("deactivated.down", "down,j", "cursor(1)", "Next ticket"),
        KeySpec("deactivated.open", "enter", "open", "Open the ticket to reassign it", True,
                short="open"),
        KeySpec("deactivated.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("timeoff", "Time off: ", "timeoff", (
        KeySpec("timeoff.add", "ctrl+s,f5", "add", "Add the period", True, short="add"),
        KeySpec("timeoff.remove", "delete,ctrl+d", "remove", "Remove the chosen period", True,
                short="remove"),
        KeySpec("timeoff.close", "escape", "close", "Close", True, short="close"),
    )),
    Scope("sla", "SLA policies: ", "sla", (
        KeySpec("sla.up", "up,k", "cursor(-1)", "Previous SLA policy"),
        KeySpec("sla.down", "down,j", "cursor(1)", "Next SLA policy"),
        KeySpec("sla.team", "t", "team", "SLA policies of another team…", True, short="team"),
        KeySpec("sla.new", "n", "new", "New SLA policy…", True, short="new"),
        KeySpec("sla.edit", "enter,e", "edit", "Edit the SLA policy…", True, short="edit"),
        KeySpec("sla.delete", "d", "delete", "Delete the SLA policy…", True, short="delete"),
        KeySpec("sla.refresh", "r", "refresh", "Reload the SLA policies"),
        KeySpec("sla.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("templates", "Mail templates: ", "templates", (
        KeySpec("templates.up", "up,k", "cursor(-1)", "Previous template"),
        KeySpec("templates.down", "down,j", "cursor(1)", "Next template"),
        KeySpec("templates.new", "n", "new", "New mail template…", True, short="new"),
        KeySpec("templates.edit", "enter,e", "edit", "Edit the template…", True, short="edit"),
        KeySpec("templates.refresh", "r", "refresh", "Reload the templates"),
        KeySpec("templates.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("template", "Template editor: ", "template", (
        KeySpec("template.save", "ctrl+s,f5", "save", "Save the template", True, short="save"),
        KeySpec("template.ticket", "f4", "ticket", "Preview against a ticket (by number)", True,
                short="ticket"),
        KeySpec("template.back", "escape", "back", "Back (unsaved changes are dropped)", True,
                short="back"),
    )),
    Scope("canned", "Canned replies: ", "canned", (
        KeySpec("canned.up", "up,k", "cursor(-1)", "Previous canned reply"),
        KeySpec("canned.down", "down,j", "cursor(1)", "Next canned reply"),
        KeySpec("canned.new", "n", "new", "New canned reply…", True, short="new"),
        KeySpec("canned.edit", "enter,e", "edit", "Edit the canned reply…", True, short="edit"),
        KeySpec("canned.delete", "d", "delete", "Delete the canned reply…", True,
                short="delete"),
        KeySpec("canned.refresh", "r", "refresh", "Reload the canned replies"),
        KeySpec("canned.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("catalog", "Organizations, projects, tags: ", "catalog", (
        KeySpec("catalog.switch", "tab,s", "switch", "Switch organizations / projects / tags", True,
                short="switch"),
        KeySpec("catalog.up", "up,k", "cursor(-1)", "Previous row"),
        KeySpec("catalog.down", "down,j", "cursor(1)", "Next row"),
        KeySpec("catalog.top", "home,g", "top", "First row"),
        KeySpec("catalog.new", "n", "new", "New organization or project…", True, short="new"),
        KeySpec("catalog.edit", "enter,e", "edit", "Rename or change…", True, short="edit"),
        KeySpec("catalog.delete", "d", "delete", "Delete…", True, short="delete"),
        KeySpec("catalog.merge", "m", "merge", "Merge the tag into another…", True, short="merge"),
        KeySpec("catalog.refresh", "r", "refresh", "Reload"),
        KeySpec("catalog.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("tokens", "API tokens: ", "tokens", (
        KeySpec("tokens.up", "up,k", "cursor(-1)", "Previous token"),
        KeySpec("tokens.down", "down,j", "cursor(1)", "Next token"),
        KeySpec("tokens.revoke", "x,d", "revoke", "Revoke the token…", True, short="revoke"),
        KeySpec("tokens.refresh", "r", "refresh", "Reload the tokens"),
        KeySpec("tokens.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("audit", "Audit trail: ", "audit", (
        KeySpec("audit.up", "up,k", "cursor(-1)", "Previous change"),
        KeySpec("audit.down", "down,j", "cursor(1)", "Next change"),
        KeySpec("audit.page_up", "pageup", "cursor(-10)", "Page up"),
        KeySpec("audit.page_down", "pagedown", "cursor(10)", "Page down"),
        KeySpec("audit.top", "home,g", "top", "Newest change"),
        KeySpec("audit.open", "enter", "open", "Every field of the change", True, short="details"),
        KeySpec("audit.kind", "f", "kind", "Filter by kind…", True, short="kind"),
        KeySpec("audit.refresh", "r", "refresh", "Reload the audit trail", True, short="reload"),
        KeySpec("audit.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("inbox", "Inbox: ", "Notifications", (
        KeySpec("inbox.up", "up,k", "cursor(-1)", "Previous notification"),
        KeySpec("inbox.down", "down,j", "cursor(1)", "Next notification"),
        KeySpec("inbox.page_up", "pageup", "cursor(-10)", "Page up"),
        KeySpec("inbox.page_down", "pagedown", "cursor(10)", "Page down"),
        KeySpec("inbox.top", "home,g", "top", "Newest notification"),
        KeySpec("inbox.open", "enter", "open", "Open the ticket at its message (marks read)",
                True, short="open"),
        KeySpec("inbox.read", "x,space", "mark_read", "Mark read"),
        KeySpec("inbox.all_read", "a", "all_read", "Mark all read", True, short="all read"),
        KeySpec("inbox.unread", "u", "unread_only", "Unread only, or everything", True,
                short="unread"),
        KeySpec("inbox.order", "o", "order", "Unread first, or newest first", True,
                short="order"),
        KeySpec("inbox.settings", "s", "settings", "Mail and bell settings…", True,
                short="settings"),
        KeySpec("inbox.refresh", "r", "refresh", "Reload the inbox"),
        KeySpec("inbox.back", "escape", "back", "Back", True, short="back"),
    )),
    # Saved views (tui/screens/views.py): the list of an agent's views, and one view's
    # tickets.
    Scope("views", "Saved views: ", "Saved views", (
        KeySpec("views.up", "up,k", "cursor(-1)", "Previous view"),
        KeySpec("views.down", "down,j", "cursor(1)", "Next view"),
        KeySpec("views.open", "enter", "open", "Open the view's tickets", True, short="open"),
        KeySpec("views.new", "n", "new", "New view across teams…", True, short="new"),
        KeySpec("views.edit", "e", "edit", "Rename or change the view…", True, short="edit"),
        KeySpec("views.delete", "d", "delete", "Delete the view…", True, short="delete"),
        KeySpec("views.refresh", "r", "refresh", "Reload the views"),
        KeySpec("views.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("view", "View: ", "Saved view", (
        KeySpec("view.up", "up,k", "cursor(-1)", "Previous ticket"),
        KeySpec("view.down", "down,j", "cursor(1)", "Next ticket"),
        KeySpec("view.page_up", "pageup", "cursor(-10)", "Page up"),
        KeySpec("view.page_down", "pagedown", "cursor(10)", "Page down"),
        KeySpec("view.top", "home,g", "top", "First ticket"),
        KeySpec("view.open", "enter", "open", "Open the ticket", True, short="open"),
        KeySpec("view.edit", "e", "edit", "Rename or change the view…", True, short="edit"),
        KeySpec("view.refresh", "r", "refresh", "Reload the view", True, short="reload"),
        KeySpec("view.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("webhooks", "Webhooks: ", "webhooks", (
        KeySpec("webhooks.up", "up,k", "cursor(-1)", "Previous endpoint"),
        KeySpec("webhooks.down", "down,j", "cursor(1)", "Next endpoint"),
        KeySpec("webhooks.new", "n", "new", "Add an endpoint…", True, short="new"),
        KeySpec("webhooks.edit", "e", "edit", "Change the endpoint…", True, short="edit"),
        KeySpec("webhooks.log", "enter,l", "log", "Its delivery log", True, short="log"),
        KeySpec("webhooks.toggle", "t", "switch", "Disable / enable", True, short="on/off"),
        KeySpec("webhooks.delete", "d", "delete", "Delete the endpoint…", True, short="delete"),
        KeySpec("webhooks.refresh", "r", "refresh", "Reload"),
        KeySpec("webhooks.back", "escape", "back", "Back", True, short="back"),
    )),
    Scope("webhook_log", "Webhook deliveries: ", "webhook deliveries", (
        KeySpec("webhook_log.up", "up,k", "cursor(-1)", "Previous delivery"),
        KeySpec("webhook_log.down", "down,j", "cursor(1)", "Next delivery"),
        KeySpec("webhook_log.redeliver", "s", "redeliver", "Send it again (same delivery id)",
                True, short="resend"),
        KeySpec("webhook_log.more", "m", "more", "Older deliveries", True, short="more"),
        KeySpec("webhook_log.refresh", "r", "refresh", "Reload", True, short="reload"),
        KeySpec("webhook_log.back", "escape", "back", "Back", True, short="back"),
    )),
)

SPECS: tuple[KeySpec, ...] = tuple(spec for scope in SCOPES for spec in scope.specs)
BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in SPECS}
TITLES: dict[str, str] = {scope.name: scope.title for scope in SCOPES}
HEADINGS: dict[str, str] = {scope.name: scope.heading for scope in SCOPES}
SHORT: dict[str, str] = {spec.id: spec.short for spec in SPECS if spec.short}
FORBIDDEN = ("ctrl+enter", "shift+enter", "alt+", "ctrl+h", "ctrl+i", "ctrl+m", "meta+")

# The keys in effect: defaults overridden by the config file. Set once at start.
_active: dict[str, str] = {}


def bindings(scope: str) -> list[BindingType]:
    """The Textual bindings of one scope, with their ids (the keymap remaps them)."""
    return [Binding(spec.keys, spec.action, spec.label,
                    show=spec.show, id=spec.id, tooltip=spec.description)
            for spec in SPECS if spec.scope == scope]


def hints(scope: str) -> list[tuple[str, str]]:
    """(keys, short label) of the bindings a screen shows in its key bar, then the ones
    that work everywhere."""
    out: list[tuple[str, str]] = []
    for spec in SPECS:
        if spec.show and spec.scope in (scope, "app"):
            keys = display(spec.id, first=True)
            if out and out[-1][1] == spec.label:  # "< > stage": one label for both
                out[-1] = (f"{out[-1][0]} {keys}", spec.label)
                continue
            out.append((keys, spec.label))
    first = [h for h in out if h[1] == "keys"]  # F1 leads: it explains all the others
    return first + [h for h in out if h[1] not in ("keys", "palette")] + \
        [h for h in out if h[1] == "palette"]


def keys_of(binding_id: str) -> str:
    return _active.get(binding_id) or BY_ID[binding_id].keys


def key(binding_id: str) -> str:
    """The one key a sentence names ("press n to …"): the first key in effect."""
    return display(binding_id, first=True)


def display(binding_id: str, first: bool = False) -> str:
    """The keys of a binding as people read them: `ctrl+s / f5` (or just the first)."""
    names = {"less_than_sign": "<", "greater_than_sign": ">", "question_mark": "?",
             "slash": "/", "space": "space", "escape": "esc", "enter": "⏎"}
    keys = keys_of(binding_id).split(",")
    return " / ".join(names.get(k, k) for k in (keys[:1] if first else keys))


_KEY = re.compile(r"^[a-z0-9_+\-]+$|^[A-Z]$")


def resolve(overrides: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """(keymap, problems): the overrides that name a known id with a usable key string."""
    keymap: dict[str, str] = {}
    problems = []
    for binding_id, value in overrides.items():
        if binding_id not in BY_ID:
            problems.append(f"unknown key binding id {binding_id!r}")
            continue
        keys = [k.strip() for k in str(value).split(",") if k.strip()]
        if not keys or not all(_KEY.match(k) for k in keys):
            problems.append(f"{binding_id}: not a key name: {value!r}")
            continue
        keymap[binding_id] = ",".join(keys)
    return keymap, problems


def activate(keymap: dict[str, str]) -> None:
    _active.clear()
    _active.update(keymap)
