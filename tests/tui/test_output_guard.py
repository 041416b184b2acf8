"""The output guard drops terminal control from a strip's text and leaves the escapes
Textual writes for its styles."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tests.tui.hostile import CONTROL
from tui import output_guard


def test_strips_lose_control_but_keep_their_styles_and_width():
    output_guard.install()
    assert output_guard.installed()
    text = "name " + " ".join(CONTROL)
    strip = Strip([Segment(text, Style(bold=True)), Segment(" ok\t\n")])
    out = strip.render(Console(color_system="truecolor"))
    assert out.startswith("\x1b[1m") and out.endswith("\x1b[0m ok")
    body = out[len("\x1b[1m"):-len("\x1b[0m ok")]
    assert "\x1b" not in body and "\x07" not in body and "\x00" not in body
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in body) and "\u202e" not in body
    assert "SGVsbG8=" in body  # the text is kept, only the controls go
    assert strip.cell_length == Strip([Segment(output_guard.safe_text(text))]).cell_length + 3


def test_clean_strips_render_as_textual_renders_them():
    output_guard.install()
    segments = [Segment("plain é 日本", Style(color="red")), Segment(" [/] [b]x")]
    console = Console(color_system="truecolor")
    assert Strip(segments).render(console) == output_guard._textual_render(Strip(segments),
                                                                          console)
