"""The first screen: a card per team with its figures, and my open tickets across teams."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.timer import Timer
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from widgets.keybar import KeyBar
from widgets.rows import RowList, card_row
from widgets.teamcard import TeamCard
from widgets.titleline import TitleLine

LIVE_DEBOUNCE = 1.0  # seconds: live events refresh the figures at most this often


class DashboardScreen(DesklineScreen):
    SCOPE = "dashboard"
    AUTO_FOCUS = ""
    BINDINGS = keymap.bindings("dashboard")

    def __init__(self, first: tuple | None = None) -> None:
        """`first`: (figures, my tickets) known already, for the first frame."""
        super().__init__()
        self.figures: list = []
        self.selected = 0
        self.my_cards: list = []
        self._given = first
        self.admins: list = []  # active admins, asked for when no team is visible

    def compose(self) -> ComposeResult:
        yield TitleLine(Text("Deskline · opening the helpdesk…"), id="title")
        with Vertical(id="dashboard"):
            if self._given:
                yield Grid(*self._cards(self._given[0]), id="teams")
            else:
                yield Grid(Static(Text("Loading teams…"), classes="dim"), id="teams")
            yield Static(Text(""), id="views-line", classes="dim")  # saved views
            yield Static(Text("My open tickets"), id="my-title", classes="section")
            yield RowList("(no open tickets assigned to you)", id="mine")
        yield KeyBar(keymap.hints("dashboard"))

    def on_mount(self) -> None:
        self.query_one("#mine", RowList).can_focus = True
        self._live_timer: Timer | None = None
        self.app.server_event.subscribe(self, self._on_server_event)
        if self._given:
            self._fill(*self._given)
            self._given = None
            self.app.call_after_refresh(self.app.first_shown)
            self.refresh_figures()
        else:
            self.run_worker(self._first(), exit_on_error=False)

    def on_unmount(self) -> None:
        self.app.server_event.unsubscribe(self)

    def _on_server_event(self, event) -> None:
        """Another agent changed something (a server's event stream): the figures are
        fetched again, at most once a second however many events come."""
        if event.type == "presence" or not self.figures or self._live_timer is not None:
            return
        self._live_timer = self.set_timer(LIVE_DEBOUNCE, self._live_refresh, name="live")

    def _live_refresh(self) -> None:
        self._live_timer = None
        if self.is_current:  # else on_screen_resume refreshes when we come back
            self.refresh_figures()

    async def _first(self) -> None:
        first = await self.app.first_figures()
        if first is not None and not self.figures:
            await self._show(first)
            self.app.call_after_refresh(self.app.first_shown)
        self.refresh_figures()

    def show_problem(self, text: str) -> None:
        grid = self.query_one("#teams", Grid)
        for child in grid.children:
            if isinstance(child, Static) and not isinstance(child, TeamCard):
                child.update(Text(text, style="bold"))

    def on_screen_resume(self) -> None:
        if self.figures:
            self.refresh_figures()

    def refresh_figures(self) -> None:
        async def load(backend):
            figures = await backend.dashboard()
            mine = await backend.my_tickets(limit=100)
            if not figures:  # who to ask for a team, or the offer to create the first
                self.admins = [a for a in await backend.list_agents()
                               if getattr(a.role, "value", a.role) == "admin" and a.active]
            return figures, mine

        self.call(load, self._show, "Loading the dashboard", exclusive=True, group="dash")
        self._load_views()

    def _cards(self, figures: list) -> list[Static]:
        if figures:
            return [TeamCard(f, classes="team") for f in figures]
        return [Static(self._no_team(), id="no-team", classes="dim")]

    def _no_team(self) -> Text:
        """No team to show: an admin is offered to create the first one; an agent is told
        whom to ask."""
        from tui.screens.settings import is_admin

        if is_admin(self.app):
            text = Text("No team yet. ", style="bold")
            text.append(f"Press {keymap.display('dashboard.new_team', first=True)} to create "
                        f"the first team ({keymap.display('dashboard.settings', first=True)} "
                        "opens all the settings: stages, agents…).")
            return text
        text = Text("No team is visible to you. ", style="bold")
        if self.admins:
            names = ", ".join(f"{plain(a.name, one_line=True)} <{plain(a.email, one_line=True)}>"
                              for a in self.admins)
            text.append(f"Ask an admin to add you to a team: {names}.")
        else:
            text.append("Ask an admin to add you to a team.")
        return text

    def action_new_team(self) -> None:
        """Admins: the team form, straight from the dashboard (the first team of a new
        helpdesk starts here)."""
        from tui.screens.settings import NOT_ADMIN, is_admin

        if not is_admin(self.app):
            self.app.notify(NOT_ADMIN, severity="warning", timeout=5, markup=False)
            return

        async def load(backend):
            return await backend.list_agents(), await backend.list_stages()

        def show(result) -> None:
            from tui.screens.settings.teams import TeamForm

            agents, stages = result
            self.app.push_screen(TeamForm(None, agents, stages), self._team_created)

        self.call(load, show, "Loading agents and stages")

    def action_new_ticket(self) -> None:
        """The new ticket form, in the selected team."""
        from tui.screens.new_ticket import open_new_ticket

        team_id = self.figures[self.selected].team_id if self.figures else None
        open_new_ticket(self, team_id)

    def action_follow_team(self) -> None:
        """Follow the selected team's tickets (their news come to the inbox), or stop."""
        if not self.figures:
            return
        team_id = self.figures[self.selected].team_id
        me = self.app.me
        team = next((t for t in self.app.teams if t.id == team_id), None)
        following = not (me is not None and team is not None and
                         me.id in getattr(team, "follower_ids", ()))

        def done(team) -> None:
            self.app.teams = [team if t.id == team.id else t for t in self.app.teams]
            name = plain(team.name, one_line=True)
            self.app.notify(f"Following the tickets of {name} in your inbox." if following
                            else f"No longer following the tickets of {name}.",
                            timeout=4, markup=False)

        self.call(lambda b: b.follow_team(team_id, following), done, "Following the team")

    def _team_created(self, team) -> None:
        if team is None:
            return
        self.app.notify(f"Team {plain(team.name, one_line=True)} created.", timeout=4,
                        markup=False)
        self.call(lambda b: b.list_teams(), lambda teams: setattr(self.app, "teams", teams),
                  "Loading the teams")
        self.refresh_figures()

    async def _show(self, result) -> None:
        figures, mine = result
        grid = self.query_one("#teams", Grid)
        with self.app.batch_update():
            await grid.remove_children()
            await grid.mount_all(self._cards(figures))
            self._fill(figures, mine)

    def _fill(self, figures: list, mine) -> None:
        """Everything but the team cards (mounted by the caller): title, selection and my
        tickets."""
        me = self.app.me
        title = Text("Deskline · ")
        if me is not None:
            title.append(plain(me.name, one_line=True), "bold")
            role = getattr(me.role, "value", me.role)
            title.append(f" <{plain(me.email, one_line=True)}> · {plain(role, one_line=True)}")
        self.query_one("#title", Static).update(title)
        self._settings_hint()
        self.selected = min(self.selected, max(len(figures) - 1, 0))
        self.figures = figures
        self._paint_selection()
        self.my_cards = mine.items
        now = self.app.now()
        rows = [card_row(c, now, team=self.app.team_name(c.team_id)) for c in mine.items]
        self.query_one("#mine", RowList).set_rows(rows, keep=True)
        more = "+" if mine.next_cursor else ""
        self.query_one("#my-title", Static).update(
            Text(f"My open tickets ({len(mine.items)}{more}) · "
                 f"{keymap.key('dashboard.my_list')} to switch"))
        self.call_after_refresh(self.app.trace, "dashboard-figures")

    def _settings_hint(self) -> None:
        """The settings key is in the key bar for admins only (an agent would only be told
        that settings are for admins); said once who is signed in is known."""
        if self.app.me is None:
            return
        from tui.screens.settings import is_admin

        bar = self.query_one(KeyBar)
        hints = keymap.hints("dashboard")
        if not is_admin(self.app):
            hints = [h for h in hints if h[1] != keymap.SHORT["dashboard.settings"]]
        if hints != bar.hints:
            bar.hints = hints
            bar.refresh()

    def _paint_selection(self) -> None:
        for i, card in enumerate(self.query(TeamCard)):
            card.set_selected(i == self.selected and not self._in_list)

    @property
    def _in_list(self) -> bool:
        return self.focused is self.query_one("#mine", RowList)

    def action_cursor(self, delta: int) -> None:
        if self._in_list:
            rows = self.query_one("#mine", RowList)
            rows.select(rows.selected + delta)
        elif self.figures:
            self.selected = max(0, min(self.selected + delta, len(self.figures) - 1))
            self._paint_selection()

    def action_toggle_list(self) -> None:
        rows = self.query_one("#mine", RowList)
        if self._in_list:
            self.set_focus(None)
        else:
            rows.focus()
        self.call_after_refresh(self._paint_selection)

    def action_open(self) -> None:
        if self._in_list:
            rows = self.query_one("#mine", RowList)
            if self.my_cards:
                self.app.open_ticket_screen(self.my_cards[rows.selected].id)
        elif self.figures:
            self.app.trace("open-board")
            self.app.open_board(self.figures[self.selected].team_id)

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        if self.my_cards:
            self.app.open_ticket_screen(self.my_cards[event.index].id)

    def action_open_filtered(self, preset: str) -> None:
        if self.figures:
            self.app.open_board(self.figures[self.selected].team_id, preset=preset)

    def action_search(self) -> None:
        self.app.action_search()

    def action_refresh(self) -> None:
        self.refresh_figures()

    def action_quit(self) -> None:
        self.app.exit()

    # --- saved views ------------------------------------------------------------------

    def _load_views(self) -> None:
        """The agent's saved views, by name, on one line (the key opens their list)."""
        def show(views) -> None:
            from tui.screens.views import views_line

            self.query_one("#views-line", Static).update(views_line(views))

        self.call(lambda b: b.list_views(counts=True), show, "Loading the saved views",
                  group="views",
                  exclusive=True, failed=lambda _exc: None)
