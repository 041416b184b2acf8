"""Search finds the same tickets on PostgreSQL as on SQLite for texts whose words are
tricky to cut: addresses, first.last, links, paths, versions, hyphens, apostrophes,
accents and case, CJK, numbers, quoted phrases and beginnings. The same tickets are
written through the service on the demo helpdesk in both stores, then searched."""

from __future__ import annotations

import pytest

from deskline.models import TicketCreate
from deskline.service import Service
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore
from tests.conftest import ALICE, FIXED_NOW, PORTAL
from tests.postgres.conftest import Stores

# (subject, description, comment, reply); each ticket has words found nowhere else.
TICKETS = [
    ("Mail from zoltan.kovacs@quillmail.example bounced", "", "", ""),
    ("Access for a colleague", "Ask ingrid.vanderlinde about it", "", ""),
    ("Wiki page", "", "", "See https://wiki.zephyrcorp.example/Printer_Setup?page=2#top"),
    ("Agent log", "", r"Written to /var/log/quasar/agent.log and C:\Users\Olek\quasar.ini", ""),
    ("Upgrade to 4.17.2 fails on v2.0-rc1", "", "", ""),
    ("Self-service portal is well-known", "e-mail only", "", ""),
    ("Token reset", "", "Don't reset the customer's token; it’s xylophone’s fault", ""),
    ("Ünïcode CAFÉ in Straße, Łódź and Øresund", "naïve ÆTHER", "", ""),
    ("東京の渡辺です。プリンターが壊れました", "", "", ""),
    ("Order 612345678 refund", "", "", "Invoice 2024-0042 «paid» — twice… (sic)"),
    ("Frozen sheet", "", "", '"frozen spreadsheet" again, said O\'Brien'),
    ("Cafe\u0301 decompose\u0301 Rene\u0301e", "", "", ""),
    ("ΚΕΦΑΛΑΙΑ Ёлка", "Ελληνικά", "", ""),
    ("snake_case_name in config", "", "", "CamelCaseWord abc123def"),
]

QUERIES = [
    # addresses and first.last: found by their parts, as FTS5 cuts them
    "kovacs", "quillmail", "zoltan.kovacs@quillmail.example", "vanderlinde",
    "ingrid.vanderlinde",
    # links and paths
    "zephyrcorp", "wiki zephyrcorp", "setup", "quasar", "olek", "ini", "agent log",
    # versions and numbers
    "4.17.2", "17", "rc1", "v2", "612345678", "6123", "0042", "2024-0042",
    # hyphens, apostrophes, quotes
    "self-service", "service", "known", "e-mail", "don't", "customer's", "xylophone",
    "it’s", '"frozen spreadsheet"', "o'brien", "brien", "paid", "sic",
    # accents and case, letters FTS5 keeps (ß, ł, ø, æ), other scripts
    "unicode", "ÜNÏCODE", "cafe", "café", "CAFÉ", "strasse", "straße", "lodz", "łódź",
    "oresund", "øresund", "naive", "aether", "æther", "renee", "renée", "decompose",
    "κεφαλαια", "ελληνικά", "ελληνικα", "ёлка", "елка", "ЁЛКА",
    "東京の渡辺です", "プリンターが壊れました",
    # beginnings (subjects: from one letter; messages: whole words only)
    "zolt", "quill", "zeph", "quas", "xylo", "unic", "snake", "camelcase", "abc123",
    # the demo's common words, alone and with a rare one
    "printer", "the printer", "xylophone printer", "nowhereword",
]

# What FTS5's tokenizer gives, so the comparison is not between two wrong answers.
EXPECTED = {"kovacs": 1, "vanderlinde": 2, "zephyrcorp": 3, "quasar": 4, "17": 5,
            "service": 6, "xylophone": 7, "łódź": 8, "lodz": None, "strasse": None,
            "renee": 12, "東京の渡辺です": 9, "2024-0042": 10, '"frozen spreadsheet"': 11,
            "zolt": 1, "quas": None}

def _service(store: SqliteStore | PgStore, email: str) -> Service:
    actor = store.agent_by_email(email)
    assert actor is not None
    return Service(store, actor, clock=lambda: FIXED_NOW)


@pytest.mark.parametrize("analyzed", [False, True], ids=["fresh", "analyzed"])
def test_search_finds_the_same_tickets_on_both_stores(stores: Stores, pg_demo_url: str,
                                                      analyzed: bool) -> None:
    """Fresh, PostgreSQL has no statistics of the words yet and walks windows of ids;
    analyzed, a word missing from its common words (of messages, of subjects) is looked
    up in its postings at once (`postgres/search.py`): both give SQLite's answers."""
    made: list[list[int]] = []
    for store in stores:
        service = _service(store, ALICE)
        ids = []
        for subject, description, comment, reply in TICKETS:
            ticket = service.create_ticket(TicketCreate(
                team_id=1, subject=subject, description=description, customer_id=3))
            if comment:
                service.comment(ticket.id, comment)
            if reply:
                service.reply(ticket.id, reply)
            ids.append(ticket.id)
        made.append(ids)
    assert made[0] == made[1]
    ours = {tid: n for n, tid in enumerate(made[0], 1)}
    if analyzed:
        import psycopg

        with psycopg.connect(pg_demo_url, autocommit=True) as conn:
            conn.execute("ANALYZE messages, tickets")
            common = dict(conn.execute(
                "SELECT tablename, most_common_elems::text::text[] FROM pg_stats"
                " WHERE tablename IN ('messages', 'tickets') AND attname = 'words'"))
        assert "xylophone" not in common["messages"] and len(common["messages"]) > 50
        # A beginning no common word of the subjects starts is taken from the index
        # (not the newest tickets walked): a typo costs no walk of every ticket.
        assert "printer" in common["tickets"]
        assert [stores[1].subject_key(q) for q in ('"xylo"*', '"printer" "xylo"*',
                                                   '"print"*', '"the" "printer"')] == [
            "t.id + 0", "t.id + 0", "t.id", "t.id"]

    differ, unexpected = [], []
    for email in (ALICE, PORTAL):
        for query in QUERIES:
            hits = [_service(store, email).search(query) for store in stores]
            if hits[0] != hits[1]:
                differ.append((email, query, [[(h.ticket.id, h.matched) for h in found]
                                              for found in hits]))
            if email == ALICE and query in EXPECTED:
                expected = {EXPECTED[query]} - {None}
                for store, found in zip(("sqlite", "postgresql"), hits, strict=True):
                    if {ours[h.ticket.id] for h in found if h.ticket.id in ours} != expected:
                        unexpected.append((store, query))
    assert (differ, unexpected) == ([], [])
