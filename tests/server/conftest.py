"""A real uvicorn server over a copy of the demo helpdesk, with one token per role and a
set of tickets whose visibility is known: the world the server tests ask questions of."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from deskline.models import TicketCreate
from deskline.server.run import ServerThread, start_in_thread
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN, ALICE, JONAS, PORTAL
from tests.server_support import make_token

ROLES = {"admin": ADMIN, "alice": ALICE, "jonas": JONAS, "portal": PORTAL}
MISSING = 987_654


@dataclass
class World:
    db: Path
    server: ServerThread
    tokens: dict[str, str]
    tickets: dict[str, dict] = field(default_factory=dict)  # name -> {id, number, team, stage}
    visible: dict[str, set[str]] = field(default_factory=dict)  # role -> ticket names
    customer_ids: dict[str, int] = field(default_factory=dict)  # own / other

    def client(self, role: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.server.url + "/api/v1", headers=headers, timeout=10)


def build_world(db: Path) -> dict:
    """Tickets in a company, a private and a public team, each with an internal comment
    and a public reply; returns the names, ids and who may see what."""
    store = SqliteStore.open(db)
    admin = Service(store, store.agent_by_email(ADMIN))
    portal = store.agent_by_email(PORTAL)
    jonas = store.agent_by_email(JONAS)
    teams = {t.name: t for t in admin.list_teams()}
    other_customer = next(c for c in admin.list_customers(limit=5).items
                          if c.id != portal.customer_id)
    plan = {
        "company_own": ("Customer Care", portal.customer_id),
        "company_other": ("Customer Care", other_customer.id),
        "private_own": ("Billing", portal.customer_id),
        "private_other": ("Billing", other_customer.id),
        "private_followed": ("Billing", other_customer.id),  # Jonas follows it
        "public_own": ("Onboarding", portal.customer_id),
        "public_other": ("Onboarding", other_customer.id),
        "public_followed": ("Onboarding", other_customer.id),  # the portal account follows
    }
    tickets = {}
    for name, (team, customer_id) in plan.items():
        word = "zqx" + name.replace("_", "")
        t = admin.create_ticket(TicketCreate(subject=f"Matrix {word} ticket",
                                             team_id=teams[team].id, customer_id=customer_id))
        admin.comment(t.id, f"SECRETNOTE internal {word}")
        admin.reply(t.id, f"Public answer {word}")
        tickets[name] = {"id": t.id, "number": t.number, "team": t.team_id,
                         "stage": t.stage_id, "word": word}
    with store.transaction():
        store.set_follower(tickets["public_followed"]["id"], portal.id, True)
        store.set_follower(tickets["private_followed"]["id"], jonas.id, True)
    store.close()
    everything = set(plan)
    visible = {
        "admin": everything,
        "alice": everything,
        "jonas": {n for n in plan if not n.startswith("private")} | {"private_followed"},
        "portal": {"public_own", "public_followed"},
    }
    return {"tickets": tickets, "visible": visible,
            "customer_ids": {"own": portal.customer_id, "other": other_customer.id}}


@pytest.fixture(scope="module")
def world(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = tmp_path_factory.mktemp("server") / "server.db"
    shutil.copyfile(demo_template, db)
    made = build_world(db)
    server = start_in_thread(db)
    try:
        w = World(db=db, server=server,
                  tokens={role: make_token(db, email) for role, email in ROLES.items()},
                  **made)
        yield w
    finally:
        server.stop()
