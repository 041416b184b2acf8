"""Migration 0004 brings a file made by the previous schema up to date, data kept."""

from __future__ import annotations

import sqlite3

from deskline.store import db
from deskline.store.sqlite import SqliteStore


def test_a_schema_3_file_migrates_to_4(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _name, sql in db.migrations()[:3]:
        for statement in db._statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO teams (name, visibility, assignment, calendar, auto_close_days)"
                 " VALUES ('Old', 'company', 'manual', '{}', 7)")
    conn.close()
    store = SqliteStore.open(path)
    assert db.schema_version(store.conn) == len(db.migrations()) >= 4
    [team] = store.teams()
    assert (team.name, team.auto_close_days, team.auto_close_stage_ids) == ("Old", 7, [])
    assert store.mappings() == []
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(tickets)")}
    assert "rated_at" in columns
    store.close()
