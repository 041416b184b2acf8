"""Streaming export of tickets and customers: filters, formats, scope, re-import."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from deskline.io import export
from deskline.io.importer import run_import
from deskline.models import CustomerExportFilter, TicketExportFilter
from tests.conftest import FIXED_NOW
from tests.io.conftest import as_


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_every_ticket_as_csv_then_it_imports_again(admin, store):
    out = io.StringIO()
    count = export.export_tickets(admin, out)
    total = store.conn.execute("SELECT count(*) FROM tickets WHERE archived = 0").fetchone()[0]
    rows = _csv(out.getvalue())
    assert count == len(rows) == total
    assert list(rows[0]) == list(export.TICKET_COLUMNS)
    assert rows[0]["number"] == "1" and rows[0]["team"]
    # The exported file needs no mapping to be imported, and has no problem.
    report = run_import(admin, out.getvalue().encode(), "tickets", dry_run=True)
    assert report.ok and report.good == total and report.unlinked == 0


def test_filters_and_json_lines(admin, store):
    care = next(t for t in admin.list_teams() if t.name == "Customer Care")
    solved = next(s for s in admin.list_stages(care.id) if s.name == "Solved")
    out = io.StringIO()
    since = FIXED_NOW - timedelta(days=30)
    n = export.export_tickets(admin, out, "json", TicketExportFilter(
        team_id=care.id, stage_id=solved.id, since=since))
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert n == len(rows) > 0
    assert {r["team"] for r in rows} == {"Customer Care"} and {r["stage"] for r in rows} == \
        {"Solved"}
    assert all(r["created_at"] >= since.isoformat()[:19] for r in rows)
    assert isinstance(rows[0]["tags"], list)
    expected = store.conn.execute(
        "SELECT count(*) FROM tickets WHERE team_id = ? AND stage_id = ? AND created_at >= ?"
        " AND archived = 0", (care.id, solved.id, since.isoformat())).fetchone()[0]
    assert n == expected
    out = io.StringIO()
    export.export_tickets(admin, out, "csv", TicketExportFilter(open=True))
    assert {r["closed_at"] for r in _csv(out.getvalue())} == {""}


def test_export_respects_what_the_agent_may_see(store, clock):
    jonas = as_(store, "jonas.larsen@deskline.example", clock)
    out = io.StringIO()
    export.export_tickets(jonas, out)
    teams = {r["team"] for r in _csv(out.getvalue())}
    assert "Billing" not in teams and "Platform Escalations" not in teams


def test_batches_do_not_change_the_result(admin, monkeypatch):
    whole = io.StringIO()
    export.export_tickets(admin, whole)
    monkeypatch.setattr(export, "BATCH", 7)
    small = io.StringIO()
    export.export_tickets(admin, small)
    assert small.getvalue() == whole.getvalue()


def test_export_customers_by_project_and_unassigned(admin, store):
    pid = store.conn.execute("SELECT project_id FROM customer_projects LIMIT 1").fetchone()[0]
    project = next(p for p in store.projects() if p.id == pid)
    out = io.StringIO()
    n = export.export_customers(admin, out, "csv", CustomerExportFilter(project_id=project.id))
    rows = _csv(out.getvalue())
    assert n == len(rows) > 0 and all(project.name in r["projects"] for r in rows)
    out = io.StringIO()
    export.export_customers(admin, out, "json", CustomerExportFilter(unassigned=True))
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows and all(r["organization"] is None for r in rows)


def test_exported_customers_import_into_an_empty_helpdesk(admin, tmp_path):
    from deskline.local import resolve_agent
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    out = io.StringIO()
    total = export.export_customers(admin, out)
    fresh = SqliteStore.open(tmp_path / "fresh.db")
    with fresh.transaction():
        fresh.insert_agent("root@example.com", "Root", "admin", None)
    svc = Service(fresh, resolve_agent(fresh, None))
    data = out.getvalue().encode("utf-8")
    # The projects do not exist there: each row that names one is reported.
    report = run_import(svc, data, "customers", dry_run=True)
    assert report.bad > 0 and {p.field for p in report.problems} == {"projects"}
    report = run_import(svc, data, "customers", chosen={"projects": "ignore"})
    assert report.written == total
    used = {c.organization_id for c in admin.list_customers(limit=200).items} - {None}
    assert len(fresh.organizations()) == len(used)
    fresh.close()


def test_excel_safe_defuses_formulas(admin, store):
    with store.transaction():
        store.conn.execute("UPDATE tickets SET subject = '=HYPERLINK(\"http://x\",\"y\")'"
                           " WHERE id = 2")
    plain, safe = io.StringIO(), io.StringIO()
    export.export_tickets(admin, plain)
    export.export_tickets(admin, safe, excel_safe=True)
    assert _csv(plain.getvalue())[1]["subject"] == '=HYPERLINK("http://x","y")'
    assert _csv(safe.getvalue())[1]["subject"] == '\'=HYPERLINK("http://x","y")'
    assert _csv(safe.getvalue())[1]["number"] == "2"


def test_control_characters_reach_a_terminal_only_as_visible_text():
    from deskline.io.commands import _SafeTerminal

    out = io.StringIO()
    _SafeTerminal(out).write("[URGENT] \x1b]52;c;aGVsbG8=\x07 help\r\n")
    assert out.getvalue() == "[URGENT] ␛]52;c;aGVsbG8=␇ help\n"


@pytest.mark.parametrize("start", ["＝", "＋", "－", "＠", "\t=", "\r=", "  =", "=", "@"])
def test_excel_safe_knows_full_width_and_whitespace_starts(start):
    assert export._defuse(start + "SUM(A1)") == "'" + start + "SUM(A1)"
    assert export._defuse("plain " + start) == "plain " + start
