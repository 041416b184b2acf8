"""Contract: the files that come with customers' mails — listed on the ticket and on the
message they came with, fetched whole, and only by who may read that ticket."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from deskline.errors import NotFound
from tests.conftest import ADMIN, ALICE, PORTAL

PDF = b"%PDF-1.4\n\x00\xff\xfe binary \x1b[2J\n%%EOF"
LOG = "Prüfprotokoll: Fehler 42 — naïve café\n".encode()


def take(db: str | Path, raw: bytes):
    from deskline.mail.intake import Intake
    from deskline.store.opening import open_store

    store = open_store(db, create=False, pool_size=1)
    try:
        return Intake(store, team="Customer Care", confirm=False).take(raw)
    finally:
        store.close()


def mail(message_id: str, body: str, files: list[tuple[str, str, bytes]],
         in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Olga Outside <olga.outside@files.example>"
    msg["To"] = "support@deskline.example"
    msg["Subject"] = "Scanner report attached"
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    for name, ctype, data in files:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


@pytest.fixture
def mailed(backend_db):
    """A ticket opened by a mail with a PDF, then the customer's answer with a log file."""
    first = take(backend_db, mail("<first@files.example>",
                                  "The scanner fails, report attached.",
                                  [("Scan report.pdf", "application/pdf", PDF)]))
    take(backend_db, mail("<second@files.example>", "Here is the log.",
                          [("Prüf-protokoll.txt", "text/plain", LOG)],
                          in_reply_to="<first@files.example>"))
    return first.ticket_id


async def test_files_are_listed_and_fetched_whole(open_backend, mailed):
    alice = await open_backend(ALICE)
    ticket = await alice.get_ticket(mailed)
    (opening,) = ticket.attachments
    assert (opening.filename, opening.content_type, opening.size) == (
        "Scan report.pdf", "application/pdf", len(PDF))
    thread = (await alice.ticket_messages(mailed, limit=50)).items
    (answer,) = [m for m in thread if m.attachments]
    assert answer.body.startswith("Here is the log.")
    (log,) = answer.attachments
    assert log.filename == "Prüf-protokoll.txt" and log.size == len(LOG)
    pdf = await alice.get_attachment(opening.id)
    assert pdf.info == opening and pdf.content == PDF
    text = await alice.get_attachment(log.id)
    assert text.info == log and text.content == LOG


async def test_only_who_may_read_the_ticket_gets_its_files(open_backend, mailed):
    alice = await open_backend(ALICE)
    opening = (await alice.get_ticket(mailed)).attachments[0]
    stranger = await open_backend(PORTAL)  # another customer's portal account
    with pytest.raises(NotFound):
        await stranger.get_attachment(opening.id)
    with pytest.raises(NotFound):
        await alice.get_attachment(opening.id + 10_000)


async def test_a_file_follows_its_message_into_a_merged_ticket(open_backend, mailed):
    from deskline.models import MergeRequest, TicketCreate

    alice = await open_backend(ALICE)
    ticket = await alice.get_ticket(mailed)
    other = await alice.create_ticket(TicketCreate(team_id=ticket.team_id, subject="Older one",
                                                   customer_id=ticket.customer_id))
    merged = await alice.merge(MergeRequest(
        target_id=other.id, source_ids=[ticket.id],
        versions={other.id: other.version, ticket.id: ticket.version}))
    thread = (await alice.ticket_messages(merged.id, limit=50)).items
    (answer,) = [m for m in thread if m.attachments]
    fetched = await alice.get_attachment(answer.attachments[0].id)
    assert fetched.content == LOG
    # The file moved with its message: deleting the merged-away ticket keeps it.
    admin = await open_backend(ADMIN)
    source = await admin.get_ticket(ticket.id)
    await admin.delete_ticket(source.id, source.version)
    assert (await alice.get_attachment(answer.attachments[0].id)).content == LOG


async def test_a_reply_carries_files_to_the_thread(open_backend, mailed):
    from deskline.models import FileUpload

    alice = await open_backend(ALICE)
    sent = await alice.reply(mailed, "The fixed driver is attached.", [
        FileUpload(filename="driver-2.1.zip", content_type="application/zip", content=PDF),
        FileUpload(filename="../notes\x1b.txt", content_type="text/plain; charset=utf-8",
                   content=LOG)])
    assert [(f.filename, f.content_type, f.size) for f in sent.attachments] == [
        ("driver-2.1.zip", "application/zip", len(PDF)),
        ("notes.txt", "application/octet-stream", len(LOG))]  # made safe on the way in
    fetched = await alice.get_attachment(sent.attachments[0].id)
    assert fetched.content == PDF
    thread = (await alice.ticket_messages(mailed, limit=50)).items
    assert thread[-1].id == sent.id and thread[-1].attachments == sent.attachments


async def test_a_reply_of_files_only_is_a_reply_but_nothing_at_all_is_not(open_backend, mailed):
    from deskline.errors import ValidationFailed
    from deskline.models import FileUpload

    alice = await open_backend(ALICE)
    sent = await alice.reply(mailed, "", [FileUpload(filename="a.txt", content=b"a")])
    assert sent.body == "" and len(sent.attachments) == 1
    with pytest.raises(ValidationFailed):
        await alice.reply(mailed, "  ")


async def test_a_reply_with_files_larger_than_an_ordinary_request(open_backend, mailed):
    """Messages take bodies up to 40 MiB (a reply's 25 MB of files, as base64)."""
    from deskline.models import FileUpload

    alice = await open_backend(ALICE)
    big = bytes(range(256)) * (8 * 1024)  # 2 MiB
    sent = await alice.reply(mailed, "The full log.", [FileUpload(filename="full.log",
                                                                  content=big)])
    assert (await alice.get_attachment(sent.attachments[0].id)).content == big


async def test_a_reply_s_files_add_up_to_25_mb_at_most(demo_db, mailed):
    """Checked by the service (the same rule whatever the backend); here on the local one:
    as base64 these files would also pass the server's body limit."""
    from deskline.errors import ValidationFailed
    from deskline.local import LocalBackend
    from deskline.models import FileUpload

    backend = await LocalBackend.open(demo_db, ALICE)
    try:
        chunk = b"\0" * (9 * 1024 * 1024)
        with pytest.raises(ValidationFailed, match="25 MB"):
            await backend.reply(mailed, "Too much.", [
                FileUpload(filename=f"part{i}.bin", content=chunk) for i in range(3)])
        thread = (await backend.ticket_messages(mailed, limit=50)).items
        assert all(m.body != "Too much." for m in thread)  # nothing was written
    finally:
        await backend.close()
