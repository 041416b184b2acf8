"""Markdown to HTML for mail: nothing but the tags and links of Markdown comes out, and
addresses in text are found and offered only when they are http(s)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from deskline import links, markdown

TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th",
        "td", "s"}
ATTRIBUTES = {("a", "href"), ("a", "title"), ("code", "class"), ("ol", "start"),
              ("th", "style"), ("td", "style")}

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](  javascript:alert(1))",
    "[d](data:text/html;base64,PHNjcmlwdD4=) [v](vbscript:x) [f](file:///etc/passwd)",
    '![i](https://t.example/p.png "t") ![j](javascript:alert(1))',
    '[q](https://a.example/"onmouseover=alert(1)) [r](<https://a.example/> "x\\"y")',
    "<style>body{}</style><iframe src=https://e.example></iframe>",
    "```\"><script>\n<b>x</b>\n```",
    "`<b>` **<i>x</i>** <!-- c --> &lt;ok&gt; &#x3C;script&#x3E;",
    "\x1b]52;c;aGVsbG8=\x07 \x9b31m [e](https://e.example/\x1b[2J)",
    "| <b>a</b> | b |\n|:-|-:|\n| [c](javascript:c) | d |",
    "<https://auto.example/x> <mailto:a@b.example> <javascript:alert(1)>",
]


class _Check(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if (tag, name) not in ATTRIBUTES:
                self.problems.append(f"{tag} {name}")
            elif name == "href" and not links.is_mail_link(value or ""):
                self.problems.append(f"href {value}")
            elif name == "style" and value not in ("text-align:left", "text-align:right"):
                self.problems.append(f"style {value}")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")


@pytest.mark.parametrize("text", HOSTILE)
def test_only_markdown_tags_and_safe_links_come_out(text):
    html = markdown.to_html(text)
    check = _Check()
    check.feed(html)
    assert check.problems == [], html
    assert "<script" not in html and "\x1b" not in html and "\x9b" not in html


def test_markdown_is_rendered_and_line_breaks_kept():
    html = markdown.to_html("Hi **Carla**,\nthanks\n\n- one\n- two\n\nhttps://x.example/a_(b).")
    assert "<strong>Carla</strong>,<br />\nthanks" in html
    assert "<li>one</li>" in html
    assert '<a href="https://x.example/a_(b)">https://x.example/a_(b)</a>.' in html
    assert (markdown.mail_html("x") or "").startswith("<!DOCTYPE html>")
    assert markdown.mail_html(" \n") is None


def test_plain_paragraphs_have_nothing_to_format():
    assert not markdown.has_formatting("Hello,\nthe printer works.\n\nBob")
    for text in ("**x**", "- a", "# h", "see https://a.example", "`c`", "> q", "[a](https://b.c)"):
        assert markdown.has_formatting(text), text


def test_addresses_found_are_web_addresses_once_in_order():
    texts = ["see https://a.example/x, then (http://b.example/y).",
             "javascript:alert(1) ftp://c.example file:///etc/passwd mailto:a@b.example",
             None, "again https://a.example/x and https://e\x1b]52;c;x\x07vil.example/"]
    assert links.web_addresses(texts) == ["https://a.example/x", "http://b.example/y",
                                          "https://e"]
    assert not links.is_web("https://")
    assert not links.is_web("https://a.example/\x1b[2J")
    assert links.is_web("HTTPS://A.example")
    assert links.shown("https://раураl.example/").endswith("(host: xn--l-7sba6dbr.example)")
