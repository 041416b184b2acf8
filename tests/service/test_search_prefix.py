"""Search as you type against the search it replaced, on the demo corpus: the same answers,
except that the last word is now a whole word in messages (on purpose: a prefix over every
message costs the postings of every word it begins)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskline.local import resolve_agent
from deskline.models import BoardFilter
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from deskline.store.tickets import fts_query, scope_sql
from tests.conftest import ADMIN, ALICE, FIXED_NOW, JONAS

# Answers unchanged: whole words, numbers, emails, and beginnings whose tickets all match
# by subject already (the demo's subjects name the product).
SAME = ["pri", "print", "printer", "printer restarted", "Kowalski", "xylophone", "#12", "12",
        "sync", "invoice", "the printer", "vpn"]
# Answers changed on purpose: the last word is a beginning, which messages no longer take.
CHANGED = ["t", "th", "the", "printer rest", "inv"]


@pytest.fixture
def store(demo_db: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(demo_db)
    # The subjects' index as it was before migration 0015: no prefix index.
    store.conn.execute("CREATE VIRTUAL TABLE old_fts USING fts5(subject, description,"
                       " content='tickets', content_rowid='id',"
                       " tokenize='unicode61 remove_diacritics 2')")
    store.conn.execute("INSERT INTO old_fts(old_fts) VALUES ('rebuild')")
    yield store
    store.close()


def _before(store: SqliteStore, svc: Service, text: str, limit: int,
            message_prefix: bool) -> list[tuple[int, str, str]]:
    """The search as it was (store/search.py before 0015), over the unprefixed subject
    index; `message_prefix=False` is the rule now."""
    scope = svc.scope()
    conn = store.conn
    found: dict[int, tuple[str, str]] = {}
    text = text.strip()
    visible = scope_sql(scope)
    number = text.lstrip("#")
    if number.isdigit():
        for (tid,) in conn.execute(f"SELECT t.id FROM tickets t WHERE t.number = ? AND {visible}",
                                   (int(number),)):
            found.setdefault(tid, ("number", ""))
    if "@" in text and " " not in text:
        for tid, email in conn.execute(
                f"SELECT t.id, c.email FROM customers c JOIN tickets t ON t.customer_id = c.id"
                f" WHERE c.email = ? AND {visible} ORDER BY t.created_at DESC LIMIT ?",
                (text, limit)):
            found.setdefault(tid, ("email", email))
    if text.startswith("#") and number.isdigit():
        return [(tid, how, source) for tid, (how, source) in found.items()]
    query = fts_query(text)
    if query and len(found) < limit:
        for tid, subject in conn.execute(
                f"SELECT t.id, t.subject FROM old_fts f JOIN tickets t ON t.id = f.rowid"
                f" WHERE old_fts MATCH ? AND {visible} ORDER BY f.rowid DESC LIMIT ?",
                (query, limit)):
            found.setdefault(tid, ("subject", subject))
    query = fts_query(text, prefix=message_prefix)
    if query and len(found) < limit:
        kinds = "" if scope.internal else " AND m.kind = 'reply'"
        for _mid, tid, body in conn.execute(
                f"SELECT f.rowid, m.ticket_id, m.body FROM messages_fts f"
                f" JOIN messages m ON m.id = f.rowid JOIN tickets t ON t.id = m.ticket_id"
                f" WHERE messages_fts MATCH ? AND {visible}{kinds} ORDER BY f.rowid DESC",
                (query,)):
            if tid not in found:
                found[tid] = ("message", body)
                if len(found) >= limit:
                    break
    return [(tid, how, source) for tid, (how, source) in list(found.items())[:limit]]


@pytest.mark.parametrize("email", [ADMIN, ALICE, JONAS])
def test_answers_are_the_old_ones_but_for_the_prefix_rule(store, email):
    svc = Service(store, resolve_agent(store, email), clock=lambda: FIXED_NOW)
    customer = store.conn.execute("SELECT email FROM customers ORDER BY id LIMIT 1").fetchone()
    for text in [*SAME, *CHANGED, customer[0]]:
        for limit in (5, 50):
            now = store.search_ids(svc.scope(), text, limit)
            assert now == _before(store, svc, text, limit, message_prefix=False), text
    changed = set()
    for text in [*SAME, *CHANGED, customer[0]]:
        before = _before(store, svc, text, 300, message_prefix=True)
        if store.search_ids(svc.scope(), text, 300) != before:
            changed.add(text)
    assert changed <= set(CHANGED)
    if email == ADMIN:  # the admin sees every ticket: each listed change is real
        assert changed == set(CHANGED)


def test_one_letter_finds_subject_beginnings_newest_first(store):
    svc = Service(store, resolve_agent(store, ADMIN), clock=lambda: FIXED_NOW)
    hits = svc.search("p", limit=20)
    assert hits and all(h.matched == "subject" for h in hits)
    assert [h.ticket.id for h in hits] == sorted((h.ticket.id for h in hits), reverse=True)


def test_board_text_filter_counts_and_pages_as_before(store):
    """Words or a number as one set of ids (store/tickets.py: `_filter_sql`): the same
    tickets as "words OR number" found."""
    svc = Service(store, resolve_agent(store, ADMIN), clock=lambda: FIXED_NOW)
    team = next(t for t in svc.list_teams() if t.name == "Customer Care")
    number = store.conn.execute("SELECT number FROM tickets WHERE team_id = ? AND archived = 0"
                                " ORDER BY id DESC LIMIT 1", (team.id,)).fetchone()[0]
    for text in (f"#{number}", str(number), "printer", "pri", "12"):
        query, digits = fts_query(text), text.lstrip("#")
        words = "t.id IN (SELECT rowid FROM old_fts WHERE old_fts MATCH ?)" if query else "0"
        params: list = [query] if query else []
        if digits.isdigit():
            words += " OR t.number = ?"
            params.append(int(digits))
        before = dict(store.conn.execute(
            f"SELECT t.stage_id, count(*) FROM tickets t WHERE ({words}) AND t.team_id = ?"
            " AND t.archived = 0 GROUP BY t.stage_id", (*params, team.id)).fetchall())
        f = BoardFilter(text=text)
        assert {c.stage.id: c.count for c in svc.board_columns(team.id, f) if c.count} == before
        for stage_id, count in before.items():
            page = svc.board_page(team.id, stage_id, f, limit=200)
            assert len(page.items) == min(count, 200)
