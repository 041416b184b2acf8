"""Markdown written by agents: HTML for the mail a reply becomes, and what the console
needs to know to show it.

markdown-it-py (CommonMark; rich and Textual render Markdown with it too) with raw HTML
off, so every `<` the agent typed is escaped text, and every link and image address
checked by `links.is_mail_link` (http, https, mailto). What comes out is built only by
its renderer, whose text and attributes are escaped, so it needs no second sanitizer;
`tests/unit/test_markdown.py` holds it to a list of tags and attributes. Line breaks are
kept as typed (`breaks`): the plain part of the mail shows them, and so must the HTML.
Images become links to the image (a mail client fetching it would tell the sender that
the mail was read).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from typing import TYPE_CHECKING

from deskline import links

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

# The outbox kinds whose body is Markdown the helpdesk wrote: an agent's reply and a
# stage's template. Confirmations and invitations stay plain text.
MAIL_KINDS = frozenset({"reply", "stage_template"})

_PAGE = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
         '<body>\n{}</body></html>\n')
# Tokens of text that is only paragraphs of words: nothing for Markdown to format.
_PLAIN_BLOCKS = frozenset({"paragraph_open", "paragraph_close", "inline"})
_PLAIN_INLINE = frozenset({"text", "softbreak", "hardbreak"})
# Control characters are not allowed in HTML; they leave the HTML part (the plain part
# keeps what was written).
_CONTROLS = dict.fromkeys([c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] +
                          [0x7F, *range(0x80, 0xA0)])


@cache
def parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True,
                                   "typographer": False})
    md.enable(["linkify", "strikethrough", "table"])
    md.validateLink = links.is_mail_link  # type: ignore[method-assign]
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                   env: EnvType) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    src = str(token.attrGet("src") or "")
    return f'<a href="{escape(src)}">{escape(alt)}</a>'


def to_html(text: str) -> str:
    """The body of `text`'s HTML: escaped, links checked."""
    return parser().render(text.translate(_CONTROLS))


def mail_html(text: str) -> str | None:
    """A whole HTML document for the text/html part of a mail; None without text (a
    reply of files only)."""
    return _PAGE.format(to_html(text)) if text.strip() else None


def has_formatting(text: str) -> bool:
    """Does Markdown change anything in `text`? False for paragraphs of plain words, so
    those can be shown exactly as written."""
    for token in parser().parse(text):
        if token.type not in _PLAIN_BLOCKS:
            return True
        if token.type == "inline" and any(child.type not in _PLAIN_INLINE
                                          for child in token.children or ()):
            return True
    return False
