"""`deskline canned`: personal replies with --as, team replies with --team (admins), the
body checked when saved, rendered for a ticket, refusals naming the option."""

from __future__ import annotations

from tests.cli.helpers import dl, jsons, ticket

AGENT = "ann@acme.example"


def test_canned_replies_from_the_command_line(db, capsys):
    dl(db, capsys, "agent", "add", AGENT, "--name", "Ann Agent")
    out = dl(db, capsys, "canned", "add", "Hello", "--as", AGENT, "--body",
             'Hi {{ customer.first_name or "there" }}, #{{ ticket.number }}. {{ agent.name }}')
    assert out.startswith("Added canned reply Hello for you")
    err = dl(db, capsys, "canned", "add", "Broken", "--as", AGENT, "--body", "a\n{{ x }}",
             code=1)
    assert err.startswith("deskline: --body: line 2: unknown name 'x'")
    err = dl(db, capsys, "canned", "add", "hello", "--as", AGENT, "--body", "x", code=1)
    assert err.startswith("deskline: NAME: you have a canned reply named hello")
    err = dl(db, capsys, "canned", "add", "Steps", "--team", "Support", "--as", AGENT,
             "--body", "x", code=1)
    assert "only an admin" in err
    dl(db, capsys, "canned", "add", "Steps", "--team", "Support", "--body",
       "Restart {{ ticket.subject }}")

    mine = jsons(dl(db, capsys, "canned", "list", "--as", AGENT, "--json"))
    assert [(r["name"], r["team_name"]) for r in mine] == [("Hello", None),
                                                           ("Steps", "Support")]
    assert "Steps\tSupport\tRestart" in dl(db, capsys, "canned", "list", "--team", "Support")

    number = ticket(db, subject="Printer")
    shown = dl(db, capsys, "canned", "show", "Hello", "--as", AGENT, "--ticket", str(number))
    assert shown == f"Hi there, #{number}. Ann Agent\n"
    assert dl(db, capsys, "canned", "show", "Steps", "--team", "Support", "--ticket",
              str(number)) == "Restart Printer\n"
    assert "REPLY: no canned reply" in dl(db, capsys, "canned", "show", "Steps", "--as", AGENT,
                                          code=1)

    assert "body" in dl(db, capsys, "canned", "edit", "Hello", "--as", AGENT, "--body", "Hey")
    assert "only an admin" in dl(db, capsys, "canned", "delete", "Steps", "--team", "Support",
                                 "--as", AGENT, code=1)
    dl(db, capsys, "canned", "delete", "Hello", "--as", AGENT)
    dl(db, capsys, "canned", "delete", "Steps", "--team", "Support")
    assert dl(db, capsys, "canned", "list", "--as", AGENT) == ""
