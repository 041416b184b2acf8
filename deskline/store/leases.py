"""Leases on background jobs: which one process, of all those serving a database, runs a
job (`server/jobs.py`). A lease is held until its process ends or lets it go, so a job
runs on one process at a time and the others take over only once it is gone.

SQLite: an exclusive `flock` on a file beside the database (every process on one file is
on one host; the kernel lets go of it when the process dies). PostgreSQL:
`postgres/leases.py` (an advisory lock held by a connection of its own).
"""

from __future__ import annotations

import os
from typing import Protocol


class Lease(Protocol):
    def held(self) -> bool:
        """True while this process holds the lease, taking it when it is free."""
        ...

    def release(self) -> None: ...


class FileLease:
    """An exclusive lock on `path`, taken without waiting."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def held(self) -> bool:
        import fcntl

        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing lets go of the lock
            self._fd = None


class LeaseQueries:
    """The SQLite store's leases: a lock file per job beside the database file."""

    def database_path(self) -> str | None: ...  # OutboxQueries', before this in the MRO

    def lease(self, name: str) -> Lease:
        path = self.database_path()
        if path is None:
            raise ValueError("a database in memory has no leases")
        return FileLease(f"{path}-{name}.lease")
