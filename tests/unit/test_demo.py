"""The demo's build: the same rows whether drawn here or in a forked process, and nothing
dated after the build's moment."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from deskline import demo
from tests.conftest import FIXED_NOW

TABLES = ("tickets", "messages", "ticket_tags", "ticket_followers", "ticket_slas",
          "message_mentions", "ticket_counts")


def _contents(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        found = {t: hashlib.sha1(repr(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")
                                      .fetchall()).encode()).hexdigest() for t in TABLES}
        found["schema"] = repr(conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall())
        found["text"] = repr([conn.execute(
            f"SELECT count(*) FROM {t} WHERE {t} MATCH 'printer OR t*'").fetchone()
            for t in ("tickets_fts", "messages_fts")])
        return found
    finally:
        conn.close()


def test_rows_drawn_in_a_forked_process_are_the_same(tmp_path, monkeypatch):
    demo.build_demo(tmp_path / "here.db", tickets=150, seed=5, now=FIXED_NOW)
    monkeypatch.setattr(demo, "DRAW_ELSEWHERE_FROM", 1)
    monkeypatch.setattr(demo, "BATCH", 40)  # several batches through the pipe
    demo.build_demo(tmp_path / "forked.db", tickets=150, seed=5, now=FIXED_NOW)
    assert _contents(tmp_path / "forked.db") == _contents(tmp_path / "here.db")


def test_nothing_is_dated_after_the_build(tmp_path):
    demo.build_demo(tmp_path / "d.db", tickets=300, seed=11, now=FIXED_NOW)
    conn = sqlite3.connect(tmp_path / "d.db")
    now = FIXED_NOW.isoformat(timespec="microseconds")
    for sql in ("SELECT count(*) FROM messages WHERE created_at > ?",
                "SELECT count(*) FROM tickets WHERE max(created_at, updated_at,"
                " coalesce(closed_at, '')) > ?",
                "SELECT count(*) FROM ticket_slas WHERE reached_at > ?"):
        assert conn.execute(sql, (now,)).fetchone()[0] == 0, sql
    conn.close()
