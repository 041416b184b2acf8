"""The one way to open a store: a SQLite file's path or a `postgresql://` URL.

psycopg is imported only when a URL is given (the console and `--help` never load it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from deskline.store.postgres.schema import is_url, shown_url

if TYPE_CHECKING:
    from deskline.store.postgres.store import PgStore
    from deskline.store.sqlite import SqliteStore

__all__ = ["is_url", "open_store", "shown_url"]


def open_store(target: str | Path, *, create: bool = True, durable: bool = False,
               pool_size: int = 8,
               kinds: tuple[type[SqliteStore], type[PgStore]] | None = None,
               ) -> SqliteStore | PgStore:
    """`durable` (SQLite: synchronous FULL) for writers that acknowledge to others;
    PostgreSQL commits durably anyway. `pool_size`: PostgreSQL connections at most.
    `kinds`: subclasses to open instead (the server's stores)."""
    if kinds is None:
        from deskline.store.postgres.store import PgStore
        from deskline.store.sqlite import SqliteStore

        kinds = (SqliteStore, PgStore)
    if is_url(str(target)):
        return kinds[1].open(str(target), max_size=pool_size)
    return kinds[0].open(target, create=create, durable=durable)
