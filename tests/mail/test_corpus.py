"""The corpus: awkward real-world-style mail, each taken by intake into a fresh helpdesk.

Expectations per file: the outcome, and what the ticket, its customer and its attachments
must show. Files not listed in EXPECT must still be taken without an exception.
"""

from __future__ import annotations

import pytest

from deskline.mail.intake import Intake
from deskline.mail.parse import parse_mail
from deskline.text import plain

from .conftest import CORPUS

FILES = sorted(p.name for p in CORPUS.glob("*.eml"))

# file: (status, team, subject, text that the description contains, attachments)
EXPECT: dict[str, tuple] = {
    "01-plain-ascii.eml": ("ticket", "Support", "Printer prints blank pages",
                           "prints blank pages", []),
    "02-utf8-8bit.eml": ("ticket", "Support", "Grüße aus Köln", "„Fehler 42“. 😀", []),
    "03-latin1-qp.eml": ("ticket", "Support", "Café crème", "Prière de venir vite", []),
    "04-encoded-subject-base64.eml": ("ticket", "Support", "プリンターが壊れました",
                                      "印刷しません", []),
    "05-encoded-words-folded.eml": ("ticket", "Support",
                                    "Invoice for order 4711 is € 120 too high (really)",
                                    "invoice is wrong", []),
    "06-koi8r.eml": ("ticket", "Support", "Принтер не работает", "принтер не печатает", []),
    "07-iso-2022-jp.eml": ("ticket", "Billing", "請求書が届きません", "先月の請求書", []),
    "08-gb2312-with-gbk.eml": ("ticket", "Support", "GBK body", "打印机坏了", []),
    "09-unknown-charset.eml": ("ticket", "Support", "Unknown charset", "Straße und Café", []),
    "10-ascii-declared-utf8-sent.eml": ("ticket", "Support", "Declared ASCII", "Résumé", []),
    "11-html-only.eml": ("ticket", "Support", "HTML only",
                         "my order #4711 never arrived.", []),
    "12-html-remote-images.eml": ("ticket", "Support", "Tracking pixels",
                                  "[screenshot of the error]", []),
    "13-alternative-empty-plain.eml": ("ticket", "Support", "Empty plain part",
                                       "only in the HTML part", []),
    "14-mixed-alternative-related.eml": ("ticket", "Support", "Screenshot and invoice",
                                         "Plain version", ["shot.png", "invoice.pdf"]),
    "15-rfc2231-filename.eml": ("ticket", "Support", None, None, ["€ Rechnung März.pdf"]),
    "16-encoded-word-filename.eml": ("ticket", "Support", None, None,
                                     ["Überweisung_März.pdf"]),
    "17-rfc2231-continuations.eml": ("ticket", "Support", None, None, ["文書の名前.pdf"]),
    "18-path-traversal-filename.eml": ("ticket", "Support", None, None, ["passwd"]),
    "19-attachment-without-name.eml": ("ticket", "Support", None, None, ["attachment-1.bin"]),
    "20-inline-image-cid.eml": ("ticket", "Support", "Photo of the error", "Photo:",
                                ["attachment-1.jpg"]),
    "21-forwarded-rfc822.eml": ("ticket", "Support", "Fwd: Broken VPN", "from my boss",
                                ["Broken VPN.eml"]),
    "22-forward-only.eml": ("ticket", "Support", None, "broken for everyone in Lyon",
                            ["Broken VPN.eml"]),
    "23-bounce-dsn.eml": ("rejected", None, None, None, []),  # a bounce of nothing we sent
    "24-bounce-plain-qmail.eml": ("rejected", None, None, None, []),
    "25-read-receipt.eml": ("ticket", "Support", None, "read on Monday", []),
    "26-auto-reply.eml": ("ticket", "Support", None, "out of the office", []),
    "27-no-message-id.eml": ("ticket", "Support", "No Message-ID header", None, []),
    "28-no-subject.eml": ("ticket", "Support", "(no subject)", "no subject line", []),
    "29-return-path-only.eml": ("ticket", "Support", None, "Return-Path knows", []),
    "30-no-sender-at-all.eml": ("failed", None, None, None, []),
    "31-garbage-from.eml": ("failed", None, None, None, []),
    "32-no-recipient.eml": ("rejected", None, None, None, []),
    "33-crlf.eml": ("ticket", "Support", "CRLF line ends", "Line one\nLine two", []),
    "34-mixed-line-endings.eml": ("ticket", "Support", "Mixed endings",
                                  "First line\nsecond line\nthird line", []),
    "35-huge-body.eml": ("ticket", "Support", None, "more characters not shown", []),
    "36-long-folded-headers.eml": ("ticket", "Support", None, "Long headers.", []),
    "37-subject-injection-encoded.eml": ("ticket", "Support",
                                         "Hello Bcc: victim@x.example body", None, []),
    "38-terminal-escapes.eml": ("ticket", "Support", None, "clear screen", []),
    "39-nul-bytes.eml": ("ticket", "Support", None, "after.", []),
    "40-deeply-nested.eml": ("ticket", "Support", None, "Deep text at level five.", []),
    "41-missing-final-boundary.eml": ("ticket", "Support", None, "cut off", ["half.pdf"]),
    "42-broken-base64.eml": ("ticket", "Support", None, "Hello world", []),
    "43-calendar-invite.eml": ("ticket", "Support", None, "onboarding call", ["invite.ics"]),
    "44-display-name-with-comma.eml": ("ticket", "Support", None, None, []),
    "45-plus-address.eml": ("ticket", "Support", None, None, []),
    "46-cc-alias.eml": ("ticket", "Billing", None, None, []),
    "47-delivered-to.eml": ("ticket", "Billing", None, None, []),
    "48-reply-prefixes.eml": ("ticket", "Support", "RE: AW: Fwd: WG: the usual", None, []),
    "49-binary-junk.eml": ("failed", None, None, None, []),
    "50-empty.eml": ("failed", None, None, None, []),
    "51-bare-message-id.eml": ("ticket", "Support", None, None, []),
    "52-raw-utf8-headers.eml": ("ticket", "Support", "Ünïcödé without encoding — ✓", None, []),
    "53-tnef-winmail.eml": ("ticket", "Support", None, None, ["winmail.dat"]),
    "54-inline-pdf.eml": ("ticket", "Support", None, None, ["quote.pdf"]),
    "55-qp-soft-breaks-long-lines.eml": ("ticket", "Support", None,
                                         "soft line breaks and contains an equals sign = and "
                                         "a non-breaking\xa0space and €.", []),
    "56-html-entities-nbsp-pre.eml": ("ticket", "Support", None,
                                      'Error <500> "quoted" €5 été', []),
    "57-smime-signed.eml": ("ticket", "Support", None, "This text is signed.", ["smime.p7s"]),
    "58-pgp-encrypted.eml": ("ticket", "Support", "Encrypted mail", "(no text; 2 attachment(s))",
                             ["attachment-1.pgp", "encrypted.asc"]),
    "59-uuencoded-in-body.eml": ("ticket", "Support", None, "begin 644 note.txt", []),
}


def test_corpus_is_big_enough() -> None:
    assert len(FILES) >= 40
    assert set(EXPECT) == set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_corpus_mail(name: str, intake: Intake) -> None:
    raw = (CORPUS / name).read_bytes()
    result = intake.take(raw, source=name)
    status, team, subject, contains, files = EXPECT[name]
    assert result.status == status, result.reason
    conn = intake.store.conn
    inbound = conn.execute("SELECT status, raw, size FROM mail_inbound WHERE id = ?",
                           (result.inbound_id,)).fetchone()
    assert inbound[0] == status and inbound[2] == len(raw)
    if status in ("failed", "rejected"):
        assert inbound[1] == raw  # kept raw, nothing lost
        assert result.reason
        return
    row = conn.execute(
        "SELECT t.subject, t.description, tm.name, t.channel, c.email FROM tickets t"
        " JOIN teams tm ON tm.id = t.team_id JOIN customers c ON c.id = t.customer_id"
        " WHERE t.id = ?", (result.ticket_id,)).fetchone()
    assert row[2] == team
    assert row[3] == "email"
    assert row[4] == result.sender
    if subject is not None:
        assert row[0] == subject
    assert "\n" not in row[0] and "\r" not in row[0]
    if contains is not None:
        assert contains in row[1]
    names = [r[0] for r in conn.execute(
        "SELECT filename FROM mail_attachments WHERE ticket_id = ? ORDER BY id",
        (result.ticket_id,))]
    assert names == files


def test_taking_the_whole_corpus_twice_makes_no_second_ticket(intake: Intake) -> None:
    first = [intake.take((CORPUS / n).read_bytes(), source=n) for n in FILES]
    tickets = intake.store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    second = [intake.take((CORPUS / n).read_bytes(), source=n) for n in FILES]
    assert intake.store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == tickets
    for a, b in zip(first, second, strict=True):
        if a.status in ("ticket", "threaded"):
            assert b.status == "duplicate" and b.ticket_id == a.ticket_id


def test_attachment_metadata_and_content(intake: Intake) -> None:
    result = intake.take((CORPUS / "14-mixed-alternative-related.eml").read_bytes())
    rows = intake.store.conn.execute(
        "SELECT filename, content_type, size, inline, content_id, length(content), content"
        " FROM mail_attachments WHERE ticket_id = ? ORDER BY id", (result.ticket_id,)).fetchall()
    shot, pdf = rows
    assert shot[:5] == ("shot.png", "image/png", 1032, 1, "<shot14@client.example>")
    assert shot[5] == 1032 and shot[6].startswith(b"\x89PNG")
    assert pdf[:4] == ("invoice.pdf", "application/pdf", 3020, 0)
    assert pdf[6].startswith(b"%PDF-1.4")


def test_terminal_control_in_mail_is_stored_as_data_and_shown_visibly(intake: Intake) -> None:
    result = intake.take((CORPUS / "38-terminal-escapes.eml").read_bytes())
    subject, description = intake.store.conn.execute(
        "SELECT subject, description FROM tickets WHERE id = ?", (result.ticket_id,)).fetchone()
    name = intake.store.conn.execute(
        "SELECT name FROM customers WHERE email = 'eve@client.example'").fetchone()[0]
    for text in (subject, description, name):
        shown = plain(text)
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown


def test_html_becomes_readable_text_without_remote_content() -> None:
    mail = parse_mail((CORPUS / "11-html-only.eml").read_bytes())
    assert "alert" not in mail.text and "color: red" not in mail.text
    assert "ignored title" not in mail.text
    assert "here (https://track.example/4711)" in mail.text
    assert "- Item one" in mail.text and "Hello & good morning," in mail.text
    remote = parse_mail((CORPUS / "12-html-remote-images.eml").read_bytes())
    assert "tracker.invalid" not in remote.text and "evil.invalid" not in remote.text


def test_bounce_details_are_read() -> None:
    mail = parse_mail((CORPUS / "23-bounce-dsn.eml").read_bytes())
    assert mail.bounce is not None
    assert mail.bounce.original_ids == ["<dl.unknown.1@help.example>"]
    assert mail.bounce.recipients == ["gone@client.example"]
    assert mail.bounce.status == "5.1.1"
    assert "User unknown" in mail.bounce.diagnostic
    receipt = parse_mail((CORPUS / "25-read-receipt.eml").read_bytes())
    assert receipt.bounce is None


def test_huge_body_is_cut_with_a_note() -> None:
    raw = (CORPUS / "35-huge-body.eml").read_bytes()
    mail = parse_mail(raw)
    assert mail.truncated and len(mail.text) < 201_000
    assert len(raw) > 200_000
