"""The first screen's figures, fetched by a helper process while the console starts.

Textual and the engine (pydantic, the service, SQLite) each take about a third of a second
to import on a small machine, and one Python process imports them one after the other.
A forked helper imports the engine on the other core, opens the same `Backend` the console
will use, asks it for the dashboard, hands the answer over a pipe as JSON and exits. The
console imports Textual meanwhile and paints the dashboard with those figures; its own
backend opens behind the first frame and takes over for everything else (the dashboard
refreshes from it as soon as it is ready).

POSIX only (fork); elsewhere, or when anything fails, the console simply waits for its
own backend. The fork happens before any thread exists.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


class Prefetch:
    def __init__(self, fd: int, pid: int) -> None:
        self.fd = fd
        self.pid = pid

    def ready(self, timeout: float) -> bool:
        """Whether the helper has started to answer, waiting at most `timeout` seconds
        (once it writes, the rest follows at once: it has nothing left to compute)."""
        import select

        try:
            return bool(select.select([self.fd], [], [], timeout)[0])
        except (OSError, ValueError):
            return False

    def result(self) -> dict[str, Any] | None:
        """The helper's answer (blocks until the helper is done)."""
        chunks = []
        try:
            while True:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self.fd)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        try:
            data = json.loads(b"".join(chunks) or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) and "error" not in data else None


def start(path: str, email: str | None,
          trace: Callable[[str], None] | None = None) -> Prefetch | None:
    """Fork the helper; None where that cannot be done (the console then waits for its
    own backend). `trace`: the console's tracer, which the helper notes its times with."""
    if not hasattr(os, "fork") or os.environ.get("DESKLINE_NO_PREFETCH"):
        return None
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid:
        os.close(write)
        return Prefetch(read, pid)
    # The helper: never returns, never runs the parent's code after this point. It lives
    # for a fraction of a second: no cyclic garbage collection.
    import gc

    gc.disable()
    code = 0
    trace = trace or _no_trace
    try:
        os.close(read)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the terminal belongs to the console
            os.dup2(devnull, fd)
        payload = _fetch(path, email, trace)
        data = json.dumps(payload).encode()
        trace(f"helper-ready-{len(data)}")
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
    except BaseException as exc:  # noqa: BLE001 - the console falls back to its own backend
        code = 1
        trace(f"helper-failed-{type(exc).__name__}")
    finally:
        os._exit(code)


def _no_trace(event: str) -> None:
    pass


def _fetch(path: str, email: str | None, trace: Callable[[str], None]) -> dict[str, Any]:
    # The service itself, not LocalBackend: this process answers four questions and
    # exits, so it spares the import of asyncio and the database thread.
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    trace("helper-imported")

    store = SqliteStore.open(path, create=False)
    try:
        svc = Service(store, resolve_agent(store, email))
        me, teams = svc.me(), svc.list_teams()
        figures = svc.dashboard()
        mine = svc.my_tickets(limit=100)
        return {"me": me.model_dump(mode="json"),
                "teams": [t.model_dump(mode="json", include={"id", "name"}) for t in teams],
                "dashboard": [f.model_dump(mode="json") for f in figures],
                "mine": mine.model_dump(mode="json")}
    finally:
        store.close()


# --- the models of the first screen, without pydantic ------------------------------------
# The same names and attributes as in deskline.models (tests/tui/test_startup.py checks
# that they stay so): importing pydantic before the first frame would cost more than the
# helper saves. Enums stay their string values (what StrEnum members compare equal to).


@dataclass(kw_only=True)
class TimeOff:
    start: datetime
    end: datetime
    id: int | None = None


@dataclass(kw_only=True)
class Agent:
    id: int
    email: str
    name: str
    role: str = "agent"
    active: bool = True
    time_off: list[TimeOff] = field(default_factory=list)
    customer_id: int | None = None


@dataclass(kw_only=True)
class Team:  # the two attributes the helper sends of a team
    id: int
    name: str


@dataclass(kw_only=True)
class TeamFigures:
    team_id: int
    team_name: str
    open: int
    unassigned: int
    mine: int
    urgent: int
    sla_failed: int


@dataclass(kw_only=True)
class TicketCard:
    id: int
    number: int
    subject: str
    team_id: int
    stage_id: int
    priority: int
    assignee_id: int | None = None
    assignee_name: str | None = None
    customer_name: str | None = None
    tags: list[str] = field(default_factory=list)
    sla_deadline: datetime | None = None
    sla_status: str | None = None
    created_at: datetime
    closed: bool = False
    version: int


@dataclass(kw_only=True)
class Page:
    items: list[TicketCard]
    next_cursor: str | None = None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _known(cls: type, data: dict) -> dict:
    """The attributes of `data` that `cls` has (a newer helper may send more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def me(data: dict) -> Agent:
    time_off = [TimeOff(**{**_known(TimeOff, t), "start": _when(t["start"]),
                           "end": _when(t["end"])}) for t in data.get("time_off") or []]
    return Agent(**{**_known(Agent, data), "time_off": time_off})


def card(data: dict) -> TicketCard:
    return TicketCard(**{**_known(TicketCard, data), "created_at": _when(data.get("created_at")),
                         "sla_deadline": _when(data.get("sla_deadline"))})


def figures(data: dict) -> list[TeamFigures]:
    return [TeamFigures(**_known(TeamFigures, f)) for f in data.get("dashboard", [])]


def mine(data: dict) -> Page:
    page = data.get("mine") or {}
    return Page(items=[card(c) for c in page.get("items", [])],
                next_cursor=page.get("next_cursor"))


def teams(data: dict) -> list[Team]:
    return [Team(**_known(Team, t)) for t in data.get("teams", [])]


def first_screen(data: dict) -> tuple[Agent, list[Team], list[TeamFigures], Page]:
    """(me, teams, figures, my tickets): what the dashboard shows first."""
    return me(data["me"]), teams(data), figures(data), mine(data)
