"""Raw mail bytes to a `ParsedMail`, with the standard library's `email` (policy.default).

Lenient on purpose: real mail has broken charsets, missing headers, bare Message-IDs and
parts that lie about their encoding. Everything that can be read is read; a mail is only
refused (`MailParseError`) when it has no usable sender address or is not a mail at all.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses
from typing import cast

from deskline.mail.html import html_to_text
from deskline.text import safe_filename

MAX_BODY_CHARS = 200_000
MAX_SUBJECT_CHARS = 500
MAX_DEPTH = 30
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_WS = re.compile(r"\s+")
_ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


class _Policy(EmailPolicy):
    """policy.default, with each parsed header value remembered: the parser and
    `get_content_type` parse the same Content-Type again and again, and most mails share
    their Content-Type and Content-Transfer-Encoding values. Header objects are immutable,
    so sharing them is safe."""

    def header_fetch_parse(self, name, value):
        if name.lower() not in _SHARED or len(value) > 500:
            return super().header_fetch_parse(name, value)
        key = (name, value)
        found = _PARSED.get(key)
        if found is None:
            found = super().header_fetch_parse(name, value)
            if len(_PARSED) > 2000:
                _PARSED.clear()
            _PARSED[key] = found
        return found


_SHARED = frozenset({"content-type", "content-transfer-encoding", "content-disposition",
                     "mime-version"})


class _Registry(HeaderRegistry):
    """The header registry, remembering the class it builds per header name (the stock
    one builds a new class with `type()` on every lookup)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


_PARSED: dict = {}
POLICY = _Policy(header_factory=_Registry())
# policy.default with the remembering registry, for building mail.
BUILD_POLICY = policy.default.clone(header_factory=_Registry())


class MailParseError(ValueError):
    """This is not a mail we can take; the message says why."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class Bounce:
    """What a delivery status notification says about the mail that failed."""

    original_ids: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    status: str = ""
    diagnostic: str = ""


@dataclass
class ParsedMail:
    message_id: str  # <...>; made from a hash of the bytes when the mail has none
    has_message_id: bool
    sender_email: str
    sender_name: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To, lower case, in that order
    subject: str  # one line, never empty
    text: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: bool = False  # autoresponders and bulk mail get no confirmation
    bounce: Bounce | None = None
    truncated: bool = False


def one_line(value: str) -> str:
    """Every run of whitespace (CR and LF included) as one space."""
    return _WS.sub(" ", value).strip()


def message_ids(value: str | None) -> list[str]:
    """The <ids> in a header value, in order; a bare id without brackets is taken too."""
    if not value:
        return []
    found = [f"<{m}>" for m in _MSGID.findall(value)]
    if not found:
        bare = value.strip()
        if bare and " " not in bare and "@" in bare and len(bare) < 900:
            found = [f"<{bare.strip('<>')}>"]
    return list(dict.fromkeys(found))


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        out.setdefault(name.lower(), []).append(value if isinstance(value, str) else str(value))
    return out


def decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) decoded as UTF-8, else
    as Windows-1252."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogateescape")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace")


def _header(msg: Message, raw: dict[str, list[str]], name: str) -> str | None:
    """A header's text with encoded words decoded. Read from the raw value: for the
    unstructured and id headers this is what the header registry would give, faster."""
    values = raw.get(name)
    if not values:
        return None
    value = _unescape(values[0])
    return decode_words(value) if "=?" in value else value


def _addresses(msg: Message, raw: dict[str, list[str]], name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header, tolerating broken syntax:
    `getaddresses` on the raw value first (fast), the header registry when that finds
    nothing usable."""
    values = raw.get(name)
    if not values:
        return []
    pairs: list[tuple[str, str]] = []
    if any("=?" in v for v in values):  # encoded words: the registry decodes them right
        pairs = _registry_addresses(msg, name)
        if pairs:
            return pairs
    for display, addr in getaddresses([_unescape(v) for v in values]):
        addr = addr.strip().strip("<>")
        if _EMAIL.match(addr):
            if "=?" in display:
                display = decode_words(display)
            pairs.append((one_line(display), addr))
    return pairs or _registry_addresses(msg, name)


def _registry_addresses(msg, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs as the email package's header registry parses them;
    [] when it cannot."""
    pairs: list[tuple[str, str]] = []
    try:
        header = msg.get(name)
        for address in getattr(header, "addresses", ()):
            addr = (address.addr_spec or "").strip()
            if _EMAIL.match(addr):
                pairs.append((one_line(address.display_name or ""), addr))
    except Exception:  # noqa: BLE001 - a header the registry cannot read: no addresses
        return []
    return pairs


def _charset_candidates(declared: str | None) -> list[str]:
    declared = (declared or "").strip().strip('"').lower()
    first = {"us-ascii": "utf-8", "ascii": "utf-8", "iso-8859-1": "cp1252",
             "latin-1": "cp1252", "latin1": "cp1252", "": "utf-8", "unknown-8bit": "utf-8",
             "x-unknown": "utf-8", "ks_c_5601-1987": "cp949", "gb2312": "gb18030",
             "gbk": "gb18030"}.get(declared, declared)
    return list(dict.fromkeys([first, "utf-8", "cp1252"]))


def decode_text(part: Message) -> str:
    """A text part's content: its transfer encoding undone, its charset (or a better
    guess when it lies or is unknown) decoded; never raises."""
    try:
        # decode=True gives the bytes of a part that is no multipart, else None
        payload = cast("bytes | None", part.get_payload(decode=True))
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    try:
        declared = part.get_content_charset()
    except Exception:
        declared = None
    for charset in _charset_candidates(declared):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", "replace")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            param = part.get_param("name")
            name = email.utils.collapse_rfc2231_value(param) if isinstance(param, tuple) \
                else param
        except Exception:
            name = None
    if not name:
        return None
    name = str(name)
    if _ENCODED_WORD.search(name):
        name = decode_words(name)
    return name


class _Walker:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.forwarded_texts: list[str] = []
        self.attachments: list[Attachment] = []
        self.bounce: Bounce | None = None

    def attach(self, part: Message, content: bytes, content_type: str,
               name: str | None = None) -> None:
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        cid = part.get("content-id")
        cid_ids = message_ids(str(cid)) if cid else []
        self.attachments.append(Attachment(
            filename=safe_filename(name if name is not None else _filename(part), content_type,
                                   len(self.attachments) + 1),
            content_type=content_type, content=content,
            inline=disposition == "inline" or (disposition is None and bool(cid_ids)),
            content_id=cid_ids[0] if cid_ids else None))

    def walk(self, part: Message, depth: int = 0, texts: list[str] | None = None) -> None:
        texts = self.texts if texts is None else texts
        if depth > MAX_DEPTH:
            return
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "application/octet-stream"
        if ctype in ("message/rfc822", "message/global", "message/delivery-status"):
            pass  # their payload is a list too, but they are not parts to walk into
        elif part.is_multipart():
            children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
            if ctype == "multipart/alternative":
                self._alternative(children, depth, texts)
                return
            if ctype == "multipart/report":
                self.bounce = self.bounce or Bounce()
            for child in children:
                self.walk(child, depth + 1, texts)
            return
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        name = _filename(part)
        if ctype in ("message/rfc822", "message/global"):
            self._forwarded(part, depth, name)
            return
        if ctype == "message/delivery-status":
            self._delivery_status(part)
            return
        if ctype == "text/rfc822-headers":
            if self.bounce is not None:
                self.bounce.original_ids += message_ids(_find_header(decode_text(part),
                                                                     "message-id"))
            return
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
            text = decode_text(part)
            texts.append(html_to_text(text) if ctype == "text/html" else text)
            return
        try:
            # decode=True gives the bytes of a part that is no multipart, else None
            content = cast("bytes | None", part.get_payload(decode=True))
        except Exception:
            content = None
        if content is None:
            raw = part.get_payload()
            content = raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
        self.attach(part, content, ctype, name)

    def _alternative(self, children: list[Message], depth: int, texts: list[str]) -> None:
        """The plain version when it says something, else the richest one that does; the
        files of every version (inline images of the HTML) are kept, once."""
        walked = []
        for child in children:
            sub = _Walker()
            sub.walk(child, depth + 1)
            walked.append((child, sub))
        chosen = next((sub for child, sub in walked if child.get_content_type() == "text/plain"
                       and "".join(sub.texts).strip()), None)
        if chosen is None:
            chosen = next((sub for _child, sub in reversed(walked)
                           if "".join(sub.texts).strip()), None)
        for _child, sub in walked:
            self.attachments += sub.attachments
            self.forwarded_texts += sub.forwarded_texts
            self.bounce = self.bounce or sub.bounce
        if chosen is not None:
            texts.extend(chosen.texts)

    def _forwarded(self, part: Message, depth: int, name: str | None) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            raw = payload if isinstance(payload, str) else ""
            self.attach(part, raw.encode("utf-8", "replace"), "message/rfc822", name)
            return
        try:
            content = inner.as_bytes(policy=policy.compat32)
        except Exception:
            content = str(inner).encode("utf-8", "replace")
        inner_raw = _raw_headers(inner)
        subject = one_line(_header(inner, inner_raw, "subject") or "") or "forwarded message"
        self.attach(part, content, "message/rfc822", name or f"{subject[:80]}.eml")
        if self.bounce is not None:
            self.bounce.original_ids += message_ids(_header(inner, inner_raw, "message-id"))
            return
        inner_walker = _Walker()
        inner_walker.walk(inner, depth + 1)
        self.forwarded_texts += inner_walker.texts
        self.attachments += inner_walker.attachments

    def _delivery_status(self, part: Message) -> None:
        self.bounce = self.bounce or Bounce()
        blocks = part.get_payload()
        text = ""
        if isinstance(blocks, list):
            for block in blocks:
                if isinstance(block, Message):
                    text += "".join(f"{k}: {v}\n" for k, v in block.raw_items()) + "\n"
        elif isinstance(blocks, str):
            text = blocks
        for line in text.splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), one_line(value)
            if key in ("final-recipient", "original-recipient") and value:
                address = value.split(";", 1)[-1].strip()
                if address and address not in self.bounce.recipients:
                    self.bounce.recipients.append(address)
            elif key == "status" and not self.bounce.status:
                self.bounce.status = value
            elif key == "diagnostic-code" and not self.bounce.diagnostic:
                self.bounce.diagnostic = value.split(";", 1)[-1].strip()


def _find_header(text: str, name: str) -> str | None:
    match = re.search(rf"^{re.escape(name)}:[ \t]*(.*(?:\r?\n[ \t].*)*)", text,
                      re.IGNORECASE | re.MULTILINE)
    return match.group(1) if match else None


def _looks_like_bounce(sender: str, subject: str) -> bool:
    local = sender.split("@", 1)[0].lower()
    if local not in ("mailer-daemon", "postmaster"):
        return False
    return bool(_BOUNCE_SUBJECT.search(subject))


_BOUNCE_SUBJECT = re.compile(r"undeliver|delivery|failure|returned|not delivered|rejected",
                             re.IGNORECASE)


def parse_mail(raw: bytes) -> ParsedMail:
    """Read one mail; raise MailParseError when it has no usable sender."""
    msg = _read_message(raw)
    raw_headers = _raw_headers(msg)
    sender_name, sender_email = _sender(msg, raw_headers)
    recipients = _recipients(raw_headers)
    subject = one_line(_header(msg, raw_headers, "subject") or "")[:MAX_SUBJECT_CHARS]
    message_id, has_id = _message_id(msg, raw_headers, raw)

    walker = _Walker()
    if isinstance(msg, EmailMessage) or isinstance(msg, Message):
        walker.walk(msg)
    text, truncated = _body_text(walker)
    auto = _is_automatic(msg, raw_headers)
    bounce = _bounce(msg, walker, sender_email, subject, text)

    return ParsedMail(
        message_id=message_id,
        has_message_id=has_id,
        sender_email=sender_email,
        sender_name=sender_name,
        recipients=recipients,
        subject=subject or "(no subject)",
        text=text,
        in_reply_to=message_ids(_header(msg, raw_headers, "in-reply-to")),
        references=message_ids(_header(msg, raw_headers, "references")),
        attachments=walker.attachments,
        auto_submitted=auto or bounce is not None,
        bounce=bounce,
        truncated=truncated,
    )


def _read_message(raw: bytes) -> Message:
    """The message object; refused when the bytes are empty or carry no headers."""
    if not raw or not raw.strip():
        raise MailParseError("the mail is empty")
    head = raw[:4096]
    if b":" not in head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]:
        raise MailParseError("no headers: this does not look like a mail")
    try:
        return email.message_from_bytes(raw, policy=POLICY)
    except Exception as exc:  # the parser is lenient; this is for its own bugs
        raise MailParseError(f"the mail cannot be parsed: {type(exc).__name__}: {exc}") from exc


def _sender(msg: Message, raw_headers: dict[str, list[str]]) -> tuple[str, str]:
    """(name, address) from From, else Sender, Reply-To, Return-Path; refused without."""
    senders = _addresses(msg, raw_headers, "from") or _addresses(msg, raw_headers, "sender") \
        or _addresses(msg, raw_headers, "reply-to")
    if not senders:
        return_path = message_ids(_header(msg, raw_headers, "return-path"))
        if return_path and _EMAIL.match(return_path[0].strip("<>")):
            senders = [("", return_path[0].strip("<>"))]
    if not senders:
        shown = (raw_headers.get("from") or ["(none)"])[0]
        raise MailParseError(f"no usable sender address (From: {one_line(shown)[:120]})")
    return senders[0]


def _recipients(raw_headers: dict[str, list[str]]) -> list[str]:
    """Delivered-To, X-Original-To, To, Cc: valid addresses, lower case, once each."""
    recipients: list[str] = []
    for name in ("delivered-to", "x-original-to", "to", "cc"):
        values = raw_headers.get(name)
        if not values:
            continue
        for _display, address in getaddresses(values):
            address = address.strip().lower()
            if _EMAIL.match(address) and address not in recipients:
                recipients.append(address)
    return recipients


def _message_id(msg: Message, raw_headers: dict[str, list[str]],
                raw: bytes) -> tuple[str, bool]:
    """(Message-ID, whether the mail had one): without one, made from a hash of the bytes,
    so the same bytes taken twice are a duplicate."""
    ids = message_ids(_header(msg, raw_headers, "message-id"))
    if ids:
        return ids[0], True
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.deskline.invalid>", False


def _body_text(walker: _Walker) -> tuple[str, bool]:
    """(text, truncated): the text parts (else those of forwarded mails) joined, line ends
    as LF, cut at MAX_BODY_CHARS with a note saying how much was left out."""
    texts = [t for t in walker.texts if t.strip()] or \
        [t for t in walker.forwarded_texts if t.strip()]
    text = "\n\n".join(t.strip("\n") for t in texts).replace("\r\n", "\n").replace("\r", "\n")
    truncated = len(text) > MAX_BODY_CHARS
    if truncated:
        cut = len(text) - MAX_BODY_CHARS
        text = text[:MAX_BODY_CHARS] + f"\n\n[… {cut:,} more characters not shown]"
    return text, truncated


def _is_automatic(msg: Message, raw_headers: dict[str, list[str]]) -> bool:
    """Autoresponders, bulk and list mail, reports: they get no confirmation."""
    return (_header(msg, raw_headers, "auto-submitted") or "no").strip().lower() != "no" or \
        (_header(msg, raw_headers, "precedence") or "").strip().lower() in ("bulk", "junk",
                                                                            "list") or \
        "x-autoreply" in raw_headers or "x-autorespond" in raw_headers or \
        msg.get_content_type() == "multipart/report"  # bounces, read receipts


def _bounce(msg: Message, walker: _Walker, sender_email: str, subject: str,
            text: str) -> Bounce | None:
    """The delivery failure this mail reports: a delivery-status part, or a mail from a
    mailer daemon that looks like one (the ids of our mail taken from its text)."""
    bounce = walker.bounce
    if bounce is None and _looks_like_bounce(sender_email, subject):
        bounce = Bounce()
        for line in text.splitlines():
            if "message-id" in line.lower():
                bounce.original_ids += message_ids(line)
    if bounce is None:
        return None
    report_type = ""
    try:
        param = msg.get_param("report-type") or ""
        report_type = param.lower() if isinstance(param, str) else ""  # RFC 2231 form: none
    except Exception:
        report_type = ""
    if msg.get_content_type() == "multipart/report" and report_type not in (
            "delivery-status", ""):
        return None  # e.g. read receipts (disposition-notification)
    bounce.original_ids = list(dict.fromkeys(bounce.original_ids))
    if not bounce.diagnostic:
        bounce.diagnostic = one_line(text)[:300]
    return bounce
