"""HTML mail bodies as readable plain text.

Only `html.parser` from the standard library: nothing is fetched (no images, no styles,
no links followed), scripts and styles are dropped, blocks become lines, list items get a
dash, links keep their address after the text, images leave their alt text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul", "li", "center",
})
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object"})
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed",
                   "source", "track", "wbr", "param"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[str | None] = []
        self.link_text: list[int] = []

    def _newline(self, count: int = 1) -> None:
        self.parts.append("\n" * count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        attr = dict(attrs)
        if tag == "br":
            self._newline()
        elif tag == "li":
            self._newline()
            self.parts.append("- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img":
            alt = (attr.get("alt") or "").strip()
            if alt:
                self.parts.append(f"[{alt}]")
        elif tag == "a":
            self.links.append(attr.get("href"))
            self.link_text.append(len(self.parts))
        elif tag in _BLOCK:
            self._newline(2 if tag in ("p", "h1", "h2", "h3", "blockquote", "table") else 1)
        if tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "a" and self.links:
            href = self.links.pop()
            start = self.link_text.pop()
            text = "".join(self.parts[start:]).strip()
            if href and href.startswith(("http:", "https:", "mailto:")) and \
                    href.removeprefix("mailto:") != text and href != text:
                self.parts.append(f" ({href})")
        elif tag in _BLOCK:
            self._newline(2 if tag in ("p", "h1", "h2", "h3", "blockquote", "table") else 1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.parts.append(data)
        else:
            self.parts.append(_SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; anything it still refuses keeps what it read
        pass
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    lines = [line.lstrip() if not line.startswith("    ") else line for line in lines]
    out = _BLANK_LINES.sub("\n\n", "\n".join(lines))
    return out.strip()
