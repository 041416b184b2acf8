"""Shared by the console tests: a deterministic demo helpdesk, a backend over it with a
fixed clock, and a recording wrapper that keeps every call the console made."""

from __future__ import annotations

import asyncio
import inspect
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SEED = 11
TICKETS = 400
HOSTILE = "[URGENT] printer down [/] \x1b]52;c;aGVsbG8=\x07 \x1b[2J \x9b31m \x07 end"


def build(path: Path, tickets: int = TICKETS) -> None:
    from deskline.demo import build_demo

    build_demo(path, tickets=tickets, seed=SEED, now=NOW)


def add_hostile(path: Path) -> int:
    """A ticket whose subject and first message hold markup and terminal control."""
    from deskline.local import resolve_agent
    from deskline.models import TicketCreate
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, None), clock=lambda: NOW)
    team = svc.list_teams()[0]
    ticket = svc.create_ticket(TicketCreate(subject=HOSTILE, description=HOSTILE,
                                            team_id=team.id, priority=3, tags=["[b]x[/b]"]))
    svc.comment(ticket.id, "internal " + HOSTILE)
    svc.reply(ticket.id, "reply [red]not red[/red] \x1b[31m")
    store.close()
    return ticket.number


def copy_db(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, str(dst) + suffix)
    return dst


class Recorder:
    """A Backend that forwards to another and records (method, args) of every write."""

    READS = {"me", "list_agents", "list_teams", "list_stages", "list_tags", "dashboard",
             "my_tickets", "board_columns", "board_page", "search", "get_ticket",
             "get_ticket_by_number", "ticket_messages", "merge_preview", "list_customers",
             "get_customer", "list_organizations", "close"}
    READS |= {"list_views", "get_view", "view_tickets"}  # saved views

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[tuple[str, tuple, dict]] = []
        self.all_calls: list[str] = []

    def __getattr__(self, name):
        method = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(method):  # `live`, `state`, `events`, `on_state`
            return method

        async def call(*args, **kwargs):
            self.all_calls.append(name)
            if name not in self.READS:
                self.calls.append((name, args, kwargs))
            return await method(*args, **kwargs)

        return call

    def writes(self, name: str) -> list[tuple[tuple, dict]]:
        return [(a, k) for n, a, k in self.calls if n == name]


async def open_local(path: Path, email: str | None = None, clock=lambda: NOW):
    """LocalBackend on `path` with a fixed clock (the demo's day)."""
    from deskline.local import LocalBackend, resolve_agent
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskline-db")

    def start():
        store = SqliteStore.open(path)
        return Service(store, resolve_agent(store, email), clock=clock)

    service = await asyncio.get_running_loop().run_in_executor(executor, start)
    return LocalBackend(service, executor)


def make_app(path: Path, *, email: str | None = None, record: bool = True, theme: str | None = None,
             drafts: Path | None = None, keys: dict | None = None, **kwargs):
    from deskline.config import Config
    from tui.app import DesklineApp

    holder: dict = {}

    async def opener():
        backend = await open_local(path, email)
        holder["backend"] = Recorder(backend) if record else backend
        return holder["backend"]

    config = Config(theme=theme or "deskline-dark", keys=keys or {})
    app = DesklineApp(opener, config=config, now=lambda: NOW, drafts_path=drafts, **kwargs)
    app.holder = holder
    return app


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot, condition, timeout: float = 10.0, step: float = 0.02) -> None:
    """Pause the pilot until `condition()` holds (data arrives from workers)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; screen:\n{screen_text(pilot.app)}")
        await pilot.pause(step)


async def open_section(pilot, section: type, *, key: str | None = None,
                       loaded: str | None = None, shown: str | None = None):
    """A settings section at the top, once its `loaded` attribute is filled and `shown`
    is on screen: opened through the hub by keys (`S`, then down to `key` of SECTIONS and
    enter), or pushed without a key."""
    from tests.tui.test_pilot import is_ready
    from tui.screens.settings import SECTIONS, SettingsHub

    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    if key is None:
        app.push_screen(section())
    else:
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsHub))
        await pilot.press(*["down"] * [s[0] for s in SECTIONS].index(key), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, section)
                   and (loaded is None or getattr(app.screen, loaded))
                   and (shown is None or shown in screen_text(app)))
    if key is None:
        await pilot.pause()
    return app.screen
