"""The `deskline` command as a script user meets it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deskline.cli import main
from tests.cli.helpers import jsons


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskline.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_help_imports_nothing_heavy():
    code = ("import sys\nfrom deskline import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'textual', 'fastapi', 'pydantic', 'httpx', 'rich', 'sqlite3', 'uvicorn', "
            "'psycopg', 'psycopg_pool'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    assert out.strip().endswith("[]")


def test_demo_then_tickets_as_json_and_text(tmp_path, capsys):
    db = tmp_path / "d.db"
    assert main(["demo", "--db", str(db), "--tickets", "40", "--seed", "3"]) == 0
    assert "40 tickets" in capsys.readouterr().out
    assert main(["tickets", "--db", str(db), "--team", "customer care", "--stage", "Solved",
                 "--json"]) == 0
    rows = jsons(capsys.readouterr().out)
    assert rows and {r["team"] for r in rows} == {"Customer Care"}
    assert {r["stage"] for r in rows} == {"Solved"}
    assert main(["tickets", "--db", str(db), "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("#") for line in lines)
    assert all(len(line.split("\t")) == 7 for line in lines)


def test_same_seed_same_helpdesk(tmp_path, capsys):
    outs = []
    for name in ("a.db", "b.db"):
        db = tmp_path / name
        main(["demo", "--db", str(db), "--tickets", "30", "--seed", "5"])
        capsys.readouterr()
        main(["tickets", "--db", str(db), "--json", "--limit", "0"])
        # the demo dates everything from the moment it is built: compare all but the times
        outs.append([{k: v for k, v in json.loads(line).items()
                      if not k.endswith("_at") and k != "sla_deadline"}
                     for line in capsys.readouterr().out.splitlines()])
    assert outs[0] == outs[1] and len(outs[0]) == 30


@pytest.mark.parametrize("args, message", [
    (["tickets", "--db", "/nonexistent/x.db"], "no database at /nonexistent/x.db"),
    (["tickets", "--stage", "New"], "--stage needs --team"),
    (["tickets", "--team", "Nope"], "no team 'Nope'"),
    (["tickets", "--as", "ghost@example.com"], "no agent with the email ghost@example.com"),
    (["demo", "--tickets", "0"], "--tickets must be at least 1"),
])
def test_errors_are_one_sentence_and_non_zero(tmp_path, args, message):
    db = tmp_path / "d.db"
    assert main(["demo", "--db", str(db), "--tickets", "5"]) == 0
    if "--db" not in args:
        args = [*args[:1], "--db", str(db), *args[1:]]
    if args[0] == "demo":
        args = ["demo", "--db", str(tmp_path / "other.db"), *args[3:]]
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_demo_refuses_to_overwrite(tmp_path):
    db = tmp_path / "d.db"
    db.write_text("precious")
    result = run("demo", "--db", str(db), "--tickets", "5")
    assert result.returncode == 1 and "--force" in result.stderr
    assert db.read_text() == "precious"


def test_not_a_database_is_one_sentence(tmp_path):
    db = tmp_path / "d.db"
    db.write_text("this is not sqlite" * 100)
    result = run("tickets", "--db", str(db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "database" in result.stderr


def test_agent_add_and_list(tmp_path, capsys):
    db = tmp_path / "team.db"
    assert main(["agent", "add", "--db", str(db), "--role", "admin", "boss@example.com"]) == 0
    assert main(["agent", "add", "--db", str(db), "boss@example.com"]) == 1
    assert main(["agent", "list", "--db", str(db)]) == 0
    assert "boss@example.com\tboss\tadmin" in capsys.readouterr().out


def test_hostile_text_leaves_the_pipe_plain(tmp_path, capsys):
    db = tmp_path / "d.db"
    main(["demo", "--db", str(db), "--tickets", "5"])
    capsys.readouterr()
    main(["tickets", "--db", str(db), "--limit", "0"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "[URGENT] printer down [/] ␛]52;c;aGVsbG8=␇ help" in out



@pytest.mark.parametrize("argv", [[], ["--db", "x.db"], ["--db=x.db", "--as", "a@b.c"],
                                  ["--ticket", "42", "--config", "c.toml"],
                                  ["--server", "http://h:1", "--as=x@y.z"]])
def test_console_command_lines_parse_the_same_without_subcommands(argv):
    from deskline.cli import build_parser, console_only

    assert console_only(argv)
    assert build_parser(commands=False).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", [["tickets"], ["--db", "x.db", "tickets"], ["--help"], ["-h"],
                                  ["--db", "x.db", "--verbose"], ["demo", "--db", "x"]])
def test_other_command_lines_get_the_whole_parser(argv):
    from deskline.cli import console_only

    assert not console_only(argv)


def test_help_lists_the_subcommands(capsys):
    from deskline.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "tickets" in out and "serve" in out and "--ticket" in out


def test_console_server_choice(monkeypatch):
    from deskline.cli import build_parser
    from tui.launch import _server_url

    parse = build_parser().parse_args
    monkeypatch.delenv("DESKLINE_SERVER", raising=False)
    assert _server_url(parse([]), {}) is None
    assert _server_url(parse([]), {"server": "http://cfg"}) == "http://cfg"
    monkeypatch.setenv("DESKLINE_SERVER", "http://env")
    assert _server_url(parse([]), {"server": "http://cfg"}) == "http://env"
    assert _server_url(parse(["--db", "x.db"]), {"server": "http://cfg"}) is None
    assert _server_url(parse(["--server", "http://flag", "--db", "x.db"]), {}) == "http://flag"


def test_console_on_a_server_without_token_is_one_sentence(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tui.launch", "--server", "http://127.0.0.1:9",
         "--config", str(tmp_path / "none.toml")], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 1
    assert "needs a token" in result.stderr and "Traceback" not in result.stderr


def test_a_reader_that_stops_early_ends_every_command_quietly(demo_db):
    # `deskline report | head -1`: the pipe closes while the command still writes.
    for command in (["report"], ["tickets", "--limit", "0"], ["export", "tickets"]):
        proc = subprocess.Popen([sys.executable, "-m", "deskline.cli", *command, "--db",
                                 str(demo_db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        assert proc.wait(timeout=120) == 0, command
        assert proc.stderr.read() == b"", command


def test_which_database_a_command_uses(db, tmp_path, capsys, monkeypatch):
    # --database URL, else --db FILE, else $DESKLINE_DATABASE_URL, else the file found as
    # always ($DESKLINE_DB here); serve and the console follow the same options.
    def refusal(*args: str, console=None) -> str:
        assert main(list(args), console=console) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        return err

    url = "postgresql://nobody@/nothing?host=/nonexistent"
    for command in (["team", "list"], ["serve"], ["mail", "status"], ["token", "list"]):
        assert "give --db FILE or --database URL, not both" in refusal(
            *command, "--db", str(db), "--database", url)
    assert "--database takes a postgresql:// URL, not 'team.db'; a file is --db FILE" in \
        refusal("agent", "list", "--database", "team.db")
    monkeypatch.setenv("DESKLINE_DATABASE_URL", "mysql://me:secret@db/desk")
    assert "$DESKLINE_DATABASE_URL takes a postgresql:// URL, not 'mysql://me:***@db/desk'" in \
        refusal("team", "list")
    assert main(["team", "list", "--db", str(db)]) == 0  # the option wins
    assert capsys.readouterr().out.startswith("1\tSupport\t")
    monkeypatch.delenv("DESKLINE_DATABASE_URL")
    monkeypatch.setenv("DESKLINE_DB", str(db))
    assert main(["team", "list"]) == 0
    assert capsys.readouterr().out.startswith("1\tSupport\t")
    assert "--db: name the file of the new helpdesk" in refusal("init", "--admin", "a@b.example")
    assert "--database: the console opens a file (--db) or a server" in refusal(
        "--database", url, console=lambda args: 0)
