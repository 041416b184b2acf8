"""`deskline init` and the administration commands, as a script meets them: what they print,
JSON lines that parse, refusals as one sentence naming the option, exit codes."""

from __future__ import annotations

import pytest

from deskline.cli import main
from tests.cli.helpers import ADMIN, dl, jsons, ticket

# --- init ---------------------------------------------------------------------------------

def test_init_makes_a_helpdesk_and_says_what_next(tmp_path, capsys):
    path = tmp_path / "new.db"
    assert main(["init", "--db", str(path), "--admin", "Ada@Acme.example", "--timezone",
                 "Europe/Berlin"]) == 0
    out = capsys.readouterr().out
    assert "admin ada@acme.example" in out.lower() and "Team Support" in out
    assert "Europe/Berlin" in out
    for step in (f"deskline --db {path}", "agent add", "team edit Support --alias"):
        assert step in out
    teams = jsons(dl(path, capsys, "team", "list", "--json"))
    assert [t["name"] for t in teams] == ["Support"]
    assert teams[0]["stages"] == ["New", "In Progress", "Waiting on Customer", "Solved",
                                  "Cancelled"]
    assert "made with deskline init" in dl(path, capsys, "audit")


def test_init_empty_and_db_before_the_subcommand(tmp_path, capsys):
    path = tmp_path / "empty.db"
    assert main(["--db", str(path), "init", "--admin", ADMIN, "--empty"]) == 0
    assert "Team" not in capsys.readouterr().out
    assert dl(path, capsys, "team", "list") == ""


@pytest.mark.parametrize("args, message", [
    (["--admin", "not-an-email"], "--admin: "),
    (["--admin", ADMIN, "--timezone", "Mars/Olympus"], "--timezone"),
])
def test_init_refusals_name_the_option(tmp_path, capsys, args, message):
    path = tmp_path / "x.db"
    assert main(["init", "--db", str(path), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not path.exists()


def test_init_refuses_an_existing_file(db, capsys):
    before = db.read_bytes()
    assert main(["init", "--db", str(db), "--admin", "x@acme.example"]) == 1
    assert "--db: " in capsys.readouterr().err and db.read_bytes() == before


def test_init_needs_a_file_name(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DESKLINE_DB", str(tmp_path / "env.db"))
    assert main(["init", "--admin", ADMIN]) == 1
    assert "--db: " in capsys.readouterr().err


def test_a_missing_database_names_init_and_demo(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.db"), "team", "list"]) == 1
    err = capsys.readouterr().err
    assert "deskline init" in err and "deskline demo" in err


def test_db_and_as_before_the_subcommand(db, tmp_path, capsys):
    dl(db, capsys, "agent", "add", "ann@acme.example")
    # --as before the subcommand: an agent may not add teams
    assert main(["--db", str(db), "--as", "ann@acme.example", "team", "add", "X"]) == 1
    assert "admin" in capsys.readouterr().err
    # the subcommand's own option still wins
    assert main(["--db", str(tmp_path / "none.db"), "team", "list", "--db", str(db)]) == 0
    assert "Support" in capsys.readouterr().out
    assert main(["--db", str(db), "tickets"]) == 0


# --- teams --------------------------------------------------------------------------------

def test_team_add_edit_list_archive(db, capsys):
    dl(db, capsys, "agent", "add", "ann@acme.example", "--name", "Ann")
    out = dl(db, capsys, "team", "add", "Billing", "--alias", "billing@acme.example",
             "--members", "ann@acme.example", "--stages", "New,Solved", "--assignment",
             "balanced_total", "--days", "mon-thu", "--hours", "8:30-16", "--timezone",
             "Europe/Paris", "--ratings", "--auto-close-days", "7", "--auto-close-stages",
             "Solved")
    assert "Added team Billing" in out
    team = next(t for t in jsons(dl(db, capsys, "team", "list", "--json"))
                if t["name"] == "Billing")
    assert team["email_alias"] == "billing@acme.example" and team["members"] == [
        "ann@acme.example"]
    assert team["stages"] == ["New", "Solved"] and team["ratings"] is True
    assert team["calendar"] == {"timezone": "Europe/Paris", "days": [0, 1, 2, 3],
                                "start_hour": 8.5, "end_hour": 16.0}
    assert team["auto_close_days"] == 7

    out = dl(db, capsys, "team", "edit", "billing", "--visibility", "public", "--hours", "9-17",
             "--no-ratings")
    assert "Changed team Billing:" in out and "visibility" in out and "ratings" in out
    edited = next(t for t in jsons(dl(db, capsys, "team", "list", "--json"))
                  if t["name"] == "Billing")
    assert edited["calendar"]["timezone"] == "Europe/Paris"  # the rest of the calendar kept
    assert edited["calendar"]["start_hour"] == 9.0
    out = dl(db, capsys, "team", "edit", "Billing", "--visibility", "company")
    assert "0 portal follow(s) removed" in out
    assert "nothing changed" in dl(db, capsys, "team", "edit", "Billing", "--visibility",
                                   "company")

    assert "Archived team Billing" in dl(db, capsys, "team", "archive", "Billing")
    line = next(line for line in dl(db, capsys, "team", "list").splitlines() if "Billing" in line)
    assert line.endswith("archived") and "9-17 mon,tue,wed,thu Europe/Paris" in line
    assert "Restored" in dl(db, capsys, "team", "archive", "Billing", "--restore")


@pytest.mark.parametrize("args, message", [
    (["team", "edit", "Billing", "--alias", "help@acme.example"], "--alias: help@acme.example "
                                                                   "is already the alias"),
    (["team", "add", "support"], "NAME: a team named support exists"),
    (["team", "edit", "Nope", "--ratings"], "TEAM: no team 'Nope'"),
    (["team", "edit", "Billing", "--members", "ghost@acme.example"],
     "--members: no agent 'ghost@acme.example'"),
    (["team", "edit", "Billing", "--stages", "Nope"], "--stages: no stage 'Nope'"),
    (["team", "edit", "Billing", "--days", "mon-funday"], "--days: "),
    (["team", "edit", "Billing", "--hours", "17-9"], "--timezone/--days/--hours: "),
    (["team", "edit", "Billing", "--timezone", "Nowhere/City"], "unknown time zone"),
    (["team", "edit", "Billing", "--auto-close-days", "-1"], "--auto-close-days: "),
])
def test_team_refusals(db, capsys, args, message):
    dl(db, capsys, "team", "edit", "Support", "--alias", "help@acme.example")
    dl(db, capsys, "team", "add", "Billing")
    assert message in dl(db, capsys, *args, code=1)


# --- stages -------------------------------------------------------------------------------

def test_stage_add_edit_list_move_delete(db, capsys):
    out = dl(db, capsys, "stage", "add", "Escalated", "--teams", "Support", "--template",
             "Confirmation")
    assert "Added stage Escalated" in out and "to Support" in out
    stages = jsons(dl(db, capsys, "stage", "list", "--json", "--team", "Support"))
    assert stages[-1]["name"] == "Escalated" and stages[-1]["template"] == "Confirmation"
    assert stages[-1]["teams"] == ["Support"]
    out = dl(db, capsys, "stage", "edit", "Escalated", "--closing", "--no-template", "--name",
             "Escalation")
    assert "Changed stage Escalation" in out and "closing" in out and "template" in out
    assert "Escalation\tclosing\t-\tSupport" in dl(db, capsys, "stage", "list")
    out = dl(db, capsys, "stage", "move", "Escalation", "--up")
    assert out.strip().endswith("Solved, Escalation, Cancelled.")
    out = dl(db, capsys, "stage", "move", "Escalation", "--by", "-10")
    assert "Stages now: Escalation, New" in out

    number = ticket(db, stage_id=jsons(dl(db, capsys, "stage", "list", "--json"))[0]["id"])
    err = dl(db, capsys, "stage", "delete", "Escalation", code=1)
    assert "--move-to: 1 ticket(s) are in stage Escalation" in err
    assert "Cancelled" in dl(db, capsys, "stage", "delete", "Escalation", "--move-to",
                             "Cancelled")
    row = jsons(dl(db, capsys, "tickets", "--json"))[0]
    assert row["number"] == number and row["stage"] == "Cancelled"


def test_stage_refusals(db, capsys):
    assert "--template: no template 'Nope'" in dl(db, capsys, "stage", "add", "X",
                                                  "--template", "Nope", code=1)
    assert "--teams: no team 'Nope'" in dl(db, capsys, "stage", "add", "X", "--teams", "Nope",
                                           code=1)
    dl(db, capsys, "sla", "add", "Fast", "--team", "Support", "--target", "Solved",
       "--hours", "8")
    assert "SLA policy Fast aims at this stage" in dl(db, capsys, "stage", "delete", "Solved",
                                                      code=1)


# --- SLA policies -------------------------------------------------------------------------

def test_sla_add_edit_list_delete(db, capsys):
    dl(db, capsys, "customer", "add", "carla@client.example")
    out = dl(db, capsys, "sla", "add", "Urgent", "--team", "Support", "--priorities",
             "high,3", "--tags", "vip", "--customers", "carla@client.example", "--target",
             "in progress", "--hours", "2", "--exclude", "Waiting on Customer")
    assert "Added SLA policy Urgent" in out
    policy = jsons(dl(db, capsys, "sla", "list", "--json"))[0]
    assert policy["priorities"] == [2, 3] and policy["tags"] == ["vip"]
    assert policy["target_stage"] == "In Progress" and policy["hours"] == 2
    assert policy["excluded_stages"] == ["Waiting on Customer"] and policy["team"] == "Support"
    assert len(policy["customer_ids"]) == 1
    out = dl(db, capsys, "sla", "edit", "urgent", "--hours", "4", "--priorities", "",
             "--recompute")
    assert "hours" in out and "priorities" in out and "open tickets restarted" in out
    text = dl(db, capsys, "sla", "list", "--team", "Support")
    assert "any priority" in text and "In Progress in 4 h" in text
    assert "Deleted SLA policy Urgent" in dl(db, capsys, "sla", "delete", "Urgent")
    assert dl(db, capsys, "sla", "list") == ""


@pytest.mark.parametrize("args, message", [
    (["--priorities", "critical"], "--priorities: 'critical' is not a priority"),
    (["--target", "Nowhere"], "--target: no stage 'Nowhere'"),
    (["--target", "Solved", "--hours", "4", "--exclude", "Solved"],
     "--exclude: the target stage cannot"),
    (["--customers", "nobody@x.example"], "--customers: no customer"),
    (["--target", "Solved"], "--hours: "),
    (["--target", "Solved", "--hours", "0"], "--hours: "),
])
def test_sla_refusals(db, capsys, args, message):
    if "--hours" not in args and "--target" not in args:
        args = [*args, "--target", "Solved", "--hours", "4"]
    assert message in dl(db, capsys, "sla", "add", "P", "--team", "Support", *args, code=1)


# --- mail templates -----------------------------------------------------------------------

def test_template_add_edit_list_check_preview(db, tmp_path, capsys):
    body = tmp_path / "body.txt"
    body.write_text("Hello {{ customer.first_name or 'there' }},\n\nticket "
                    "#{{ ticket.number }} is on hold.\n", encoding="utf-8")
    out = dl(db, capsys, "template", "add", "On hold", "--subject", "On hold: "
             "{{ ticket.subject }}", "--body-file", str(body))
    assert "Added template On hold" in out
    assert "On hold" in [t["name"] for t in jsons(dl(db, capsys, "template", "list", "--json"))]
    assert "subject" in dl(db, capsys, "template", "edit", "On hold", "--subject",
                           "Paused: {{ ticket.subject }}")
    assert "every placeholder is known" in dl(db, capsys, "template", "check", "On hold")

    number = ticket(db, "Printer \x1b[31mred")
    out = dl(db, capsys, "template", "check", "On hold", "--preview-ticket", str(number))
    assert "Subject: Paused: Printer ␛[31mred" in out and f"#{number} is on hold" in out
    assert "\x1b" not in out

    result = main(["--db", str(db), "template", "check", "--subject", "{{ ticket.nope }}",
                   "--body", "ok\n{% if %}"])
    out = capsys.readouterr().out
    assert result == 1
    lines = out.splitlines()
    assert lines[0].startswith("subject: ") and "ticket.nope" in lines[0]
    assert lines[1].startswith("body: line 2")


@pytest.mark.parametrize("args, message", [
    (["template", "add", "X", "--body", "b"], "--subject: "),
    (["template", "add", "X", "--subject", "s"], "--body: "),
    (["template", "add", "X", "--subject", "s", "--body", "{{ agent.password }}"], "--body: "),
    (["template", "add", "Solved", "--subject", "s", "--body", "b"], "NAME: a template named"),
    (["template", "edit", "Solved", "--subject", "{{ ticket.subject "], "--subject: line 1"),
    (["template", "add", "X", "--subject", "s", "--body-file", "/nonexistent/b"],
     "--body-file: cannot read"),
    (["template", "check", "Solved", "--preview-ticket", "999"], "--preview-ticket: "),
    (["template", "check"], "TEMPLATE: "),
])
def test_template_refusals(db, capsys, args, message):
    assert message in dl(db, capsys, *args, code=1)


def test_template_body_from_stdin(db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("From stdin {{ ticket.number }}\n"))
    dl(db, capsys, "template", "add", "Piped", "--subject", "s", "--body-file", "-")
    rows = jsons(dl(db, capsys, "template", "list", "--json"))
    assert next(t for t in rows if t["name"] == "Piped")["body"].startswith("From stdin")


# --- agents -------------------------------------------------------------------------------

def test_agent_add_is_audited_once_an_admin_exists(db, capsys):
    out = dl(db, capsys, "agent", "add", "ann@acme.example", "--name", "Ann", "--teams",
             "Support")
    assert "Added agent ann@acme.example" in out and "to Support" in out
    assert "ann@acme.example" in dl(db, capsys, "audit", "--kind", "agent")
    assert "EMAIL: an agent with the email" in dl(db, capsys, "agent", "add",
                                                  "ANN@acme.example", code=1)
    agents = jsons(dl(db, capsys, "agent", "list", "--json"))
    assert [a["email"] for a in agents] == [ADMIN, "ann@acme.example"]


def test_agent_edit_deactivate_and_the_last_admin(db, capsys):
    dl(db, capsys, "agent", "add", "ann@acme.example")
    err = dl(db, capsys, "agent", "edit", ADMIN, "--role", "agent", code=1)
    assert "--role: a helpdesk needs an active admin" in err
    assert "--active/--inactive: a helpdesk needs an active admin" in dl(
        db, capsys, "agent", "edit", ADMIN, "--inactive", code=1)
    out = dl(db, capsys, "agent", "edit", "ann@acme.example", "--role", "admin", "--name",
             "Ann A", "--email", "ann.a@acme.example", "--teams", "Support")
    assert "role" in out and "name" in out and "email" in out and "teams" in out
    team = jsons(dl(db, capsys, "team", "list", "--json"))[0]
    assert "ann.a@acme.example" in team["members"]
    assert "--email: an agent with the email" in dl(db, capsys, "agent", "edit",
                                                    "ann.a@acme.example", "--email", ADMIN,
                                                    code=1)

    number = ticket(db, "Assigned to Bo", assignee_id=1)
    dl(db, capsys, "agent", "edit", "ann.a@acme.example")  # nothing asked: nothing changes
    out = main(["--db", str(db), "--as", "ann.a@acme.example", "agent", "deactivate", ADMIN])
    text = capsys.readouterr().out
    assert out == 0 and "Deactivated boss@acme.example" in text
    assert f"#{number}\tAssigned to Bo" in text
    line = next(line for line in dl(db, capsys, "agent", "list").splitlines() if ADMIN in line)
    assert "\tinactive\t" in line
    assert "AGENT: no agent 'ghost'" in dl(db, capsys, "agent", "deactivate", "ghost", code=1)


def test_agent_time_off(db, capsys):
    dl(db, capsys, "agent", "add", "bob@acme.example")
    out = dl(db, capsys, "agent", "timeoff", "bob@acme.example", "add", "--from",
             "2026-12-01", "--until", "2026-12-05")
    assert "from 2026-12-01 00:00 until 2026-12-06 00:00 UTC" in out
    periods = jsons(dl(db, capsys, "agent", "timeoff", "bob@acme.example", "list", "--json"))
    assert len(periods) == 1 and periods[0]["agent"] == "bob@acme.example"
    assert periods[0]["start"].startswith("2026-12-01T00:00")
    assert "--until: " in dl(db, capsys, "agent", "timeoff", "bob@acme.example", "add",
                             "--from", "2026-12-05T10:00", "--until", "2026-12-05T09:00",
                             code=1)
    assert "--from: 'soon' is not a day" in dl(db, capsys, "agent", "timeoff",
                                               "bob@acme.example", "add", "--from", "soon",
                                               "--until", "2026-12-05", code=1)
    pid = str(periods[0]["id"])
    assert "Removed time off" in dl(db, capsys, "agent", "timeoff", "bob@acme.example",
                                    "remove", pid)
    assert "does not exist" in dl(db, capsys, "agent", "timeoff", "bob@acme.example",
                                  "remove", pid, code=1)
    assert dl(db, capsys, "agent", "timeoff", "bob@acme.example", "list") == ""


# --- organizations, projects, tags, audit -------------------------------------------------

def test_organizations_and_projects(db, capsys):
    assert "Added organization Acme" in dl(db, capsys, "org", "add", "Acme", "--domain",
                                           "acme.example")
    assert "NAME: an organization named acme exists" in dl(db, capsys, "org", "add", "acme",
                                                           code=1)
    dl(db, capsys, "org", "edit", "Acme", "--name", "Acme Corp", "--domain", "")
    assert jsons(dl(db, capsys, "org", "list", "--json"))[0] == {
        "id": 1, "name": "Acme Corp", "domain": None}
    assert "Added project Rollout" in dl(db, capsys, "project", "add", "Rollout",
                                         "--organization", "acme corp")
    assert jsons(dl(db, capsys, "project", "list", "--json"))[0]["organization"] == "Acme Corp"
    assert "still has 1 projects" in dl(db, capsys, "org", "delete", "Acme Corp", code=1)
    assert "--organization: no organization 'Nope'" in dl(db, capsys, "project", "edit",
                                                          "Rollout", "--organization",
                                                          "Nope", code=1)
    dl(db, capsys, "project", "edit", "Rollout", "--name", "Migration", "--organization", "")
    assert "Migration\t-" in dl(db, capsys, "project", "list")
    assert "Deleted project Migration" in dl(db, capsys, "project", "delete", "Migration")
    assert "Deleted organization Acme Corp" in dl(db, capsys, "org", "delete", "Acme Corp")


def test_tags(db, capsys):
    ticket(db, "One", tags=("printer", "vip"))
    ticket(db, "Two", tags=("printers",))
    tags = {t["name"]: t["ticket_count"] for t in jsons(dl(db, capsys, "tag", "list",
                                                           "--json"))}
    assert tags == {"printer": 1, "vip": 1, "printers": 1}
    assert "NEW: a tag named printer exists" in dl(db, capsys, "tag", "rename", "printers",
                                                   "printer", code=1)
    assert "on 1 ticket(s)" in dl(db, capsys, "tag", "rename", "vip", "VIP")
    assert "2 ticket(s) carry it" in dl(db, capsys, "tag", "merge", "printers", "printer")
    assert "Deleted tag VIP from 1 ticket(s)" in dl(db, capsys, "tag", "delete", "VIP")
    assert dl(db, capsys, "tag", "list") == "1\tprinter\t2\n"
    assert "TAG: no tag 'vip'" in dl(db, capsys, "tag", "delete", "vip", code=1)


def test_audit(db, capsys):
    dl(db, capsys, "team", "edit", "Support", "--alias", "help@acme.example")
    dl(db, capsys, "stage", "add", "Extra")
    rows = jsons(dl(db, capsys, "audit", "--json", "--limit", "2"))
    assert [(r["kind"], r["action"]) for r in rows] == [("stage", "created"),
                                                        ("team", "changed")]
    assert rows[1]["changes"][0] == {"field": "email_alias", "old": None,
                                     "new": "help@acme.example"}
    text = dl(db, capsys, "audit", "--kind", "team")
    assert "Bo Boss\tteam\tSupport\tchanged\temail_alias: help@acme.example" in text
    assert len(jsons(dl(db, capsys, "audit", "--json", "--limit", "0"))) > 5
    assert "--limit: " in dl(db, capsys, "audit", "--limit", "-1", code=1)
    dl(db, capsys, "agent", "add", "ann@acme.example")
    assert "audit trail" in dl(db, capsys, "--as", "ann@acme.example", "audit", code=1)


def test_the_console_on_a_missing_file_names_init_and_demo(tmp_path):
    from deskline.cli import CliError, build_parser
    from tui.launch import _console_db

    args = build_parser().parse_args(["--db", str(tmp_path / "none.db")])
    with pytest.raises(CliError) as refused:
        _console_db(args, {})
    assert "deskline init --db" in str(refused.value) and "deskline demo" in str(refused.value)


def test_help_names_the_administration_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("init", "team", "stage", "sla", "template", "agent", "org", "project",
                    "tag", "audit"):
        assert command in out
