"""`deskline notifications`: the inbox, marking read, settings and following a team from
the command line, with one-sentence refusals naming the option."""

from __future__ import annotations

from deskline.cli import main
from deskline.models import TicketCreate
from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.cli.helpers import jsons
from tests.conftest import ALICE, JONAS


def test_notifications_commands(demo_db, capsys):
    store = SqliteStore.open(demo_db)
    admin = Service(store, resolve_agent(store, None))
    care = next(t for t in admin.list_teams() if t.name == "Customer Care")
    ticket = admin.create_ticket(TicketCreate(team_id=care.id, subject="Disk \x1b[2J full"))
    admin.comment(ticket.id, "@alice.martin have a look")
    store.close()
    base = ["notifications", "--db", str(demo_db), "--as", ALICE]
    assert main([*base, "list"]) == 0
    out = capsys.readouterr().out
    assert "\tmention\t#" in out and out.splitlines()[-1].endswith(" unread")
    assert "\x1b" not in out
    assert main([*base, "list", "--unread", "--json"]) == 0
    [entry] = [e for e in jsons(capsys.readouterr().out) if e["ticket_id"] == ticket.id]
    assert entry["kind"] == "mention" and entry["read_at"] is None
    assert main([*base, "settings", "--mail", "mention,assigned", "--bell", "off"]) == 0
    assert capsys.readouterr().out.splitlines() == ["mail: mention, assigned", "bell: off"]
    assert main([*base, "settings", "--mail", "nosuch"]) == 1
    assert capsys.readouterr().err.startswith("deskline: --mail: Input should be 'mention'")
    assert main([*base, "read"]) == 1
    assert main([*base, "read", str(entry["id"])]) == 0
    assert main([*base, "read", "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 unread"
    # the options after the verb too, as every other command takes them
    assert main(["notifications", "list", "--db", str(demo_db), "--as", ALICE]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 unread"
    assert main([*base, "follow", "customer care"]) == 0
    assert "Following the tickets of Customer Care." in capsys.readouterr().out
    assert main(["notifications", "--db", str(demo_db), "--as", JONAS, "follow",
                 "Billing"]) == 1
