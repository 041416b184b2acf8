"""`deskline mail import|send|settings|serve` and a light `deskline --help`."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from deskline.cli import main
from deskline.store.sqlite import SqliteStore

from .conftest import CORPUS, SUPPORT, Sink, free_port, mail

ROOT = Path(__file__).resolve().parents[2]


def test_import_eml_mbox_and_maildir_with_a_json_report(db_path: Path, tmp_path: Path,
                                                        capsys) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail(message_id="<eml@x>"))
    box = mailbox.mbox(tmp_path / "export.mbox")
    box.add(mail(message_id="<mbox1@x>", subject="from mbox"))
    box.add(mail(message_id="<mbox2@x>", subject="Re: from mbox",
                 headers={"In-Reply-To": "<mbox1@x>"}))
    box.add(b"From: broken\n\nno sender address here\n")
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(mail(message_id="<md@x>", subject="from maildir"))
    maildir.add(mail(message_id="<eml@x>"))  # the .eml again: a duplicate
    maildir.close()
    code = main(["mail", "import", "--db", str(db_path), "--json", str(eml),
                 str(tmp_path / "export.mbox"), str(tmp_path / "Maildir"),
                 str(tmp_path / "missing.eml")])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # some failed; the others were taken
    statuses = [m["status"] for m in report["messages"]]
    assert statuses == ["ticket", "ticket", "threaded", "failed", "ticket", "duplicate",
                        "failed"]
    assert report["summary"] == {"ticket": 3, "threaded": 1, "failed": 2, "duplicate": 1}
    assert report["messages"][0]["ticket_number"] == 1
    assert report["messages"][3]["source"].endswith("export.mbox#3")
    assert report["messages"][6]["reason"] == "no such file"


def test_import_a_folder_of_eml_files_to_one_team_with_a_summary(db_path: Path,
                                                                 capsys) -> None:
    code = main(["mail", "import", "--db", str(db_path), "--team", "Sales", str(CORPUS)])
    out = capsys.readouterr().out
    assert code == 1  # the corpus holds mails that cannot be taken
    assert out.startswith(f"Took {len(list(CORPUS.glob('*.eml')))} mail(s): ")
    assert "kept as failed" in out and "50-empty.eml: the mail is empty" in out
    store = SqliteStore.open(db_path)
    teams = {r[0] for r in store.conn.execute(
        "SELECT tm.name FROM tickets t JOIN teams tm ON tm.id = t.team_id")}
    store.close()
    assert teams == {"Sales"}


def test_unknown_team_is_a_clear_error(db_path: Path, capsys) -> None:
    assert main(["mail", "import", "--db", str(db_path), "--team", "Nope",
                 str(CORPUS / "01-plain-ascii.eml")]) == 1
    assert "no team 'Nope' (known: Billing, Sales, Support)" in capsys.readouterr().err


def test_send_delivers_and_requeue(db_path: Path, sink: Sink, capsys) -> None:
    main(["mail", "import", "--db", str(db_path), str(CORPUS / "01-plain-ascii.eml")])
    capsys.readouterr()
    smtp = f"127.0.0.1:{sink.port}"
    assert main(["mail", "send", "--db", str(db_path), "--smtp", smtp]) == 0
    assert capsys.readouterr().out.startswith("Sent 1, deferred 0, failed 0")
    assert len(sink.received) == 1
    assert main(["mail", "send", "--db", str(db_path), "--smtp", smtp, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sent"] == 0
    assert main(["mail", "send", "--db", str(db_path), "--requeue", "1"]) == 0
    assert "Requeued 0 mail(s)" in capsys.readouterr().out  # only failed mail is requeued


def test_settings(db_path: Path, capsys) -> None:
    assert main(["mail", "settings", "--db", str(db_path), "--default-team", "billing",
                 "--from", "help@help.example"]) == 0
    out = capsys.readouterr().out
    assert "default team: Billing" in out and "from address: help@help.example" in out
    assert f"team Support: {SUPPORT}" in out
    main(["mail", "settings", "--db", str(db_path), "--default-team", "none"])
    assert "default team: none" in capsys.readouterr().out


def test_send_uses_the_smtp_setting(db_path: Path, sink: Sink, capsys, monkeypatch) -> None:
    monkeypatch.delenv("DESKLINE_SMTP_HOST", raising=False)
    main(["mail", "import", "--db", str(db_path), str(CORPUS / "01-plain-ascii.eml")])
    main(["mail", "settings", "--db", str(db_path), "--smtp", f"127.0.0.1:{sink.port}"])
    assert f"smtp server: 127.0.0.1:{sink.port}" in capsys.readouterr().out
    assert main(["mail", "send", "--db", str(db_path)]) == 0
    assert len(sink.received) == 1


def test_help_stays_light() -> None:
    code = ("import sys; from deskline.cli import main\n"
            "try:\n    main(['mail', '--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('textual', 'pydantic', 'jinja2', 'aiosmtpd', 'sqlite3',"
            " 'email.message', 'smtplib', 'imaplib') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_serve_receives_and_relays(db_path: Path, sink: Sink) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskline.cli", "mail", "serve", "--db", str(db_path),
         "--port", str(port), "--relay", f"127.0.0.1:{sink.port}", "--every", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "Receiving mail on 127.0.0.1:" in proc.stdout.readline()
        msg = EmailMessage()
        msg["From"] = "walk-in@client.example"
        msg["To"] = SUPPORT
        msg["Subject"] = "Hello over SMTP"
        msg.set_content("hi")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(msg)
        deadline = time.monotonic() + 10
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sink.received) == 1
        assert sink.received[0].message["Subject"] == "[#1] Hello over SMTP"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.returncode == 0, proc.stderr.read()


def test_fetch_needs_an_account_and_a_password(db_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("DESKLINE_IMAP_PASSWORD", raising=False)
    assert main(["mail", "fetch", "--db", str(db_path)]) == 1
    assert "name the IMAP account" in capsys.readouterr().err
    main(["mail", "settings", "--db", str(db_path), "--imap", "imap.help.example:993",
          "--imap-user", "support"])
    assert "imap account: support@imap.help.example:993/INBOX" in capsys.readouterr().out
    assert main(["mail", "fetch", "--db", str(db_path)]) == 1
    assert "$DESKLINE_IMAP_PASSWORD" in capsys.readouterr().err


def test_status_lists_kept_mail_and_retake_places_it(db_path: Path, capsys) -> None:
    raw = mail(to="nobody@help.example", message_id="<lost@x>")
    (db_path.parent / "lost.eml").write_bytes(raw)
    main(["mail", "import", "--db", str(db_path), str(db_path.parent / "lost.eml"),
          str(CORPUS / "50-empty.eml")])
    capsys.readouterr()
    assert main(["mail", "status", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "inbound: 1 failed, 1 rejected" in out
    assert "no team has this address" in out and "the mail is empty" in out
    main(["mail", "settings", "--db", str(db_path), "--default-team", "Sales"])
    capsys.readouterr()
    assert main(["mail", "retake", "--db", str(db_path), "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"ticket": 1}
    main(["mail", "status", "--db", str(db_path), "--json"])
    status = json.loads(capsys.readouterr().out)
    assert [k["status"] for k in status["kept"]] == ["failed"]  # the rejected one is placed
    assert status["outbox"] == {"queued": 1}
