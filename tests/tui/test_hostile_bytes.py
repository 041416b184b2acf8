"""Every screen and dialog of the console, on a helpdesk whose every name is hostile
(`tests/tui/hostile.py`), read from the bytes the real console writes to a pseudo-terminal:
no OSC, DCS, raw C1 or BEL from the data ever reaches the terminal, and the console stays
up."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from tests.tui.hostile import PAYLOADS, hostile_csv
from tests.tui.pty_run import PtyConsole, visible

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

CSI = re.compile(rb"\x1b\[[0-9;?<>=!$ ]*[@-~]")
# The escapes Textual writes itself besides CSI: charset/keypad modes and its own OSC
# (terminal queries, its clipboard), each ended by BEL or ST.
OWN_OSC = re.compile(rb"\x1b\](\d*)[;]?([^\x07\x1b]*)(?:\x07|\x1b\\)")


def assert_no_control_from_data(data: bytes) -> None:
    text = data.decode("utf-8")  # strict: well-formed UTF-8 only
    assert not [ch for ch in text if 0x80 <= ord(ch) <= 0x9F], "a raw C1 control"
    assert "\u202e" not in text and "\x00" not in text and "\x7f" not in text
    for payload in PAYLOADS:  # what the data's control sequences carried…
        for match in re.finditer(re.escape(payload), data):
            before = data[max(match.start() - 40, 0):match.start()]
            # …only ever follows a stand-in (␛]52;c; …), never a real ESC/OSC.
            assert b"\x1b]" not in before.split(b"\xe2\x90\x9b")[-1][-12:], (payload, before)
    rest = CSI.sub(b"", data)
    oscs = OWN_OSC.findall(rest)
    assert all(code not in (b"0", b"2", b"8", b"52") for code, _body in oscs), oscs
    rest = OWN_OSC.sub(b"", rest)
    assert b"\x1bP" not in rest, "a DCS string"
    assert b"\x1b]" not in rest, "an OSC string"
    for match in re.finditer(rb"\x1b(.?)", rest, re.S):
        assert match.group(1) in (b"(", b"=", b">", b"7", b"8", b"\\"), match
    assert b"\x07" not in rest, "a BEL"


class Session:
    def __init__(self, db: Path, home: Path, args: list[str] = ()) -> None:
        self.console = PtyConsole(["--db", str(db), "--config", str(home / "none.toml"),
                                   *args], home, size=(160, 50))
        self.seen: list[str] = []

    def key(self, keys: str, until: str, timeout: float = 25) -> None:
        self.console.send(keys)
        self.console.read_until(until, timeout)
        self.console.read(0.15)
        self.seen.append(until)

    def esc(self) -> None:
        """Escape (as the kitty keyboard protocol sends it: a lone ESC byte waits for the
        next one), then a pause: the screen below a dialog shows the same names, so there
        is no marker to wait for."""
        self.console.send("\x1b[27u")
        self.settle(1.2)

    def settle(self, seconds: float) -> None:
        """Keep reading for `seconds` (what arrives meanwhile is drawn)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.console.read(0.1)

    def alive(self) -> bool:
        return self.console.proc.poll() is None


STANDIN = "␛]52;c;SGVsbG8=␇"  # how every generated value's first control shows


def test_every_screen_and_dialog_writes_no_control_from_data(hostile, tmp_path):
    db, made = hostile
    csv = hostile_csv(tmp_path / "hostile.csv")
    outputs = []

    # The ticket: its view, the header editor, the pickers, a stage move's notification.
    s = Session(db, tmp_path, ["--ticket", str(made.ticket_number)])
    try:
        s.console.read_until("Subject " + STANDIN)
        s.key("e", f"Edit #{made.ticket_number}")
        s.esc()
        s.key("A", "Assign to")
        s.esc()
        s.key("p", "Priority")
        s.esc()
        s.key(">", "Stage " + STANDIN)  # moved: the notification names the stage
        assert s.alive()
    finally:
        s.console.close()
        outputs.append(bytes(s.console.output))

    # Dashboard, the board and its pickers, search, help, the palette.
    s = Session(db, tmp_path)
    try:
        s.console.read_until("Team " + STANDIN)
        s.key("\r", "First " + STANDIN)  # the board of the hostile team
        s.key("A", "Assign to")
        s.esc()
        s.key("p", "Priority")
        s.esc()
        s.key("t", "Show only the tag")
        s.esc()
        s.key("o", "Any project")
        s.esc()
        s.esc()
        s.key("/", "a number, a customer email")
        s.key("Subject", f"#{made.ticket_number} ")
        s.esc()
        s.key("\x1bOP", "Keys · Dashboard")  # F1
        s.esc()
        s.key("\x10", "Search for commands")  # ctrl+p
        s.key("AAA Eve", "Customer: AAA Eve " + STANDIN)
        s.esc()
        s.key("R", "Reports")
        s.key("a", "Report on the agent")
        s.key("\x1b[F", "Agent " + STANDIN)  # end: the last agent, the hostile one
        s.esc()
        s.esc()
        assert s.alive()
    finally:
        s.console.close()
        outputs.append(bytes(s.console.output))

    # Customers, a customer's page and edit dialog, organizations, the importer.
    s = Session(db, tmp_path)
    try:
        s.console.read_until("Team " + STANDIN)
        s.key("c", "Showing: all customers")
        s.settle(1.5)  # the organizations and projects arrive after the list
        s.key("o", "Show the customers of")  # the organization filter's picker
        s.key("\x1b[B\x1b[B", "AAA Org " + STANDIN)  # first after "any" and "none"
        s.esc()
        s.key("p", "Any project")
        s.key("\x1b[F", "Project " + STANDIN)  # end: the newest project, the hostile one
        s.esc()
        s.console.send("/")
        s.settle(0.5)
        s.key("aaa.eve", "AAA Eve " + STANDIN)
        s.key("\r", "“aaa.eve”")  # back to the list
        s.settle(1.0)  # the filtered page arrives after the title (a busy machine: later)
        s.key("\r", "Customer · AAA Eve " + STANDIN, timeout=30)  # the customer's page
        s.key("e", "Phone")  # the edit dialog: name, phone, projects prefilled
        s.esc()
        s.esc()
        s.esc()
        s.key("\x10", "Search for commands")
        s.key("Open: Organizations", "Open: Organizations")
        s.settle(1.0)  # the hits are ranked as they come
        s.key("\r", "AAA Org " + STANDIN)
        s.key("\r", "Organization · AAA Org " + STANDIN)
        s.esc()
        s.esc()
        s.key("i", "from which CSV file")  # the importer asks for a file first
        s.settle(0.3)
        # The mapping screen: hostile headers and samples (the file's `;` in them wins
        # the delimiter guess, which only cuts them up more).
        s.key(str(csv) + "\r", "Columns → fields")
        s.settle(0.5)
        s.key("m", "Mapping " + STANDIN)  # the saved mappings
        s.esc()
        assert s.alive()
    finally:
        s.console.close()
        outputs.append(bytes(s.console.output))

    for data in outputs:
        assert_no_control_from_data(data)
    shown = visible(outputs[0])
    assert "[/] [@click=app.quit]x[/] [link=x]y" in shown  # markup shown as text


def _positions(db: Path, made) -> dict[str, int]:
    """Where the hostile records stand in the settings lists (sorted as the screens sort)."""
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    v = made.values
    store = SqliteStore.open(db)
    try:
        svc = Service(store, resolve_agent(store, None))
        teams = sorted((t for t in svc.list_teams()), key=lambda t: (t.archived,
                                                                    t.name.casefold()))
        live = [t for t in teams if not t.archived]
        agents = sorted((a for a in svc.list_agents()
                         if getattr(a.role, "value", a.role) != "portal"),
                        key=lambda a: (not a.active, a.name.casefold()))
        stages = sorted(svc.list_stages(), key=lambda s: s.sequence)
        templates = sorted(svc.list_templates(), key=lambda t: t.name.casefold())
        projects = sorted(svc.list_projects(), key=lambda p: p.name.casefold())
        tags = sorted(svc.list_tag_details(), key=lambda t: t.name.casefold())
        return {
            "team": next(i for i, t in enumerate(teams) if t.id == made.team_id),
            "sla_team": next(i for i, t in enumerate(live) if t.id == made.team_id),
            "sla": next(i for i, p in enumerate(svc.list_sla_policies(made.team_id))
                        if p.name == v["sla"]),
            "stage": next(i for i, s in enumerate(stages) if s.name == v["stage_first"]),
            "agent": next(i for i, a in enumerate(agents) if a.name == v["agent"]),
            "template": next(i for i, t in enumerate(templates) if t.name == v["template"]),
            "project": next(i for i, p in enumerate(projects) if p.name == v["project"]),
            "tag": next(i for i, t in enumerate(tags) if t.name == v["tag"]),
        }
    finally:
        store.close()


def test_settings_screens_and_forms_write_no_control_from_data(hostile, tmp_path):
    """The hub, every section, every form and dialog of the settings area (the admin's
    console) on hostile stored text."""
    db, made = hostile
    at = _positions(db, made)
    s = Session(db, tmp_path)
    try:
        s.console.read_until("Team " + STANDIN)
        s.key("S", "Audit trail")  # the hub
        # Teams: the list, the form with description and alias.
        s.key("\r", "team(s)")
        s.key("j" * at["team"] + "e", "Team description " + STANDIN)
        s.esc()
        s.esc()
        # Stages: the list, the form, the delete confirmation.
        s.key("j\r", "in board order")
        s.key("j" * at["stage"] + "e", "Stage First " + STANDIN)
        s.esc()
        s.key("d", "Delete the stage First " + STANDIN)
        s.esc()
        s.esc()
        # Agents: the form, time off, teams, deactivation and the tickets it leaves.
        s.key("j\r", "active agent(s)")
        s.key("j" * at["agent"] + "e", "Email (required)")
        s.esc()
        s.key("o", "Time off of Agent " + STANDIN)
        s.esc()
        s.key("m", "Teams of Agent " + STANDIN)
        s.esc()
        s.key("x", "Deactivate Agent " + STANDIN)
        s.key("\r", "open ticket(s) to reassign")
        s.settle(0.5)
        s.esc()
        s.esc()
        # SLA policies of the hostile team, and the form.
        s.key("j\r", "SLA policies")
        s.settle(0.5)
        s.key("t", "SLA policies of the team")
        s.key("\x1b[B" * at["sla_team"] + "\r", "SLA " + STANDIN)
        s.key("j" * at["sla"] + "e", "Edit SLA policy “SLA " + STANDIN)
        s.esc()
        s.esc()
        # Mail templates: the editor, previewed on the hostile ticket.
        s.key("j\r", "enter edits with a live preview")
        s.key("j" * at["template"] + "e", "Template subject " + STANDIN)
        s.console.send("\x1bOS")  # f4: the ticket number field
        s.settle(0.5)
        s.key(str(made.ticket_number), "Subject " + STANDIN)
        s.settle(0.8)
        s.esc()
        s.esc()
        # Organizations, projects and tags: each form, the tag merge.
        s.key("j\r", "switches")
        s.key("e", "Organization AAA Org " + STANDIN)
        s.esc()
        s.key("s" + "j" * at["project"] + "e", "Project Project " + STANDIN)
        s.esc()
        s.key("s" + "j" * at["tag"] + "e", "Rename the tag #tag " + STANDIN)
        s.esc()
        s.key("m", "Merge #tag " + STANDIN)
        s.esc()
        s.esc()
        # API tokens: the list, the revoke confirmation.
        s.key("j\r", "Token " + STANDIN)
        # (Deactivating the agent revoked the token: x says so on the status line.)
        s.key("x", "already revoked")
        s.esc()
        # The audit trail and a change in full (old and new both hostile).
        s.key("j\r", "Newest first")
        s.key("\r", "esc closes")
        s.esc()
        s.key("f", "Show the changes of")
        s.key("\x1b[B\r", "kind: team")  # the newest team change: its description
        s.key("\r", "Old description " + STANDIN)
        s.esc()
        s.esc()
        assert s.alive()
    finally:
        s.console.close()
    data = bytes(s.console.output)
    assert_no_control_from_data(data)
    assert "[/] [@click=app.quit]x[/] [link=x]y" in visible(data)
