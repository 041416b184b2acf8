"""`deskline webhook …` and `deskline ticket hand-off`: what they print, JSON lines,
refusals as one sentence naming the option, and delivery from the command line to a
receiver on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import dl, jsons, ticket
from tests.webhooks.receiver import Receiver


def test_webhook_commands_from_add_to_delete(db: Path, capsys) -> None:
    receiver = Receiver().start()
    try:
        err = dl(db, capsys, "webhook", "add", "ftp://nowhere/", "--event", "all", code=1)
        assert err.startswith("deskline: URL: ")
        err = dl(db, capsys, "webhook", "add", receiver.url, "--event", "all", code=1)
        assert "URL: 127.0.0.1 is not a public address" in err
        err = dl(db, capsys, "webhook", "add", receiver.url, "--event", "nope", code=1)
        assert err.startswith("deskline: --event: unknown event type 'nope'")
        out = dl(db, capsys, "webhook", "add", receiver.url, "--event", "ticket.created",
                 "--event", "ticket.handed_off", "--allow-private", "--description", "CRM")
        secret = out.split("Signing secret (shown only now; keep it where the receiver can "
                           "read it): ")[1].strip()
        assert secret.startswith("whsec_")
        receiver.secret = secret
        hook = jsons(dl(db, capsys, "webhook", "list", "--json"))[0]
        assert "secret" not in hook and hook["events"] == ["ticket.created",
                                                           "ticket.handed_off"]
        assert "\tprivate\t" in dl(db, capsys, "webhook", "list")

        number = ticket(db, "Wants 40 seats")
        err = dl(db, capsys, "ticket", "hand-off", str(number), "--note", " ", code=1)
        assert err.startswith("deskline: --note: ")
        assert f"Handed #{number} to sales" in dl(db, capsys, "ticket", "hand-off",
                                                  str(number), "--note", "Budget approved")
        assert dl(db, capsys, "webhook", "deliver").startswith("Delivered 2, to retry 0")
        assert receiver.events() == ["ticket.created", "ticket.handed_off"]
        assert all(r.valid for r in receiver.received)
        log = jsons(dl(db, capsys, "webhook", "log", str(hook["id"]), "--json"))
        assert [(d["event"], d["status"], d["response_code"]) for d in log] == \
            [("ticket.handed_off", "delivered", 200), ("ticket.created", "delivered", 200)]
        assert "\tdelivered\t200\t1 attempts\t" in dl(db, capsys, "webhook", "log",
                                                     str(hook["id"]))
        again = jsons(dl(db, capsys, "webhook", "redeliver", str(log[0]["id"]), "--json"))
        assert again[0]["status"] == "queued"
        assert jsons(dl(db, capsys, "webhook", "deliver", "--json"))[0]["delivered"] == 1
        assert receiver.duplicates == 1

        edited = jsons(dl(db, capsys, "webhook", "edit", str(hook["id"]), "--disable",
                          "--allow-internal", "--json"))[0]
        assert (edited["active"], edited["allow_internal"]) == (False, True)
        err = dl(db, capsys, "webhook", "edit", "999", "--disable", code=1)
        assert "webhook 999 does not exist" in err
        assert dl(db, capsys, "webhook", "delete", str(hook["id"])).startswith("Deleted")
        assert dl(db, capsys, "webhook", "list") == ""
    finally:
        receiver.stop()

