"""Terminal control from the data never leaves the command line raw: JSON output escapes
C0, DEL, C1, the line separators and bidi overrides (one writer, `deskline.text.json_text`),
and the importer's column listing shows stand-ins."""

from __future__ import annotations

import json
import re

import pytest

from deskline.cli import main
from deskline.text import json_text
from tests.conftest import ADMIN

HOSTILE = ("sub \x1b]0;pwned\x07 \x1b]52;c;SGVsbG8=\x07 \x1b]8;;http://x\x1b\\l\x1b]8;;\x1b\\"
           " \x9b31m \x9d0;t\x9c \x00\x7f \u202eevil \u2028\u2029 é ü 日本")
# What no line written to a terminal may hold: C0 but newline, DEL, C1, separators, bidi.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def hostile_ticket(db) -> None:
    from deskline.models import TicketCreate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(db)
    try:
        svc = Service(store, resolve_agent(store, ADMIN))
        team = next(t for t in svc.list_teams() if t.name == "Customer Care")
        svc.create_ticket(TicketCreate(subject=HOSTILE, description=HOSTILE, team_id=team.id,
                                       priority=3, tags=["t\x9bx"]))
    finally:
        store.close()


def test_json_text_escapes_controls_and_keeps_other_text_readable():
    out = json_text({"v": HOSTILE, "list": ["\x85", "\u2028"]})
    assert not RAW.search(out) and "\n" not in out
    assert json.loads(out) == {"v": HOSTILE, "list": ["\x85", "\u2028"]}
    assert "é ü 日本" in out and "\\u009b" in out and "\\u202e" in out
    assert "\n" in json_text({"a": 1}, indent=2)


def test_tickets_json_escapes_c1(demo_db, capsys):
    hostile_ticket(demo_db)
    assert main(["tickets", "--db", str(demo_db), "--team", "Customer Care", "--json",
                 "--limit", "0"]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out)
    rows = [json.loads(line) for line in out.splitlines()]
    assert HOSTILE in {r["subject"] for r in rows}
    assert "é ü 日本" in out


@pytest.mark.parametrize("kind", ["tickets", "customers"])
def test_export_json_escapes_c1(demo_db, capsys, kind):
    hostile_ticket(demo_db)
    if kind == "customers":
        from deskline.models import CustomerCreate
        from deskline.service import Service, resolve_agent
        from deskline.store.sqlite import SqliteStore

        store = SqliteStore.open(demo_db)
        Service(store, resolve_agent(store, ADMIN)).create_customer(
            CustomerCreate(email="h@example.com", name=HOSTILE, phone="\x9b1\x07"))
        store.close()
    assert main(["export", "--db", str(demo_db), kind, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out)
    rows = [json.loads(line) for line in out.splitlines()]
    field = "subject" if kind == "tickets" else "name"
    assert HOSTILE in {r[field] for r in rows}


def test_report_and_maintenance_json_are_escaped(demo_db, capsys):
    from deskline.models import TeamUpdate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(demo_db)
    svc = Service(store, resolve_agent(store, ADMIN))
    team = svc.list_teams()[0]
    svc.update_team(team.id, TeamUpdate(name="Team \x9b\x1b]0;x\x07"))
    store.close()
    assert main(["report", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out.replace("\n", ""))
    json.loads(out)
    assert main(["maintenance", "--db", str(demo_db), "--json"]) == 0
    json.loads(capsys.readouterr().out)


def test_import_fields_shows_stand_ins(demo_db, tmp_path, capsys):
    data = tmp_path / "hostile.csv"
    data.write_text("email,name\x1b]0;col\x07\n"
                    "a@example.com,Eve \x1b]0;owned\x07 \x9b2J \x1b]52;c;SGVsbG8=\x07\n",
                    encoding="utf-8")
    assert main(["import", "--db", str(demo_db), "customers", str(data), "--fields"]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out.replace("\n", ""))
    assert "Eve ␛]0;owned␇ ⟨9B⟩2J ␛]52;c;SGVsbG8=␇" in out
    assert "name␛]0;col␇" in out
