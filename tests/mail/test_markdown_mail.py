"""A reply's Markdown is mailed as multipart/alternative: the text exactly as the agent
wrote it, then HTML that a mail client may show instead."""

from __future__ import annotations

from deskline.mail.intake import Intake
from deskline.models import FileUpload

from .conftest import agent_service, mail

WRITTEN = ("Hello Carla,\n\nplease **restart** the printer:\n\n1. switch it off\n"
           "2. wait <10 s>\n\nSee [the manual](https://help.example/printer) or "
           "[this](javascript:alert(1)).\nBob")


def test_a_reply_carries_its_text_as_written_and_its_html(store, clock, outbox, sink) -> None:
    ticket_id = Intake(store, clock=clock).take(mail()).ticket_id
    agent_service(store, clock).reply(ticket_id, WRITTEN, [
        FileUpload(filename="steps.txt", content_type="text/plain", content=b"1. off\n")])
    assert outbox.deliver().failed == 0
    confirmation, reply = (r.message for r in sink.received)
    assert confirmation.get_content_type() == "text/plain"  # only Markdown kinds get HTML
    assert reply.get_content_type() == "multipart/mixed"
    body = reply.get_body(("related", "html", "plain"))
    assert body is not None and body.get_content_type() == "text/html"
    alternative = next(reply.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == \
        ["text/plain", "text/html"]
    plain = reply.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain.rstrip("\n") == WRITTEN
    html = body.get_content().replace("\r\n", "\n")
    assert "<strong>restart</strong>" in html and "<li>switch it off</li>" in html
    assert "wait &lt;10 s&gt;" in html and "<10" not in html
    assert '<a href="https://help.example/printer">the manual</a>' in html
    assert "javascript:" not in html.replace("[this](javascript:alert(1))", "")
    assert 'href="javascript' not in html
    assert "<br />\nBob" in html  # a line break as typed stays one
    assert [p.get_filename() for p in reply.iter_attachments()] == ["steps.txt"]
