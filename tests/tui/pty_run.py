"""Run the real `deskline` console in a pseudo-terminal and collect every byte it writes."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESKLINE = ROOT / ".venv" / "bin" / "deskline"


class PtyConsole:
    def __init__(self, args: list[str], home: Path, size: tuple[int, int] = (120, 40),
                 env: dict | None = None, program: list[str] | None = None) -> None:
        """`args` for the `deskline` console, or for `program` (another command) if given."""
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        environ = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        environ.update({"TERM": "xterm-256color", "HOME": str(home), "COLUMNS": str(cols),
                        "LINES": str(rows), "XDG_DATA_HOME": str(home / "data"),
                        "XDG_CONFIG_HOME": str(home / "config"), "EDITOR": "", "VISUAL": ""})
        environ.update(env or {})
        if program is None:
            program = [str(DESKLINE)] if DESKLINE.exists() else [sys.executable, "-m",
                                                                 "tui.launch"]
        self.started = time.monotonic()
        # A session of its own with the pty as controlling terminal: when this end closes
        # (even if the caller dies), the console gets SIGHUP, as over a dropped SSH link.
        self.proc = subprocess.Popen([*program, *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=environ, close_fds=True,
                                     start_new_session=True, preexec_fn=_controlling_tty)
        os.close(slave)
        self.master = master
        self.output = bytearray()

    def read(self, timeout: float = 0.05) -> bytes:
        got = bytearray()
        while True:
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                return bytes(got)
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return bytes(got)
            if not chunk:
                return bytes(got)
            got += chunk
            self.output += chunk
            timeout = 0.0

    def read_until(self, needle: bytes | str, timeout: float = 15.0) -> float:
        """Read until `needle` appears in the visible text; the seconds it took."""
        if isinstance(needle, str):
            needle = needle.encode()
        start = time.monotonic()
        scanned = len(self.output)  # look only at output written from now on (plus overlap)
        while time.monotonic() - start < timeout:
            if self.read(0.005) or not scanned:
                window = bytes(self.output[max(scanned - 4096, 0):])
                if needle in visible(window).encode():
                    return time.monotonic() - start
                scanned = len(self.output)
        raise AssertionError(f"{needle!r} never appeared; got:\n{visible(bytes(self.output))}")

    def send(self, data: bytes | str) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def close(self) -> int:
        if self.proc.poll() is None:
            self.send(b"\x11")  # ctrl+q
            end = time.monotonic() + 5
            while self.proc.poll() is None and time.monotonic() < end:
                self.read(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
        self.read(0.1)
        os.close(self.master)
        return self.proc.wait(5)


def _controlling_tty() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def visible(data: bytes) -> str:
    """The text in terminal output with escape sequences removed (for finding strings)."""
    import re

    text = data.decode("utf-8", errors="replace")
    text = re.sub(r"\x1b\[[0-9;?<>=!$ ]*[@-~]", "", text)  # CSI
    text = re.sub(r"\x1b\][^\x07\x1b]*(\x07|\x1b\\)", "", text)  # OSC
    return re.sub(r"\x1b[@-Z\\-_]", "", text)
