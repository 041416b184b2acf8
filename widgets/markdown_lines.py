"""Agents' Markdown drawn in the console: internal comments in the chatter, and the
preview of a reply or comment before it is sent.

Parsed by the mail's own parser (`deskline.markdown.parser`: raw HTML stays text, links
only http/https/mailto, line breaks as typed, bare addresses linked), so the preview
shows what the HTML mail will; drawn by rich's Markdown renderer with terminal
hyperlinks off (a link shows as its text and its address, nothing is sent to the
terminal as a link escape). The text is sanitized (`deskline.text.plain`) before it is
parsed, and rich's Markdown never reads console markup. Images become links, as in the
mail; an address written bare shows once, not as "address (address)". rich.markdown
(and Pygments, for code blocks) is imported only when a comment has something to format,
never at start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from deskline.markdown import parser
from deskline.text import plain

if TYPE_CHECKING:
    from markdown_it.token import Token
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.segment import Segment
    from rich.style import Style


def _for_the_terminal(tokens: Sequence[Token]) -> list[Token]:
    """Line breaks kept as typed (the parser marks them soft and lets the HTML renderer
    break them), images as links, and an address linked to itself shown once."""
    from markdown_it.token import Token

    for token in tokens:
        if not token.children:
            continue
        children: list[Token] = []
        kids = token.children
        for i, child in enumerate(kids):
            if child.type == "softbreak":
                child = Token("hardbreak", "br", 0)
            elif child.type == "image":
                alt = "".join(c.content for c in child.children or ()) or "image"
                children += [Token("link_open", "a", 1,
                                   attrs={"href": child.attrGet("src") or ""}),
                             Token("text", "", 0, content=alt), Token("link_close", "a", -1)]
                continue
            elif child.type == "link_open" and child.markup in ("linkify", "autolink"):
                continue  # its text is the address: shown as text, once
            elif child.type == "link_close" and i >= 2 and kids[i - 2].type == "link_open" \
                    and kids[i - 2].markup in ("linkify", "autolink"):
                continue
            children.append(child)
        token.children = children
    return list(tokens)


def renderable(text: str) -> Markdown:
    """`text` as a rich renderable, parsed as the mail parses it."""
    from rich.markdown import Markdown

    safe = plain(text)
    md = Markdown("", hyperlinks=False)
    md.markup = safe
    md.parsed = _for_the_terminal(parser().parse(safe))
    return md


def lines(text: str, width: int, console: Console,
          style: Style | None = None) -> list[list[Segment]]:
    """`text` rendered at `width` cells, a list of segments a line, trailing blank lines
    dropped."""
    options = console.options.update(width=max(width, 8), height=None)
    out = console.render_lines(renderable(text), options, style=style, pad=False)
    while out and not "".join(s.text for s in out[-1]).strip():
        out.pop()
    return out
