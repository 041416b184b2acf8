"""Store: migrations from any old file, WAL with two writers, the sanitizer."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from deskline.store import db
from deskline.store.sqlite import SqliteStore
from deskline.text import plain


def _schema(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}


def test_fresh_and_old_files_end_at_the_newest_schema(tmp_path):
    steps = db.migrations()
    fresh = db.connect(tmp_path / "fresh.db")
    newest = db.schema_version(fresh)
    assert newest == len(steps)
    # The file of each old version, made step by step (unsynced: only its copies count)
    building = sqlite3.connect(tmp_path / "building.db", isolation_level=None)
    building.execute("PRAGMA synchronous = OFF")
    for upto in range(1, len(steps)):
        for statement in db._statements(steps[upto - 1][2]):
            building.execute(statement)
        building.execute(f"PRAGMA user_version = {upto}")
        with sqlite3.connect(tmp_path / f"old{upto}.db") as old:
            building.backup(old)
        old.close()
        upgraded = db.connect(tmp_path / f"old{upto}.db")
        assert db.schema_version(upgraded) == newest
        assert _schema(upgraded) == _schema(fresh)
    building.close()


def test_a_file_newer_than_the_code_is_refused(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(RuntimeError, match="upgrade Deskline"):
        db.connect(tmp_path / "x.db")


def test_pragmas(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_two_connections_write_to_one_file_without_failing(tmp_path):
    path = tmp_path / "x.db"
    SqliteStore.open(path).close()
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        store = SqliteStore.open(path)
        try:
            for i in range(100):
                with store.transaction():
                    store.insert_organization(f"{prefix}{i}", None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(SqliteStore.open(path).organizations()) == 200


def test_failed_transaction_leaves_nothing(tmp_path):
    store = SqliteStore.open(tmp_path / "x.db")
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.insert_organization("kept?", None)
        1 / 0  # noqa: B018
    assert store.organizations() == []


@pytest.mark.parametrize("raw, shown", [
    ("[URGENT] printer down [/]", "[URGENT] printer down [/]"),
    ("\x1b]52;c;aGVsbG8=\x07", "␛]52;c;aGVsbG8=␇"),
    ("bell\x07 del\x7f csi\x9b", "bell␇ del␡ csi⟨9B⟩"),
    ("line\nnext\ttab", "line\nnext\ttab"),
    ("\u202eevil", "⟨202E⟩evil"),
])
def test_sanitizer_makes_control_visible(raw, shown):
    assert plain(raw) == shown
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in plain(raw))


def test_sanitizer_one_line():
    assert plain("a\nb\tc\r\nd", one_line=True) == "a b c d"


def test_the_number_counter_starts_from_an_old_files_tickets(tmp_path):
    """Migration 0008 seeds the counter from the highest number there is; deleting the
    newest ticket then leaves its number taken."""
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    for number, _name, sql in db.migrations()[:7]:
        for statement in db._statements(sql):
            old.execute(statement)
        old.execute(f"PRAGMA user_version = {number}")
    old.execute("INSERT INTO teams (id, name, visibility, assignment, calendar)"
                " VALUES (1, 'Old', 'company', 'manual', '{}')")
    old.execute("INSERT INTO stages (id, name, sequence) VALUES (1, 'New', 1)")
    for number in (7, 41):
        old.execute("INSERT INTO tickets (number, subject, team_id, stage_id, created_at,"
                    " updated_at) VALUES (?, 'x', 1, 1, '2024', '2024')", (number,))
    old.close()
    store = SqliteStore.open(path)
    assert store.conn.execute("SELECT last FROM ticket_numbers").fetchone()[0] == 41
    store.conn.execute("DELETE FROM tickets WHERE number = 41")
    assert store.next_number() == 42
    assert store.next_number() == 43
    store.close()
