"""The one sanitizer for text that came from outside (customers, mail, servers, files).

Terminal control never passes: every C0 control but newline and tab, DEL, every C1
control and the Unicode bidirectional overrides are replaced by visible stand-ins, so an
escape sequence in a subject shows as text instead of being obeyed by the terminal.
Markup is not this module's business: widgets build `rich.text.Text` from the result and
never parse it as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
BIDI_CONTROLS = _BIDI  # the console's output guard drops them too


def _visible(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\u27e8{code:02X}\u27e9"  # ⟨9B⟩ for C1 controls and bidi overrides


_TABLE = {c: _visible(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]
          if c not in (0x09, 0x0A)}
_TABLE |= {ord(c): _visible(ord(c)) for c in _BIDI}
_ONE_LINE = _TABLE | {0x09: " ", 0x0A: " "}


def plain(value: object, *, one_line: bool = False) -> str:
    """`value` as text that is safe to write to a terminal.

    `one_line` also turns newlines and tabs into spaces, for table cells and titles.
    """
    text = "" if value is None else str(value)
    if one_line:
        text = text.replace("\r\n", " ")
    return text.translate(_ONE_LINE if one_line else _TABLE)


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A file name without directories, controls or leading dots; invented when missing."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".").strip()
    if not name:
        import mimetypes

        ext = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{ext}"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) < 10 else name[:200]
    return name


_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def media_type(value: str | None) -> str:
    """`type/subtype` as given when it is one, in lower case; else application/octet-stream
    (no parameters, no header syntax from outside)."""
    value = (value or "").strip().lower()
    return value if _MEDIA_TYPE.fullmatch(value) else "application/octet-stream"


# What `json.dumps(ensure_ascii=False)` leaves raw but a terminal obeys or a JavaScript
# reader splits lines on: DEL, the C1 controls, U+2028/2029 and the bidi overrides. They
# can only occur inside JSON strings, so escaping them after encoding keeps the JSON valid.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029" + _BIDI + "]")


_ENCODERS: dict[int | None, Callable[[object], str]] = {}


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(value: object, *, indent: int | None = None) -> str:
    """`value` as JSON for the command line's output: one line unless `indent`, every
    control character escaped (C0 by `json`, DEL/C1/line separators/bidi here), other
    non-ASCII text left readable. Every JSON the `deskline` command prints goes through
    here."""
    encode = _ENCODERS.get(indent)
    if encode is None:  # one encoder per indent: an export calls this once per row
        import json

        encode = _ENCODERS[indent] = json.JSONEncoder(ensure_ascii=False, indent=indent).encode
    text = encode(value)
    return _JSON_UNSAFE.sub(_json_escape, text) if _JSON_UNSAFE.search(text) else text
