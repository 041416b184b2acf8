"""Outgoing mail as `EmailMessage` (policy.default), built so that nothing in a subject, a
name or an address can add a header: CR, LF and every other control are made spaces
before a value reaches a header, and addresses go through `headerregistry.Address`, which
refuses what is not one address.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from deskline.mail.parse import BUILD_POLICY, decode_words, one_line
from deskline.text import media_type

MAX_REFERENCES = 12


class ComposeError(ValueError):
    """This outbox row cannot become a mail (for instance its address is not one)."""


def header_text(value: str | None) -> str:
    """One line of printable text: safe as a header value.

    Encoded words are decoded first: policy.default decodes `=?utf-8?q?…?=` in a value it
    is given, so an encoded CR LF would otherwise come back as a real one (and Python
    3.11 writes it out unfolded: a new header). Decoded here, the CR LF becomes a space.
    """
    text = value or ""
    for _ in range(3):
        if "=?" not in text:
            break
        decoded = decode_words(text)
        if decoded == text:
            break
        text = decoded
    # What is still shaped like an encoded word was not decodable here; break its "=?" so
    # that nothing downstream decodes it either.
    text = "".join(ch if ch.isprintable() else " " for ch in text).replace("=?", "= ?")
    return one_line(text)


def address(addr: str, name: str | None = None) -> Address:
    addr = (addr or "").strip()
    if not addr or any(not ch.isprintable() or ch.isspace() for ch in addr) or addr.count("@") != 1:
        raise ComposeError(f"not one email address: {header_text(addr)[:200]!r}")
    local, domain = addr.split("@")
    try:
        return Address(display_name=header_text(name), username=local, domain=domain)
    except Exception as exc:
        raise ComposeError(f"not one email address: {header_text(addr)[:200]!r}") from exc


def new_message_id(domain: str, outbox_id: int) -> str:
    """<dl.{outbox id}.{random}@{domain}>: unique without asking DNS for our host name."""
    return f"<dl.{outbox_id}.{os.getpid()}.{secrets.token_hex(8)}@{domain}>"


def build(*, from_addr: str, from_name: str | None, to_addr: str, to_name: str | None,
          subject: str, body: str, message_id: str, date: datetime,
          in_reply_to: str | None = None, references: list[str] | None = None,
          ticket_number: int | None = None, automatic: bool = False,
          files: Sequence[tuple[str, str, bytes]] = (),
          html: str | None = None) -> EmailMessage:
    """A mail; `files` are (filename, content type, content) attached after the text.
    With `html`, the text and the HTML are the two parts of a multipart/alternative."""
    msg = EmailMessage(policy=BUILD_POLICY)
    msg["From"] = address(from_addr, from_name)
    msg["To"] = address(to_addr, to_name)
    msg["Subject"] = header_text(subject) or "(no subject)"
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    refs = [r for r in (references or []) if r != message_id]
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        if in_reply_to not in refs:
            refs.append(in_reply_to)
    if refs:
        if len(refs) > MAX_REFERENCES:  # RFC 5322 3.6.4: keep the first and the newest
            refs = [refs[0], *refs[-(MAX_REFERENCES - 1):]]
        msg["References"] = " ".join(refs)
    if ticket_number is not None:
        msg["X-Deskline-Ticket"] = str(int(ticket_number))
    if automatic:
        msg["Auto-Submitted"] = "auto-generated"
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if body.isascii() and max(map(len, body.split("\n"))) < 990:
        msg.set_content(body, charset="us-ascii", cte="7bit")
    else:
        msg.set_content(body, charset="utf-8",
                        cte="quoted-printable" if len(body) < 100_000 else "base64")
    if html is not None:
        # After the text: a reader shows the last alternative it understands.
        msg.add_alternative(html, subtype="html", charset="utf-8",
                            cte="quoted-printable" if len(html) < 100_000 else "base64")
    for filename, content_type, content in files:
        maintype, _, subtype = media_type(content_type).partition("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype,
                           filename=header_text(filename) or "attachment")
    return msg


def to_wire(msg: EmailMessage) -> bytes:
    """The mail as SMTP wants it: CRLF line ends; checked to carry exactly the headers
    that were set (a last guard against injection)."""
    wire = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    head = wire.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    names = [line.split(":", 1)[0].lower() for line in head.split("\r\n")
             if line and line[0] not in " \t"]
    if sorted(names) != sorted(k.lower() for k in msg.keys()):
        raise ComposeError(f"the mail's headers came out wrong ({', '.join(names)}); "
                           "not sent")
    return wire
