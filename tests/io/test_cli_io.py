"""`deskline import`, `export`, `report` and `maintenance` as a script user meets them."""

from __future__ import annotations

import json
import subprocess
import sys

from deskline.cli import main
from tests.io.conftest import FILES


def _customers(db) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM customers").fetchone()[0]


def test_import_good_file(demo_db, capsys):
    before = _customers(demo_db)
    assert main(["import", "--db", str(demo_db), "customers",
                 str(FILES / "kunden_utf8_bom_semikolon.csv")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Imported 3 of 3 customers rows.")
    assert "utf-8-sig, semicolon-separated" in out and "Vorname → first_name" in out
    assert _customers(demo_db) == before + 3


def test_bad_rows_write_nothing_exit_1_and_report_lines(demo_db, capsys):
    before = _customers(demo_db)
    code = main(["import", "--db", str(demo_db), "customers",
                 str(FILES / "customers_problems.csv")])
    out = capsys.readouterr().out
    assert code == 1 and _customers(demo_db) == before
    assert out.startswith("Nothing imported: 5 of 8 rows are bad.")
    assert "  line 4 (email): missing email" in out
    assert "  line 8 (projects): unknown project 'Nowhere rollout'" in out
    assert main(["import", "--db", str(demo_db), "customers",
                 str(FILES / "customers_problems.csv"), "--skip-bad"]) == 0
    assert "Imported 3 of 8 customers rows; skipped 5 bad rows." in capsys.readouterr().out
    assert _customers(demo_db) == before + 3


def test_dry_run_json(demo_db, capsys):
    code = main(["import", "--db", str(demo_db), "tickets",
                 str(FILES / "tickets_problems.csv"), "--dry-run", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["dry_run"] and report["written"] == 0
    assert [p["line"] for p in report["problems"]] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert main(["import", "--db", str(demo_db), "tickets", str(FILES / "tickets_de.csv"),
                 "--dry-run"]) == 0
    assert "Not linked to a customer (no matching email): 2" in capsys.readouterr().out


def test_map_save_and_reuse_a_mapping(demo_db, tmp_path, capsys):
    data = tmp_path / "crm.csv"
    data.write_text("Kontaktadresse;Wer\ncli.one@example.com;Cli One\n", encoding="utf-8")
    assert main(["import", "--db", str(demo_db), "customers", str(data)]) == 1
    assert "no column is mapped to email" in capsys.readouterr().err
    assert main(["import", "--db", str(demo_db), "customers", str(data), "--map",
                 "Kontaktadresse=email", "--map", "wer=name", "--save-mapping", "crm",
                 "--dry-run"]) == 0
    assert "Mapping saved as 'crm'" in capsys.readouterr().out
    data.write_text("Wer;Kontaktadresse\nCli Two;cli.two@example.com\n", encoding="utf-8")
    assert main(["import", "--db", str(demo_db), "customers", str(data), "--mapping",
                 "crm"]) == 0
    assert main(["import", "--db", str(demo_db), "customers", str(data), "--fields"]) == 0
    assert "Kontaktadresse → (ignored)" in capsys.readouterr().out


def test_export_and_report(demo_db, tmp_path, capsys):
    assert main(["export", "--db", str(demo_db), "tickets", "--format", "json", "--team",
                 "customer care", "--since", "2026-11-01", "--open"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and {r["team"] for r in rows} == {"Customer Care"}
    assert all(r["closed_at"] is None and r["created_at"] >= "2026-11-01" for r in rows)
    target = tmp_path / "customers.csv"
    assert main(["export", "--db", str(demo_db), "customers", "--output", str(target),
                 "--unassigned"]) == 0
    assert "Exported" in capsys.readouterr().err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "email,name,organization,phone,projects,created_at" and len(lines) > 1
    assert main(["report", "--db", str(demo_db), "--team", "Customer Care", "--since",
                 "2026-11-01", "--until", "2026-11-16"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["filter"]["team_id"] and len(report["per_day"]) == 15
    assert {"opened", "closed", "backlog", "sla", "first_response", "time_to_close",
            "ratings_by_team", "ratings_by_agent"} <= report.keys()


def test_maintenance_runs_twice_harmlessly(demo_db, capsys):
    assert main(["maintenance", "--db", str(demo_db), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["closed"] == len(first["closed_ids"]) == first["rating_requests"]
    assert main(["maintenance", "--db", str(demo_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["closed"] == 0


def test_errors_are_one_line(demo_db, tmp_path):
    for args, message in (
        (["import", "customers", str(tmp_path / "missing.csv")], "no file at"),
        (["export", "tickets", "--team", "Nope"], "no team 'Nope'"),
        (["report", "--since", "someday"], "--since: unparseable date 'someday'"),
        (["import", "customers", str(FILES / "customers_tabs.tsv"), "--map", "x=email"],
         "the file has no column 'x'"),
    ):
        result = subprocess.run([sys.executable, "-m", "deskline.cli", args[0], "--db",
                                 str(demo_db), *args[1:]], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 1, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
