"""Hostile customer text never reaches the terminal as control: checked on the bytes the
real console writes to a pseudo-terminal."""

from __future__ import annotations

import re
import sys

import pytest

from tests.tui.pty_run import PtyConsole, visible

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

CSI = re.compile(rb"\x1b\[[0-9;?<>=!$ ]*[@-~]")


def test_hostile_ticket_bytes(demo_db, tmp_path):
    console = PtyConsole(["--db", str(demo_db), "--config", str(tmp_path / "none.toml"),
                          "--ticket", "401"], tmp_path)
    try:
        console.read_until("[red]not red[/red]")
        console.read(0.3)
    finally:
        console.close()
    data = bytes(console.output)
    text = data.decode("utf-8")  # strict: every byte is well-formed UTF-8
    # Shown as text: markup stays literal, control characters become visible stand-ins.
    shown = visible(data)
    assert "[URGENT] printer down [/]" in shown
    assert "␛]52;c;aGVsbG8=␇" in shown
    assert "⟨9B⟩31m" in shown
    # Never written as control: no OSC 52, no clear-screen from the subject, no C1.
    assert b"\x1b]52" not in data
    assert not any(0x80 <= ord(ch) <= 0x9F for ch in text)
    assert "aGVsbG8=\x07" not in text
    # Every escape the app writes is a CSI sequence of its own (or an OSC it ends itself).
    rest = CSI.sub(b"", data)
    for match in re.finditer(rb"\x1b(.{0,12})", rest, re.S):
        assert match.group(1).startswith((b"]", b"(", b"=", b">", b"7", b"8", b"P")), match
    osc = re.findall(rb"\x1b\](\d*)", rest)
    assert all(code != b"52" for code in osc)
    # BEL only as the terminator of the app's own OSC sequences, never alone.
    assert rest.count(b"\x07") <= rest.count(b"\x1b]")


def test_term_screen_and_no_color_use_16_colours_and_glyphs(demo_db, tmp_path):
    """On a jump host (TERM=screen) and with NO_COLOR: no 256/true-colour escapes, and the
    statuses still read as glyphs and words."""
    for env in ({"TERM": "screen"}, {"TERM": "screen", "NO_COLOR": "1"}):
        console = PtyConsole(["--db", str(demo_db), "--config", str(tmp_path / "none.toml"),
                              "--as", "alice.martin@deskline.example"], tmp_path,
                             size=(80, 24), env=env)
        try:
            console.read_until("SLA failed")
            console.send("\x1b[C")
            console.send("\r")
            console.read_until("!!! URGENT")
            console.read(0.3)
        finally:
            console.close()
        data = bytes(console.output)
        assert b"38;2;" not in data and b"48;2;" not in data, env
        assert b"38;5;" not in data and b"48;5;" not in data, env
        shown = visible(data)
        assert "▌" in shown and "✗ SLA" in shown and "!! high" in shown, env


def test_bad_config_is_reported_with_its_line_and_the_console_starts(demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('agent = "alice.martin@deskline.example"\ntheme = 3\n', encoding="utf-8")
    console = PtyConsole(["--db", str(demo_db), "--config", str(config)], tmp_path,
                         size=(120, 40))
    try:
        console.read_until("SLA failed")  # the dashboard, with its figures
        console.read_until("line 2")  # the notification names the line
    finally:
        console.close()
