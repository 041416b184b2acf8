"""`deskline tickets` with the list's filters, on the file and on a server (`--server`,
`$DESKLINE_SERVER`, the token from `$DESKLINE_TOKEN`); `report` and `export` on a server
give what they give on the file."""

from __future__ import annotations

import json
import os

import pytest

from deskline.cli import main
from deskline.models import TicketCreate
from deskline.server.run import start_in_thread
from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.cli.helpers import jsons
from tests.conftest import ADMIN, ALICE
from tests.server_support import make_token


def rows(capsys) -> list[dict]:
    return jsons(capsys.readouterr().out)


def test_hostile_text_stays_data(demo_db, capsys):
    store = SqliteStore.open(demo_db)
    svc = Service(store, resolve_agent(store, ADMIN))
    team = svc.list_teams()[0]
    svc.create_ticket(TicketCreate(subject="\x1b]52;c;ZXZpbA==\x07 [URGENT] \x9b2J",
                                   team_id=team.id))
    store.close()
    assert main(["tickets", "--db", str(demo_db), "--sort", "created", "--limit", "1"]) == 0
    line = capsys.readouterr().out
    assert "[URGENT]" in line and not {"\x1b", "\x07", "\x9b"} & set(line)
    assert main(["tickets", "--db", str(demo_db), "--sort", "created", "--limit", "1",
                 "--json"]) == 0
    out = capsys.readouterr().out
    assert not {"\x1b", "\x07", "\x9b"} & set(out) and "\\u001b" in out


def test_filters_on_the_file(demo_db, capsys):
    assert main(["tickets", "--db", str(demo_db), "--as", ALICE, "--assignee", "me",
                 "--status", "open", "--sort", "priority", "--limit", "0", "--json"]) == 0
    mine = rows(capsys)
    assert mine and {r["assignee_name"] for r in mine} == {"Alice Martin"}
    assert all(r["closed_at"] is None for r in mine)
    assert [r["priority"] for r in mine] == sorted((r["priority"] for r in mine), reverse=True)
    assert main(["tickets", "--db", str(demo_db), "--team", "Customer Care", "--priority",
                 "urgent", "--updated-since", "2026-01-01", "--json", "--limit", "0"]) == 0
    urgent = rows(capsys)
    assert urgent and {(r["team"], r["priority"]) for r in urgent} == {("Customer Care", 3)}
    assert main(["tickets", "--db", str(demo_db), "--assignee", "none", "--limit", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.split("\t")[4] == "-" for line in lines)


@pytest.mark.parametrize("args, message", [
    (["--priority", "huge"], "--priority: 'huge' is not one of"),
    (["--assignee", "ghost@example.com"], "--assignee: no agent"),
    (["--created-since", "someday"], "--created-since:"),
    (["--customer", "nobody@example.com"], "--customer: no customer"),
])
def test_refusals_name_the_option(demo_db, capsys, args, message):
    assert main(["tickets", "--db", str(demo_db), *args]) == 1
    assert message in capsys.readouterr().err


def test_tickets_and_report_on_a_server(demo_db, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DESKLINE_CONFIG", str(tmp_path / "none.toml"))
    server = start_in_thread(demo_db)
    try:
        monkeypatch.setenv("DESKLINE_TOKEN", make_token(demo_db, ALICE))
        assert main(["tickets", "--server", server.url, "--assignee", "me", "--json",
                     "--limit", "0"]) == 0
        remote = rows(capsys)
        assert main(["tickets", "--db", str(demo_db), "--as", ALICE, "--assignee", "me",
                     "--json", "--limit", "0"]) == 0
        assert remote == rows(capsys) and remote
        monkeypatch.setenv("DESKLINE_SERVER", server.url)
        assert main(["tickets", "--team", "Customer Care", "--stage", "New", "--limit",
                     "3"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 3 and {line.split("\t")[2] for line in lines} == {"New"}
        assert main(["report", "--team", "Customer Care"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert main(["report", "--db", str(demo_db), "--as", ALICE, "--team",
                     "Customer Care"]) == 0
        local = json.loads(capsys.readouterr().out)
        assert report["opened"] == local["opened"] and report["filter"]["team_id"]
        for kind, extra in (("tickets", ["--closed", "--archived"]), ("tickets", []),
                            ("customers", [])):
            assert main(["export", kind, "--format", "json", *extra]) == 0
            remote_rows = rows(capsys)
            assert main(["export", kind, "--db", str(demo_db), "--as", ALICE, "--format",
                         "json", *extra]) == 0
            local_rows = rows(capsys)
            key = "number" if kind == "tickets" else "email"
            assert remote_rows and sorted(remote_rows, key=lambda r: r[key]) == sorted(
                local_rows, key=lambda r: r[key])
        assert main(["tickets", "--as", ADMIN]) == 1
        assert "--as: on a server the token says who you are" in capsys.readouterr().err
        token = os.environ["DESKLINE_TOKEN"]
        monkeypatch.delenv("DESKLINE_TOKEN")
        assert main(["tickets"]) == 1
        assert "needs a token" in capsys.readouterr().err
        config = tmp_path / "deskline.toml"  # the console's config file serves too
        config.write_text(f'server = "{server.url}"\ntoken = "{token}"\n', encoding="utf-8")
        monkeypatch.delenv("DESKLINE_SERVER")
        assert main(["--config", str(config), "tickets", "--assignee", "me", "--json",
                     "--limit", "0"]) == 0
        assert rows(capsys) == remote
    finally:
        server.stop()
