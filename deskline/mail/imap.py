"""Fetching mail from an IMAP mailbox over TLS, marking what was taken.

What was taken is marked with the keyword `$DesklineTaken` (and `\\Seen`) when the server
allows keywords, else only `\\Seen`; the search skips marked (or seen) mail. A mail is
marked only after intake stored it, so a crash in between takes it again next time, and
the Message-ID check makes that a duplicate instead of a second ticket. Mail is read with
BODY.PEEK, so reading it does not mark it before it is stored.
"""

from __future__ import annotations

import imaplib
import ssl
from dataclasses import dataclass

from deskline.mail.intake import Intake, IntakeResult

KEYWORD = "$DesklineTaken"


@dataclass
class ImapConfig:
    host: str
    user: str
    password: str
    port: int = 993
    mailbox: str = "INBOX"
    security: str = "tls"  # tls (port 993) or starttls (port 143)
    timeout: float = 60.0


def connect(config: ImapConfig) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if config.security == "starttls":
        client: imaplib.IMAP4 = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
        client.starttls(ssl_context=context)
    else:
        client = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context,
                                   timeout=config.timeout)
    client.login(config.user, config.password)
    return client


def _raw(data: list) -> bytes | None:
    for item in data or []:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def fetch(intake: Intake, client: imaplib.IMAP4, mailbox: str = "INBOX",
          limit: int | None = None) -> list[IntakeResult]:
    """Take the mailbox's untaken mail; one result per mail."""
    typ, _ = client.select(_quote(mailbox))
    if typ != "OK":
        raise OSError(f"cannot open the mailbox {mailbox!r}")
    _typ, flags = client.response("PERMANENTFLAGS")
    keywords = any(b"\\*" in (f or b"") for f in flags or [])
    criteria = f"UNKEYWORD {KEYWORD}" if keywords else "UNSEEN"
    # imaplib leaves out a None argument (no charset); typeshed types them all as str
    typ, data = client.uid("SEARCH", None, criteria)  # type: ignore[arg-type]
    if typ != "OK":
        raise OSError(f"the IMAP server refused to search: {data!r}")
    uids = (data[0] or b"").split() if data else []
    if limit is not None:
        uids = uids[:limit]
    results = []
    mark = f"(\\Seen {KEYWORD})" if keywords else "(\\Seen)"
    for uid in uids:
        label = f"imap:{mailbox}/{uid.decode()}"
        # imaplib sends bytes arguments as they are; typeshed types them all as str
        typ, data = client.uid("FETCH", uid, "(BODY.PEEK[])")  # type: ignore[arg-type]
        raw = _raw(data) if typ == "OK" else None
        if raw is None:
            results.append(IntakeResult(status="failed", source=label,
                                        reason="the IMAP server did not return the mail"))
            continue
        result = intake.take(raw, source=label)
        results.append(result)
        client.uid("STORE", uid, "+FLAGS", mark)  # type: ignore[arg-type]  # bytes, as above
    return results


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
