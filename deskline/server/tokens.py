"""A token for an account of a database (a file or a URL), made without a server: what the tests and
the benchmarks that talk to a real server log in with."""

from __future__ import annotations

from pathlib import Path

from deskline.errors import NotFound
from deskline.store.opening import open_store


def make_token(db: str | Path, email: str, *, label: str = "",
               expires_days: int | None = None) -> str:
    store = open_store(db, create=False, pool_size=1)
    try:
        agent = store.agent_by_email(email)
        if agent is None:
            raise NotFound(f"no account with the email {email}")
        with store.transaction():
            _id, token, _exp = store.create_api_token(agent.id, label=label,
                                                      expires_days=expires_days)
        return token
    finally:
        store.close()
