"""Every `deskline` command on a PostgreSQL database (`--database URL`), as a team's admin
sets one up: init, teams, agents, tokens, a CSV import, reading, exporting, reporting,
maintenance and mail — each result read back through the commands."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from deskline.cli import main
from tests.mail.conftest import Sink, free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "boss@acme.example"
SUPPORT = "support@acme.example"



def dl(capsys: pytest.CaptureFixture[str], url: str, *args: str, code: int = 0) -> str:
    """`deskline ARGS… --database URL`: its output (its error when it fails)."""
    result = main([*args, "--database", url])
    out, err = capsys.readouterr()
    assert result == code, (args, out, err)
    return err if code else out


def rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def _mail(subject: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Carla Customer <carla@client.example>"
    msg["To"] = SUPPORT
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content("The VPN drops every hour.\n")
    return msg.as_bytes()


def test_a_helpdesk_made_and_run_on_postgresql_by_the_commands(
        pg_url: str, tmp_path: Path, sink: Sink, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = dl(capsys, pg_url, "init", "--admin", ADMIN, "--name", "Bo Boss", "--timezone",
             "UTC")
    assert out.startswith(f"Made a new helpdesk in {pg_url} with the admin {ADMIN}.")
    assert f"--database '{pg_url}' agent add" in out
    err = dl(capsys, pg_url, "init", "--admin", "other@acme.example", code=1)
    assert "already holds a helpdesk (1 account(s))" in err

    dl(capsys, pg_url, "team", "add", "Billing", "--stages", "New,Solved")
    dl(capsys, pg_url, "team", "edit", "Support", "--alias", SUPPORT)
    teams = {t["name"]: t for t in rows(dl(capsys, pg_url, "team", "list", "--json"))}
    assert sorted(teams) == ["Billing", "Support"]
    assert teams["Support"]["email_alias"] == SUPPORT
    dl(capsys, pg_url, "agent", "add", "ann@acme.example", "--name", "Ann Agent", "--teams",
       "Support")
    agents = rows(dl(capsys, pg_url, "agent", "list", "--json"))
    assert [(a["email"], a["role"]) for a in agents] == [(ADMIN, "admin"),
                                                          ("ann@acme.example", "agent")]

    out = dl(capsys, pg_url, "token", "create", "--agent", "ann@acme.example", "--label", "ci")
    assert out.startswith("Token 1 for ann@acme.example (agent)")
    secret = out.splitlines()[-1]
    [listed] = [line.split("\t") for line in dl(capsys, pg_url, "token", "list").splitlines()]
    assert listed[:2] == ["1", "ann@acme.example"] and listed[3:] == ["no expiry", "ci"]
    assert secret.startswith(listed[2].removesuffix("…"))  # never the token itself
    assert dl(capsys, pg_url, "token", "revoke", "1") == "Revoked token 1.\n"
    assert dl(capsys, pg_url, "token", "list").split("\t")[3] == "revoked"

    people = tmp_path / "customers.csv"
    people.write_text("email,name\ncarla@client.example,Carla Customer\n", encoding="utf-8")
    assert dl(capsys, pg_url, "import", "customers", str(people)).startswith(
        "Imported 1 of 1 customers rows.")
    data = tmp_path / "tickets.csv"
    data.write_text("subject,team,priority,email,tags\n"
                    "Printer jams,Support,high,carla@client.example,\"hardware, printer\"\n"
                    "Invoice twice,Billing,low,,billing\n", encoding="utf-8")
    out = dl(capsys, pg_url, "import", "tickets", str(data))
    assert out.startswith("Imported 2 of 2 tickets rows.")
    listed = rows(dl(capsys, pg_url, "tickets", "--json"))
    assert {(t["number"], t["subject"], t["team"], t["customer_email"]) for t in listed} == {
        (1, "Printer jams", "Support", "carla@client.example"),
        (2, "Invoice twice", "Billing", None)}

    # One mail from a file: a new ticket after the imported ones, its confirmation queued.
    dl(capsys, pg_url, "mail", "settings", "--from", "help@acme.example")
    out = dl(capsys, pg_url, "mail", "settings", "--default-team", "Support")
    assert "default team: Support" in out and "from address: help@acme.example" in out
    assert f"team Support: {SUPPORT}" in out
    eml = tmp_path / "vpn.eml"
    eml.write_bytes(_mail("VPN down", "<vpn@client.example>"))
    out = dl(capsys, pg_url, "mail", "import", str(eml))
    assert out == "Took 1 mail(s): 1 new tickets.\n"
    assert dl(capsys, pg_url, "mail", "import", str(eml)) == "Took 1 mail(s): 1 duplicates.\n"
    status = json.loads(dl(capsys, pg_url, "mail", "status", "--json"))
    assert status["inbound"] == {"ticket": 1, "duplicate": 1}
    assert status["outbox"] == {"queued": 1}
    out = dl(capsys, pg_url, "mail", "send", "--smtp", f"127.0.0.1:{sink.port}")
    assert out.startswith("Sent 1, deferred 0, failed 0")
    assert sink.received[0].message["Subject"] == "[#3] We received your request: VPN down"
    assert sink.received[0].message["From"] == f"Support <{SUPPORT}>"  # the team's alias

    exported = rows(dl(capsys, pg_url, "export", "tickets", "--format", "json"))
    assert [(t["number"], t["subject"], t["channel"]) for t in exported] == [
        (1, "Printer jams", "manual"), (2, "Invoice twice", "manual"), (3, "VPN down", "email")]
    out = dl(capsys, pg_url, "customer", "add", "dora@client.example", "--name", "Dora D",
             "--portal")
    assert "Added a portal account for dora@client.example" in out
    target = tmp_path / "exported.csv"
    dl(capsys, pg_url, "export", "customers", "--output", str(target))
    exported_people = target.read_text(encoding="utf-8")
    assert "carla@client.example,Carla Customer" in exported_people
    assert "dora@client.example,Dora D" in exported_people
    report = json.loads(dl(capsys, pg_url, "report", "--team", "Support"))
    assert report["opened"] == 2 and report["closed"] == 0
    summary = json.loads(dl(capsys, pg_url, "maintenance", "--json"))
    assert summary["closed"] == 0 and summary["sla_failed"] == 0
    assert dl(capsys, pg_url, "webhook", "deliver").startswith("Delivered 0")
    audit = [line.split("\t")[2:5] for line in dl(capsys, pg_url, "audit").splitlines()]
    assert ["agent", "ann@acme.example", "created"] in audit
    assert ["team", "Billing", "created"] in audit

    # The environment names the database when no option does; before the command too.
    monkeypatch.setenv("DESKLINE_DATABASE_URL", pg_url)
    assert main(["tickets", "--team", "Billing"]) == 0
    assert capsys.readouterr().out.splitlines() == ["#2\tBilling\tNew\tlow\t-\t-\tInvoice twice"]
    monkeypatch.delenv("DESKLINE_DATABASE_URL")
    assert main(["--database", pg_url, "stage", "list", "--team", "Billing"]) == 0
    assert [line.split("\t")[1] for line in capsys.readouterr().out.splitlines()] == [
        "New", "Solved"]


def test_mail_serve_takes_mail_into_postgresql_and_relays(
        pg_url: str, sink: Sink, capsys: pytest.CaptureFixture[str]) -> None:
    dl(capsys, pg_url, "init", "--admin", ADMIN, "--timezone", "UTC")
    dl(capsys, pg_url, "team", "edit", "Support", "--alias", SUPPORT)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskline.cli", "mail", "serve", "--database", pg_url,
         "--port", str(port), "--relay", f"127.0.0.1:{sink.port}", "--every", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(f"Receiving mail on 127.0.0.1:{port} into "
                                                 "postgresql://")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("carla@client.example", [SUPPORT],
                          _mail("Hello over SMTP", "<smtp@client.example>"))
        deadline = time.monotonic() + 10
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert [m.message["Subject"] for m in sink.received] == [
        "[#1] We received your request: Hello over SMTP"]
    assert dl(capsys, pg_url, "tickets") == "#1\tSupport\tNew\tlow\t-\tCarla Customer\t" \
                                            "Hello over SMTP\n"


def test_the_demo_goes_into_an_empty_postgresql_database_only(
        pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = dl(capsys, pg_url, "demo", "--tickets", "20", "--seed", "3")
    assert out.startswith("Built 20 tickets, ") and "every count and checksum equal" in out
    assert len(rows(dl(capsys, pg_url, "tickets", "--limit", "0", "--json"))) == 20
    assert "already holds a helpdesk" in dl(capsys, pg_url, "demo", "--tickets", "5", code=1)
    assert "already holds a helpdesk (14 account(s))" in dl(
        capsys, pg_url, "init", "--admin", ADMIN, code=1)
