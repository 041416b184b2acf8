"""Idempotency-Key on writes: the answer of a write is stored (`store/idempotency.py`)
inside the write's own transaction, so a retry with the same key and body gets the stored
answer (`Idempotent-Replayed: true`) and one with a different body a 400."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from deskline.clock import to_db, utcnow
from deskline.errors import DesklineError
from deskline.store.postgres.store import PgStore
from deskline.store.sqlite import SqliteStore

Answer = tuple[int, bytes, dict[str, str]]  # status, JSON body, headers


def check_key(key: str | None) -> None:
    if key is not None and not (0 < len(key) <= 200):
        raise DesklineError("Idempotency-Key must be 1 to 200 characters",
                            field="Idempotency-Key")


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def once(store: SqliteStore | PgStore, agent_id: int, key: str, fingerprint: str,
         answer: Callable[[], Answer]) -> Answer:
    """The stored answer of this key, or `answer()` stored in the same transaction."""
    with store.transaction():
        stored = store.stored_answer(agent_id, key)
        if stored is not None:
            if stored[0] != fingerprint:
                raise DesklineError("this Idempotency-Key was used for a different request",
                                    field="Idempotency-Key")
            headers = json.loads(stored[3]) | {"Idempotent-Replayed": "true"}
            return stored[1], stored[2], headers
        done = answer()
        store.store_answer(agent_id, key, fingerprint, done[0], done[1], json.dumps(done[2]),
                           to_db(utcnow()))
        return done
