"""`PgStore` implements the whole `Store` protocol, as `SqliteStore` does (no PostgreSQL
needed: it compares signatures)."""

from __future__ import annotations

from deskline.store.postgres.store import PgStore
from tests.service.test_store_interface import assert_implements_store


def test_pg_store_has_every_method_of_the_store_protocol() -> None:
    assert_implements_store(PgStore)
