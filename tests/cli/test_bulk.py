"""`deskline tickets bulk`: by number or by filter, --dry-run, undo, refusals naming the
option."""

from __future__ import annotations

import json

import pytest

from deskline.cli import main
from tests.conftest import ALICE


def test_bulk_by_number_and_by_filter_then_undo(demo_db, capsys):
    db = ["--db", str(demo_db), "--as", ALICE]
    assert main(["tickets", "bulk", "priority", "#12", "13", "--to", "urgent", "--dry-run",
                 *db]) == 0
    assert capsys.readouterr().out.startswith("Would change: ")
    assert main(["tickets", "bulk", "add-tag", "--team", "customer care", "--stage", "New",
                 "--priority", "high", "--to", "from-cli", "--json", *db]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["action"] == "add_tag" and done["changed"] and done["undoable"]
    assert main(["tickets", "bulk", "undo", *db]) == 0
    assert capsys.readouterr().out.startswith(f"Undone: {len(done['changed'])} of ")


@pytest.mark.parametrize("args, message", [
    (["move", "12"], "--to: say what to move"),
    (["priority", "12", "--to", "loud"], "--to: a priority is low, medium, high, urgent"),
    (["close"], "NUMBER: name the tickets by number, or all that match with --team"),
    (["undo"], "there is no bulk action of yours to undo"),
])
def test_bulk_refusals_name_the_option(demo_db, capsys, args, message):
    assert main(["tickets", "bulk", *args, "--db", str(demo_db), "--as", ALICE]) == 1
    assert message in capsys.readouterr().err
