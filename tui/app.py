"""The Deskline console: a Textual app over the `Backend` protocol.

The first frame needs only Textual and the dashboard screen; the backend (pydantic, the
service, SQLite) is opened in a worker, and the dashboard fills in when it is ready.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.signal import Signal

import themes
from deskline.text import plain
from tui import keymap
from tui.drafts import Drafts

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from deskline.backend import Backend
    from deskline.config import Config
    from deskline.models import Agent, Stage, Team, Ticket
    from tui import prefetch


# Live events that name a ticket to fetch again, when a screen shown wants it.
TICKET_EVENTS = ("ticket.created", "ticket.updated", "ticket.deleted", "message.created")
REFETCH_AT_ONCE = 4  # a burst of events (a bulk change) refetches a few tickets at a time
# How long the first frame waits for the start-up helper's figures: less than the two
# frames (loading, then figures) it saves when they come.
FIRST_FIGURES_WAIT = 0.2


def _no(_event) -> bool:
    return False


def _providers():
    from tui.commands import DesklineCommands

    return DesklineCommands


class DesklineApp(App):
    TITLE = "Deskline"
    CSS_PATH = str(themes.CSS_PATH)
    COMMANDS = {_providers}
    BINDINGS = keymap.bindings("app")
    COMMAND_PALETTE_BINDING = "ctrl+p"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, open_backend: Callable[[], Awaitable[Backend]], *,
                 config: Config | None = None, problems: list[str] | None = None,
                 config_path: Path | None = None, now: Callable[[], datetime] | None = None,
                 drafts_path: Path | Callable[[], Path] | None = None,
                 open_ticket: int | None = None, trace: Callable[[str], None] | None = None,
                 raw_config: dict | None = None, prefetch: Any = None) -> None:
        """`config` is a validated Config; or `raw_config`, the file's plain TOML, used for
        the first frame and validated with `load_config` behind it."""
        super().__init__()
        from tui import output_guard

        output_guard.install()  # no frame carries terminal control from a widget's text
        self._prefetch = prefetch
        self._raw_config = raw_config
        self._first_shown = asyncio.Event()  # the first figures are on screen, or none come
        if prefetch is None:
            self._first_shown.set()
        self._open_backend = open_backend
        self.config = config
        self.config_path = config_path
        self.problems = list(problems or [])
        self.now = now or (lambda: datetime.now(UTC))
        self.drafts = Drafts(drafts_path)
        self.open_ticket = open_ticket
        self.trace = trace or (lambda event: None)
        self.backend: Backend | None = None
        self._backend_event = asyncio.Event()
        self._backend_error: BaseException | None = None
        # Until the backend answers, the start-up helper's light copies (tui/prefetch.py).
        self.me: Agent | prefetch.Agent | None = None
        self.agents: list[Agent] = []
        self.teams: list[Team] | list[prefetch.Team] = []
        self._stages: dict[int, list[Stage]] = {}
        self.ticket_changed: Signal[Ticket] = Signal(self, "ticket-changed")
        # Live updates (a `live` backend, i.e. a server): each event as it comes,
        # tickets that vanished from this agent's view, and the connection state.
        self.server_event: Signal[Any] = Signal(self, "server-event")
        self.ticket_removed: Signal[int] = Signal(self, "ticket-removed")
        self.connection_changed: Signal[str] = Signal(self, "connection-changed")
        self.connection_state = "connected"
        self._refetching: set[int] = set()
        self._refetch_again: set[int] = set()
        # How many events came, and at which count each ticket was last named: a ticket
        # view that opens with data read before an event it never heard (it was not shown
        # yet) asks for the news once it is (`open_ticket_screen`).
        self._events_heard = 0
        self._ticket_heard: dict[int, int] = {}
        self._refetch_slots = asyncio.Semaphore(REFETCH_AT_ONCE)
        # The notification inbox: the unread count every screen's header shows, and the bell
        # (the agent's setting) when it grows.
        self.unread = 0
        self.unread_changed: Signal[int] = Signal(self, "unread-changed")
        self.bell_on = False
        for theme in themes.THEMES.values():
            self.register_theme(theme)
        raw = raw_config or {}
        wanted = (config.theme if config else None) or (
            raw.get("theme") if isinstance(raw.get("theme"), str) else None) or \
            themes.DEFAULT_THEME
        if wanted not in themes.THEMES and wanted not in self.available_themes:
            self.problems.append(f"unknown theme {wanted!r} "
                                 f"(known: {', '.join(themes.THEMES)}); using "
                                 f"{themes.DEFAULT_THEME}")
            wanted = themes.DEFAULT_THEME
        self._first_theme(wanted)
        keys = raw.get("keys")
        raw_keys: dict[str, str] = keys if isinstance(keys, dict) else {}
        overrides, key_problems = keymap.resolve(dict(config.keys) if config else raw_keys)
        for problem in key_problems:
            self.problems.append(self._where(problem))
        keymap.activate(overrides)
        if overrides:
            self.set_keymap(overrides)

    def _first_theme(self, name: str) -> None:
        """Choose the theme before the style sheets are first parsed. Assigning `self.theme`
        would also schedule what a change at run time needs, a second parse of every style
        sheet (a tenth of the time to the first frame); here the theme's variables are in
        place for the first parse. Otherwise as `App._watch_theme`."""
        self.set_reactive(App.theme, name)
        theme = self.current_theme
        self.update_classes({f"-theme-{name}": True, "-dark-mode": theme.dark,
                             "-light-mode": not theme.dark}, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def _where(self, problem: str) -> str:
        from deskline.config import line_of

        binding_id = problem.split("'")[1] if "'" in problem else problem.split(":")[0]
        line = line_of(self.config_path, binding_id)
        where = f" line {line}" if line else ""
        return f"config{where}: {problem}; that key keeps its default"

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """The console's one notification path (a screen's or widget's `notify` lands
        here): message and title are sanitized and never parsed as markup, whatever the
        caller asks, so a stage named `[/]` shows as `[/]` instead of raising MarkupError."""
        super().notify(plain(message), title=plain(title, one_line=True), severity=severity,
                       timeout=timeout, markup=False)

    # --- start ---------------------------------------------------------------------

    def on_mount(self) -> None:
        from tui.screens.dashboard import DashboardScreen

        self.trace("app-mounted")
        self.call_after_refresh(self.trace, "first-frame")

        self.push_screen(DashboardScreen(first=self._first_figures_now()))
        self.run_worker(self._start_backend(), name="open-backend", exit_on_error=False)
        for problem in self.problems:
            self.notify(problem, title="Config", severity="warning", timeout=12, markup=False)

    def _first_figures_now(self):
        """The start-up helper's figures if they come within FIRST_FIGURES_WAIT: then the
        first frame has them, and no frame is spent on "loading" (see tui/prefetch.py)."""
        helper = self._prefetch
        if helper is None or not helper.ready(FIRST_FIGURES_WAIT):
            return None
        self._prefetch = None
        return self._adopt_first(helper.result())

    async def first_figures(self):
        """(figures, my tickets) from the start-up helper, or None: the dashboard's first
        paint when the helper was not ready for the first frame."""
        if self._prefetch is None:
            self._first_shown.set()
            return None
        helper, self._prefetch = self._prefetch, None
        try:
            data = await asyncio.to_thread(helper.result)
        except Exception:
            data = None
        return self._adopt_first(data)

    def _adopt_first(self, data: dict | None):
        """The helper's answer as tui/prefetch.py's stand-ins of the models (pydantic is
        not loaded yet)."""
        if not data:
            self._first_shown.set()
            return None
        from tui import prefetch

        me, teams, figures, mine = prefetch.first_screen(data)
        if self.me is None:
            self.me, self.teams = me, teams
        return figures, mine

    def first_shown(self) -> None:
        self._first_shown.set()

    async def _start_backend(self) -> None:
        # Let the helper's figures paint first: importing the engine here would hold the
        # interpreter while that frame is drawn.
        try:
            await asyncio.wait_for(self._first_shown.wait(), 3)
        except TimeoutError:
            pass
        try:
            backend = await self._open_with_retry()
            me, teams = await asyncio.gather(backend.me(), backend.list_teams())
        except Exception as exc:  # shown on the dashboard, the app stays up
            self._backend_error = exc
            self._backend_event.set()
            self._started()
            message = getattr(exc, "message", None) or str(exc)
            text = f"Cannot open the helpdesk: {plain(message)}. Check --db / --as and restart."
            self.notify(text, severity="error", timeout=30, markup=False)
            from tui.screens.dashboard import DashboardScreen

            for screen in self.screen_stack:
                if isinstance(screen, DashboardScreen):
                    screen.show_problem(text)
            return
        self.backend, self.me, self.teams = backend, me, teams
        self._backend_event.set()
        self.trace("backend-ready")
        self._started()
        if self._raw_config is not None:
            try:
                await self._check_config()
            except Exception as exc:  # never let the check take the console down
                self.notify(f"The config file could not be checked: {exc!r}",
                            severity="warning", timeout=8, markup=False)
        self.call_later(lambda: self.run_worker(self._prefetch_stages(), exit_on_error=False))
        self.refresh_unread(first=True)
        self._follow_backend(backend)
        if self.open_ticket is not None:
            from tui.screens.ticket import TicketScreen

            self.push_screen(TicketScreen(number=self.open_ticket))

    # --- live updates ---------------------------------------------------------------------

    def _follow_backend(self, backend: Backend) -> None:
        """Show the connection state and, with a server (`backend.live`), follow the event
        stream. A local backend stays "connected" and sends nothing."""
        backend.on_state(self._connection)
        self._connection(backend.state)
        if backend.live:
            self.run_worker(self._follow_events(backend), name="live-events", group="live",
                            exclusive=True, exit_on_error=False)

    def _connection(self, state: str) -> None:
        if state != self.connection_state:
            self.connection_state = state
            self.connection_changed.publish(state)

    async def _follow_events(self, backend: Backend) -> None:
        """Events are hints: each names a ticket, which is fetched again through the backend
        (the same authorization as every read) and published on `ticket_changed`."""
        from deskline.errors import PermissionDenied

        try:
            async for event in backend.events():
                self.trace(f"event-{event.type}-{event.id}")
                self._heard(event)
                if event.type == "notification":  # only ever our own agent's
                    self.refresh_unread()
                if event.type in TICKET_EVENTS and event.id is not None and any(
                        getattr(screen, "wants_event", _no)(event)
                        for screen in self.screen_stack):
                    self._refetch(backend, int(event.id))
                self.server_event.publish(event)
        except PermissionDenied as exc:
            self._connection("offline")
            self.notify(f"Live updates stopped: {plain(exc.message)}. Restart with a valid "
                        "token.", severity="error", timeout=30, markup=False)

    def refresh_unread(self, first: bool = False) -> None:
        """Ask for the unread count (and, the first time, the bell setting); ring when it
        grew and the agent wants the bell."""
        async def fetch() -> None:
            backend = self.backend
            if backend is None:
                return
            try:
                if first:
                    self.bell_on = (await backend.notification_settings()).bell
                count = (await backend.unread_notifications()).unread
            except Exception as exc:  # e.g. a portal account: no inbox, no count
                self.log.warning(f"unread notifications: {exc!r}")
                return
            self.set_unread(count, ring=not first)

        self.run_worker(fetch(), group="unread", exit_on_error=False)

    def set_unread(self, count: int, ring: bool = False) -> None:
        grew = count > self.unread
        self.unread = count
        self.unread_changed.publish(count)
        if grew and ring and self.bell_on:
            self.bell()

    @staticmethod
    def inbox_key() -> str:
        return keymap.key("app.inbox")

    def action_inbox(self) -> None:
        """Like the ticket: the inbox's first page comes with its first frame."""
        from tui.screens.inbox import PAGE, InboxScreen

        if isinstance(self.screen, InboxScreen):
            return

        async def fetch() -> None:
            first = None
            try:
                backend = await self.backend_ready()
                first = await backend.notifications(order="unread", limit=PAGE)
            except Exception:  # the screen asks again and reports the problem
                first = None
            await self.push_screen(InboxScreen(first))

        self.run_worker(fetch(), group="open-inbox", exclusive=True, exit_on_error=False)

    def _heard(self, event: Any) -> None:
        self._events_heard += 1
        if event.type in TICKET_EVENTS and event.id is not None:
            heard = self._ticket_heard
            heard.pop(int(event.id), None)  # newest last: the oldest are forgotten first
            heard[int(event.id)] = self._events_heard
            if len(heard) > 1000:
                del heard[next(iter(heard))]

    def _heard_since(self, ticket_id: int, mark: int) -> bool:
        """Whether an event named the ticket after the count `mark`."""
        return self._ticket_heard.get(ticket_id, 0) > mark

    def _refetch(self, backend: Backend, ticket_id: int) -> None:
        """Fetch the ticket again (once at a time per ticket; again if more events came)."""
        if ticket_id in self._refetching:
            self._refetch_again.add(ticket_id)
            return
        self._refetching.add(ticket_id)

        async def fetch() -> None:
            from deskline.errors import NotFound

            try:
                while True:
                    self._refetch_again.discard(ticket_id)
                    try:
                        async with self._refetch_slots:
                            ticket = await backend.get_ticket(ticket_id)
                    except NotFound:  # deleted, or no longer visible to this agent
                        self.ticket_removed.publish(ticket_id)
                    except Exception as exc:  # a hint lost; the next event fetches again
                        self.log.warning(f"refetching ticket {ticket_id}: {exc!r}")
                    else:
                        self.ticket_changed.publish(ticket)
                    if ticket_id not in self._refetch_again:
                        return
            finally:
                self._refetching.discard(ticket_id)

        self.run_worker(fetch(), group="live-refetch", exit_on_error=False)

    def _tell_again(self, screen: Any, ticket_id: int) -> None:
        """A view that missed the events of its ticket fetches the news: new messages (it
        keeps those it shows) and the ticket itself."""
        from deskline.server.schemas import ServerEvent

        event = ServerEvent(type="message.created", id=ticket_id)
        if self.backend is not None and getattr(screen, "wants_event", _no)(event):
            self._refetch(self.backend, ticket_id)
        self.server_event.publish(event)

    async def _open_with_retry(self):
        """The backend; an import that met another thread's import (Python reports a
        deadlock rather than wait) is simply tried again."""
        for attempt in range(3):
            try:
                return await self._open_backend()
            except ImportError as exc:
                if "deadlock" not in str(exc) or attempt == 2:
                    raise
                await asyncio.sleep(0.05)
        raise RuntimeError("unreachable")

    async def _check_config(self) -> None:
        """Validate the config file (read raw for the first frame) and report problems."""
        from deskline.config import load_config

        config, problem = await asyncio.to_thread(load_config, self.config_path)
        self.config = config
        if problem:
            # A bad file counts as no file: back to the default theme and keys.
            self.theme = themes.DEFAULT_THEME
            keymap.activate({})
            self.set_keymap({})
            self.notify(problem, title="Config", severity="warning", timeout=12, markup=False)

    def _started(self) -> None:
        """Start-up is over: what it built stays (frozen out of the collector's way), and
        garbage collection runs again (the CLI turned it off for the imports)."""
        import gc

        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    async def backend_ready(self) -> Backend:
        from tui.base import BackendUnavailable

        await self._backend_event.wait()
        if self.backend is None:
            raise BackendUnavailable("the helpdesk could not be opened") \
                from self._backend_error
        return self.backend

    def cached_stages(self, team_id: int) -> list[Stage] | None:
        return self._stages.get(team_id)

    async def _prefetch_stages(self) -> None:
        for team in self.teams:
            try:
                await self.team_stages(team.id)
            except Exception:  # the board asks again when it opens
                return

    async def team_stages(self, team_id: int) -> list[Stage]:
        if team_id not in self._stages:
            backend = await self.backend_ready()
            stages = await backend.list_stages(team_id)
            self._stages[team_id] = sorted(stages, key=lambda s: s.sequence)
        return self._stages[team_id]

    async def agent_list(self) -> list[Agent]:
        if not self.agents:
            backend = await self.backend_ready()
            self.agents = [a for a in await backend.list_agents()
                           if a.active and getattr(a.role, "value", a.role) != "portal"]
        return self.agents

    def team_name(self, team_id: int) -> str:
        return next((t.name for t in self.teams if t.id == team_id), f"team {team_id}")

    async def on_unmount(self) -> None:
        if self._prefetch is not None:  # never read: let the helper go
            helper, self._prefetch = self._prefetch, None
            await asyncio.to_thread(helper.result)
        self.drafts.save()
        if self.backend is not None:
            await self.backend.close()

    # --- app actions ------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "SCOPE", "app")))

    def action_search(self, pick: bool = False) -> None:
        from tui.screens.search import SearchScreen

        self.push_screen(SearchScreen())

    def action_dashboard(self) -> None:
        from tui.screens.dashboard import DashboardScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def action_open_screen(self, name: str) -> None:
        """Customers, organizations, import, reports or settings (tui/navigation.py)."""
        from tui.navigation import open_screen

        open_screen(self, name)

    def action_next_theme(self) -> None:
        names = list(themes.THEMES)
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]
        self.notify(f"Theme: {themes.THEME_LABELS[self.theme]}", timeout=3, markup=False)

    async def run_spec(self, spec: keymap.KeySpec) -> None:
        """Run a binding's action from the command palette, where it applies."""
        if spec.scope == "app":
            await self.run_action(spec.action)
            return
        screen = self.screen
        if getattr(screen, "SCOPE", None) == spec.scope:
            await self.run_action(spec.action, screen)
        else:
            self.notify(f"“{spec.description}” works on the {spec.scope} screen.",
                        severity="warning", timeout=4, markup=False)

    def open_ticket_screen(self, ticket_id: int | None = None, number: int | None = None,
                           message_id: int | None = None) -> None:
        """Fetch the ticket and its first messages, then show the screen with them: one
        frame with everything instead of an empty screen that fills in. `message_id`: the
        message to show selected (a notification's cause)."""
        from tui.screens.ticket import PAGE, TicketScreen

        async def fetch() -> None:
            prefetched = None
            mark = self._events_heard
            try:
                backend = await self.backend_ready()
                if ticket_id is not None:
                    ticket = await backend.get_ticket(ticket_id)
                elif number is not None:
                    ticket = await backend.get_ticket_by_number(number)
                else:  # no ticket named: nothing to fetch first
                    raise LookupError("neither a ticket id nor a number")
                prefetched = (ticket, await backend.ticket_messages(ticket.id, limit=PAGE))
            except Exception:  # the screen asks again and reports the problem
                prefetched = None
            screen = TicketScreen(ticket_id=ticket_id, number=number, prefetched=prefetched,
                                  message_id=message_id)
            await self.push_screen(screen)
            if prefetched is not None and self._heard_since(prefetched[0].id, mark):
                # Another writer changed the ticket while it was read and before the view
                # listened: what it shows may be older than the event. Tell it again.
                self._tell_again(screen, prefetched[0].id)

        self.run_worker(fetch(), group="open-ticket", exclusive=True, exit_on_error=False)

    def open_board(self, team_id: int, preset: str | None = None) -> None:
        """Like the ticket: the first page of each open column comes with the first frame."""
        from tui.screens.board import PAGE, BoardScreen

        async def fetch() -> None:
            pages: dict = {}
            try:
                backend = await self.backend_ready()
                stages = await self.team_stages(team_id)
                board_filter = None
                if preset is not None:
                    from deskline.models import BoardFilter

                    board_filter = BoardFilter(mine=preset == "mine",
                                               unassigned=preset == "unassigned")
                for stage in stages:
                    if not stage.closing:
                        pages[stage.id] = await backend.board_page(team_id, stage.id,
                                                                   board_filter, limit=PAGE)
            except Exception:
                pages = {}
            self.trace("board-prefetched")
            self.push_screen(BoardScreen(team_id, preset=preset, pages=pages))

        self.run_worker(fetch(), group="open-board", exclusive=True, exit_on_error=False)


def default_drafts_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("deskline") / "drafts.json"


def run(open_backend: Callable[[], Awaitable[Any]], **kwargs: Any) -> DesklineApp:
    app = DesklineApp(open_backend, **kwargs)
    app.run()
    return app
