"""How SQLite's statements are respelled for PostgreSQL (no PostgreSQL needed)."""

from __future__ import annotations

import pytest

from deskline.store.postgres.statements import server_bound, translate

KEYED = frozenset({"tags", "tickets"})


@pytest.mark.parametrize(("sqlite", "postgresql", "returns_id"), [
    ("SELECT id FROM tags WHERE name = ? AND id > ?",
     "SELECT id FROM tags WHERE name = %s AND id > %s", False),
    ("INSERT INTO tags (name) VALUES (?)",
     "INSERT INTO tags (name) VALUES (%s) RETURNING id", True),
    ("INSERT OR IGNORE INTO ticket_tags (ticket_id, tag_id) VALUES (?, ?)",
     "INSERT INTO ticket_tags (ticket_id, tag_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
     False),
    ("UPDATE n SET last = max(last, (SELECT coalesce(max(x), 0) FROM t)) RETURNING last",
     "UPDATE n SET last = greatest(last, (SELECT coalesce(max(x), 0) FROM t)) RETURNING last",
     False),
    ("SELECT a FROM t WHERE a IS NOT b AND c IS d AND e IS NULL AND f IS NOT NULL",
     "SELECT a FROM t WHERE a IS DISTINCT FROM b AND c IS NOT DISTINCT FROM d AND e IS NULL"
     " AND f IS NOT NULL", False),
    ("SELECT group_concat(name, ',') FROM tags WHERE name LIKE ? ESCAPE '\\'"
     " AND id IN () ORDER BY t.name COLLATE NOCASE, name",
     "SELECT string_agg(name, ',') FROM tags WHERE name ILIKE %s ESCAPE '\\'"
     " AND id IN (SELECT 0 WHERE FALSE) ORDER BY lower(t.name), name", False),
    ("SELECT o.id FROM outbox o WHERE o.status = 'queued' ORDER BY o.next_attempt_at, o.id",
     "SELECT o.id FROM outbox o WHERE o.status = 'queued'"
     " ORDER BY o.next_attempt_at NULLS FIRST, o.id", False),
    ("SELECT id FROM organizations WHERE domain = ? COLLATE NOCASE ORDER BY id",
     "SELECT id FROM organizations WHERE lower(domain) = lower(%s) ORDER BY id", False),
    ("SELECT id FROM tickets t INDEXED BY ix_board WHERE subject = 'why? 100%'",
     "SELECT id FROM tickets t WHERE subject = 'why? 100%%'", False),
])
def test_respelled(sqlite: str, postgresql: str, returns_id: bool) -> None:
    assert translate(sqlite, KEYED) == (postgresql, returns_id)


def test_executemany_returns_nothing() -> None:
    assert translate("INSERT INTO tags (name) VALUES (?)", KEYED, many=True) == (
        "INSERT INTO tags (name) VALUES (%s)", False)


def test_a_filter_s_words_become_the_gin_match() -> None:
    text, _ = translate("SELECT id FROM tickets WHERE id IN"
                        " (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)", KEYED)
    assert "tickets_fts" not in text and "@@ to_tsquery('deskline'" in text
    assert text.count("%s") == 1


@pytest.mark.parametrize(("text", "values", "bound"), [
    ("SELECT id FROM tags WHERE name = %s AND id > %s", ("vpn", 3), True),
    ("  SELECT id FROM tickets WHERE id = %s", (1,), True),
    ("SELECT id FROM tags WHERE name = %s OR %s IS NULL", ("vpn", None), False),
    ("SELECT id FROM tags WHERE weight > %s", (0.5,), False),
    ("SELECT id FROM files WHERE content = %s", (b"x",), False),
    ("SELECT id FROM tickets WHERE words @@ to_tsquery('deskline', %s)", ("printer",), False),
    ("UPDATE tags SET name = %s WHERE id = %s", ("vpn", 1), False),
])
def test_reads_of_ids_and_text_are_bound_by_the_server(text: str, values: tuple,
                                                         bound: bool) -> None:
    assert server_bound(text, values) is bound
