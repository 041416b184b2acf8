"""The real console in tmux at 80×24 on a demo database: open a ticket, post a comment.

Needs tmux (`apt-get install tmux`); skipped with a reason when it is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKLINE = ROOT / ".venv" / "bin" / "deskline"
ALICE = "alice.martin@deskline.example"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (apt-get install tmux)")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Pane:
    def __init__(self, session: str) -> None:
        self.session = session

    def text(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str, literal: bool = False) -> None:
        tmux("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def wait(self, needle: str, timeout: float = 15.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = self.text()
            if needle in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not on screen:\n{self.text()}")


@pytest.fixture
def demo(tmp_path) -> Path:
    from deskline.demo import build_demo

    path = tmp_path / "demo.db"
    build_demo(path, tickets=300, seed=5)
    return path


def test_open_a_ticket_and_post_a_comment(demo, tmp_path):
    session = f"deskline-e2e-{uuid.uuid4().hex[:8]}"
    command = (f"env HOME={tmp_path} XDG_DATA_HOME={tmp_path}/data TERM=screen "
               f"{DESKLINE} --db {demo} --as {ALICE} --config {tmp_path}/none.toml")
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    pane = Pane(session)
    try:
        pane.wait("My open tickets (")
        pane.keys("Right", "Enter")  # Customer Care's board
        pane.wait("Customer Care · board")
        pane.keys("Enter")  # the first ticket of New
        screen = pane.wait(" › ")  # the header: the ticket is loaded
        number = int(screen.split("#", 1)[1].split()[0])
        pane.keys("c")
        pane.wait("[Comment (internal)]")
        pane.keys("posted from tmux", literal=True)
        pane.keys("C-s")
        pane.wait("INTERNAL note by Alice Martin")
        pane.wait("posted from tmux")
        for _ in range(3):  # composer → chatter → board → dashboard, one at a time: a
            pane.keys("Escape")  # burst of ESC bytes reads as alt+escape
            time.sleep(0.4)
        pane.wait("My open tickets (")
        pane.keys("C-q")
        time.sleep(0.5)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

    from deskline.local import resolve_agent
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(demo)
    svc = Service(store, resolve_agent(store, ALICE))
    ticket = svc.get_ticket_by_number(number)
    bodies = [m.body for m in svc.ticket_messages(ticket.id, limit=200).items
              if m.kind.value == "comment"]
    store.close()
    assert "posted from tmux" in bodies
