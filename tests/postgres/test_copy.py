"""`deskline copy`: a helpdesk to PostgreSQL and back, verified (a NUL character, which
PostgreSQL text cannot hold, written as ␀ and named); an interrupted copy run again; a
destination holding another helpdesk refused; a NUL written through the PostgreSQL store
reads as SQLite's console shows it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from deskline.cli import main
from deskline.models import TicketCreate
from deskline.service import Service
from deskline.store import copying, db
from deskline.store.postgres import schema
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from deskline.text import plain
from tests.conftest import ALICE, FIXED_NOW

# Rows the demo has none of: bytes (with NUL and bytes that are not UTF-8), mail, tokens,
# settings, idempotent answers; and change log rows trimmed, so the log's ids go on past
# the highest one left.
EXTRAS = [
    ("INSERT INTO mail_inbound (id, received_at, status, size, raw) VALUES"
     " (1, '2026-11-16T10:00:00', 'failed', 4, ?)", (b"\x00\xff\xfe\x01",)),
    ("INSERT INTO mail_attachments (ticket_id, inbound_id, filename, content_type, size,"
     " content) VALUES (1, 1, 'a.bin', 'application/octet-stream', 3, ?)", (b"\x89PN",)),
    ("INSERT INTO outbox (ticket_id, kind, to_addr, subject, body, created_at) VALUES"
     " (1, 'reply', 'c@example.com', 'Re: x', 'body', '2026-11-16T10:00:00')", ()),
    ("INSERT INTO api_tokens (agent_id, token_hash, prefix, created_at) VALUES"
     " (1, 'abc', 'dl_', '2026-11-16T10:00:00')", ()),
    ("INSERT INTO mail_settings (key, value) VALUES ('from_address', 'help@example.com')", ()),
    ("INSERT INTO idempotency_keys (agent_id, key, fingerprint, status, body, created_at)"
     " VALUES (1, 'k1', 'f', 201, ?, '2026-11-16T10:00:00')", (b'{"id": 1}',)),
    ("DELETE FROM change_log WHERE id > (SELECT max(id) - 5 FROM change_log)", ()),
    # Text with a NUL character (SQLite holds it; PostgreSQL text cannot).
    ("UPDATE messages SET body = ? WHERE id = 2", ("pasted\x00from a log",)),
]


@pytest.fixture
def source(demo_db: Path) -> Path:
    conn = db.connect(demo_db)
    for statement, values in EXTRAS:
        conn.execute(statement, values)
    conn.close()
    return demo_db


def copy(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["copy", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_to_postgresql_and_back(source: Path, pg_url: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = copy(capsys, "--from", str(source), "--to", pg_url)
    assert code == 0, out
    assert "every count and checksum equal" in out
    assert "mail_attachments" in out and "tickets" in out
    assert "1 texts held a NUL character, which PostgreSQL cannot hold: written as ␀ " \
           "(body of id 2)" in out
    back = tmp_path / "back.db"
    code, out = copy(capsys, "--from", pg_url, "--to", str(back))
    assert code == 0, out
    code, out = copy(capsys, "--from", str(source), "--to", str(back), "--verify-only")
    assert code == 0 and "every count and checksum equal" in out, out

    with schema.connect(pg_url) as conn:
        # The triggers are on again, and new ids go on after the copied ones.
        assert conn.execute(b"SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
                            b" AND tgenabled = 'D'").fetchone() == (0,)
        conn.execute(b"UPDATE tickets SET version = version + 1 WHERE id = 1")
        new_event = conn.execute(b"SELECT max(id) FROM change_log").fetchone()
        high_water = sqlite3.connect(source).execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'").fetchone()
        assert new_event == (high_water[0] + 1,)  # never an id given before
        assert conn.execute(b"SELECT body FROM messages WHERE id = 2").fetchone() == (
            "pasted␀from a log",)
    # The SQLite copy has its full-text index, its triggers and the log's high-water mark.
    lite = db.connect(back)
    assert lite.execute("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'"
                        ).fetchone() == high_water
    subject = lite.execute("SELECT subject FROM tickets WHERE id = 1").fetchone()[0]
    assert 1 in [row[0] for row in lite.execute(
        "SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?", (f'"{subject}"',))]
    before = lite.execute("SELECT count(*) FROM change_log").fetchone()[0]
    lite.execute("UPDATE tickets SET version = version + 1 WHERE id = 1")
    assert lite.execute("SELECT count(*) FROM change_log").fetchone()[0] == before + 1


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_an_interrupted_copy_leaves_nothing_and_runs_again(
        kind: str, source: Path, request: pytest.FixtureRequest, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    destination = (request.getfixturevalue("pg_url") if kind == "postgresql"
                   else str(tmp_path / "copy.db"))
    side = copying.PostgresSide if kind == "postgresql" else copying.SqliteSide
    load = side.load

    def load_until_messages(self, table, rows) -> None:
        if table.name == "messages":
            raise KeyboardInterrupt  # as ctrl+c half-way
        load(self, table, rows)

    monkeypatch.setattr(side, "load", load_until_messages)
    assert main(["copy", "--from", str(source), "--to", destination]) == 130
    monkeypatch.setattr(side, "load", load)
    left = copying.open_side(destination, create=False)
    try:
        assert [left.count(table) for table in ("agents", "tickets", "change_log")] == [0, 0, 0]
    finally:
        left.close()
    code, out = copy(capsys, "--from", str(source), "--to", destination)
    assert code == 0 and "every count and checksum equal" in out, out


def test_a_destination_with_another_helpdesk_is_refused(
        source: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.db"
    assert main(["init", "--db", str(other), "--admin", "x@example.com", "--name", "X"]) == 0
    assert copy(capsys, "--from", str(other), "--to", pg_url)[0] == 0
    code, out = copy(capsys, "--from", str(source), "--to", pg_url)
    assert code == 1 and "already holds a helpdesk" in out, out
    # Compared instead: what differs is named.
    code, out = copy(capsys, "--from", str(source), "--to", pg_url, "--verify-only")
    assert code == 1 and "tickets" in out.split("differ (")[1], out
    code, out = copy(capsys, "--from", str(source), "--to", str(other))
    assert code == 1 and "already holds a helpdesk" in out, out
    with schema.connect(pg_url) as conn:
        assert conn.execute(b"SELECT count(*) FROM agents").fetchone() == (1,)


def test_the_command_line_imports_psycopg_only_to_use_it() -> None:
    code = ("import sys\nfrom deskline import cli\n"
            "try:\n    cli.main(['copy', '--help'])\nexcept SystemExit:\n    pass\n"
            "import deskline.store.copying, deskline.store.sqlite\n"
            "print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    assert out.strip().endswith("False")


def test_a_nul_written_through_the_postgresql_store_reads_as_on_sqlite(
        demo_db: Path, pg_demo_url: str) -> None:
    """Mail and pasted text may hold a NUL: PostgreSQL's store writes it as the stand-in
    SQLite's console shows (no error, nothing dropped), and search finds the words."""
    shown = []
    for store in (SqliteStore.open(demo_db), PgStore.open(pg_demo_url, max_size=2)):
        try:
            actor = store.agent_by_email(ALICE)
            assert actor is not None
            service = Service(store, actor, clock=lambda: FIXED_NOW)
            ticket = service.create_ticket(TicketCreate(
                team_id=1, subject="Garbled\x00export", description="a\x00b", customer_id=3))
            service.comment(ticket.id, "zebrafish\x00log attached")
            again = service.get_ticket(ticket.id)
            bodies = [m.body for m in service.ticket_messages(ticket.id).items]
            hits = [h.ticket.id for h in service.search("zebrafish log")]
            shown.append(([plain(v) for v in (again.subject, again.description, *bodies)],
                          hits))
        finally:
            store.close()
    assert shown[0] == shown[1]
    assert "Garbled␀export" in shown[1][0] and "zebrafish␀log attached" in shown[1][0]
    assert shown[1][1] == [ticket.id]
