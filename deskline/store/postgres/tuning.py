"""SQLite's tuning around big reads and writes, on PostgreSQL: the server manages its own
cache and checkpoints and keeps its GIN indexes row by row, so most of it is nothing here.
Each method overrides the mixin's of the same name (bulk.py, export.py, mail.py,
outbox.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class PgTuningQueries:
    @contextmanager
    def deferred_indexing(self, messages: bool = True) -> Iterator[None]:
        """Nothing deferred: no full-text tables to fill afterwards (GIN indexes the rows
        as they are written)."""
        yield

    @contextmanager
    def deferred_indexes(self) -> Iterator[None]:
        """Indexes kept as written (dropping them would take every other writer's plans
        away while a build runs)."""
        yield

    @contextmanager
    def unsynced_writes(self) -> Iterator[None]:
        """Commits wait for the disk as usual: it is used outside a transaction, where a
        setting would stay on whichever pooled connection ran it."""
        yield

    @contextmanager
    def small_cache(self) -> Iterator[None]:
        """The server's shared cache is not the reader's memory: nothing to shrink."""
        yield

    @contextmanager
    def bulk_checkpoints(self, pages: int) -> Iterator[None]:
        """The server checkpoints by itself."""
        yield

    def database_path(self) -> str | None:
        """No file: the outbox's parallel senders (each opening the file) are SQLite's."""
        return None
