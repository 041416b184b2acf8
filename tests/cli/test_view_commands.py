"""`deskline view add|list|show|delete` as an agent, through `cli.main`."""

from __future__ import annotations

from deskline.cli import main
from tests.cli.helpers import jsons
from tests.conftest import ALICE


def test_add_list_show_and_delete_a_view(demo_db, capsys):
    as_alice = ["--db", str(demo_db), "--as", ALICE]
    assert main(["view", "add", "Urgent care", "--team", "Customer Care",
                 "--priority-at-least", "high", *as_alice]) == 0
    assert "saved: Urgent care" in capsys.readouterr().out
    assert main(["view", "add", "urgent CARE", *as_alice]) == 1
    assert capsys.readouterr().err.startswith("deskline: NAME: you already have a view")
    assert main(["view", "add", "Idle", "--idle-days", "0", *as_alice]) == 1
    assert "--idle-days" in capsys.readouterr().err
    assert main(["view", "list", *as_alice]) == 0
    number, name, count = capsys.readouterr().out.strip().split("\t")
    assert name == "Urgent care" and count.rstrip("+").isdigit()
    assert main(["view", "show", "urgent care", "--limit", "5", "--json", *as_alice]) == 0
    rows = jsons(capsys.readouterr().out)
    assert 0 < len(rows) <= 5
    assert {r["team_name"] for r in rows} == {"Customer Care"}
    assert all(r["priority"] >= 2 for r in rows)
    assert main(["view", "show", "Urgent care", *as_alice]) == 0
    assert capsys.readouterr().out.startswith("#")
    assert main(["view", "delete", "Urgent care", *as_alice]) == 0
    assert main(["view", "show", "Urgent care", *as_alice]) == 1
    assert "no view 'Urgent care'" in capsys.readouterr().err
