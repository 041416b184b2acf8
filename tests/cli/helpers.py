"""What the command-line tests share: running `deskline` on a file and reading its JSON
lines; a ticket written through the service."""

from __future__ import annotations

import json
from pathlib import Path

from deskline.cli import main

ADMIN = "boss@acme.example"


def dl(db: Path, capsys, *args: str, code: int = 0) -> str:
    """Run `deskline --db DB ARGS…`; the output (stdout, or stderr when it failed)."""
    result = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert result == code, (out, err)
    if code:
        assert len(err.strip().splitlines()) == 1 and err.startswith("deskline: ")
        return err
    return out


def jsons(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def ticket(db: Path, subject: str = "Printer", tags: tuple[str, ...] = (), **kw) -> int:
    from deskline.models import TicketCreate
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(db)
    try:
        svc = Service(store, resolve_agent(store, None))
        team = svc.list_teams()[0]
        made = svc.create_ticket(TicketCreate(subject=subject, team_id=team.id, tags=list(tags),
                                              **kw))
        return made.number
    finally:
        store.close()
