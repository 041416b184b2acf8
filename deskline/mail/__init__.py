"""Mail in and out.

parse.py    raw bytes -> ParsedMail (standard library `email`, policy.default)
html.py     HTML bodies as readable text, nothing fetched
intake.py   one mail -> one transaction: duplicate check, threading, routing, ticket or reply
sources.py  .eml files, mbox files and Maildir folders as raw messages
compose.py  outbox rows -> EmailMessage (headers built safely, Message-ID, References)
outbox.py   delivery over SMTP: claim, send, mark; retries with backoff; crash recovery
smtpd.py    the SMTP receiver on aiosmtpd
imap.py     fetching from an IMAP mailbox over TLS
commands.py `deskline mail import|serve|fetch|send|status|retake|settings`

Only the standard library and aiosmtpd (in smtpd.py, imported when serving) are used.
"""
