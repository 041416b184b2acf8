"""The addresses found in text from outside, and which of them may be followed.

Only `http` and `https` addresses are ever offered to open from the console; mail we send
may link `mailto:` too. Finding them is linkify-it-py's work (markdown-it's companion,
already installed with it): it knows where an address ends before punctuation and
balances parentheses, which a regular expression of our own would get wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from deskline.text import plain

if TYPE_CHECKING:
    from linkify_it import LinkifyIt

WEB = ("http", "https")
MAIL_LINKS = (*WEB, "mailto")


def _scheme_ok(url: str, schemes: tuple[str, ...]) -> bool:
    # Anything a terminal or a header could obey is refused outright, not repaired.
    if not url or any(not ch.isprintable() or ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    if parts.scheme.lower() not in schemes:
        return False
    return parts.scheme.lower() == "mailto" or bool(parts.hostname)


def is_web(url: str) -> bool:
    """An absolute http(s) address with a host, nothing in it but printable characters."""
    return _scheme_ok(url, WEB)


def is_mail_link(url: str) -> bool:
    """What a link in mail we send may point at: http, https or mailto."""
    return _scheme_ok(url, MAIL_LINKS)


@cache
def _finder() -> LinkifyIt:
    from linkify_it import LinkifyIt

    # Only addresses written with their scheme: "file.txt" or "a@b" are not links here.
    return LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})


def web_addresses(texts: Iterable[str | None]) -> list[str]:
    """The http(s) addresses in `texts`, each once, in the order they first appear."""
    found: dict[str, None] = {}
    finder = _finder()
    for text in texts:
        if not text or "://" not in text:
            continue
        for match in finder.match(text) or ():
            if is_web(match.url):
                found.setdefault(match.url, None)
    return list(found)


def shown(url: str) -> str:
    """How an address is shown before it is opened: sanitized, one line, and a host in
    another script also spelt as the browser will look it up (xn--…), so a look-alike
    host cannot pass for another."""
    text = plain(url, one_line=True)
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return text
    if host and not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = "not a valid host name"
        text += f"  (host: {ascii_host})"
    return text
