"""Leases on PostgreSQL (see `store/leases.py`): a session advisory lock, held by a
connection of the lease's own (not the pool's), so it lasts until the process lets go or
its connection drops — then the server lets another process take it."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from deskline.store.leases import Lease
    from deskline.store.postgres.connection import PgConnections

# Two int4 keys: a space apart from the migrations' one bigint key, this one the class.
_LEASE_CLASS = 0x6A6F6273  # "jobs"


class AdvisoryLease:
    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big",
                                  signed=True)
        self._conn: psycopg.Connection | None = None

    def held(self) -> bool:
        import psycopg

        if self._conn is not None:
            try:  # still connected, so still holding it
                self._conn.execute("SELECT 1")
                return True
            except psycopg.Error:
                self.release()
        try:
            conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error:
            return False
        row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                           (_LEASE_CLASS, self.key)).fetchone()
        if not (row and row[0]):
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # the session's end lets go of the lock
            except Exception:  # noqa: BLE001 - a dropped connection holds nothing
                pass
            self._conn = None


class PgLeaseQueries:
    db: PgConnections

    def lease(self, name: str) -> Lease:
        return AdvisoryLease(self.db.url, name)
