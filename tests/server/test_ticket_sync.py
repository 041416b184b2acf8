"""The change feed while writes go on: writers on their own connections (as consoles, mail
intake and the command line are) and a client of the server itself change, comment,
create and delete tickets while another client drains `GET /tickets/changes` over HTTP in
small pages. Nothing is missed, nothing comes twice."""

from __future__ import annotations

import asyncio
import random
import threading

import httpx

from deskline.errors import ConflictError
from deskline.models import TicketCreate, TicketUpdate
from deskline.service import Service, resolve_agent
from deskline.store.sqlite import SqliteStore
from tests.conftest import ADMIN
from tests.server_support import make_token, open_remote_backend

WRITERS = 3
WRITES = 40  # each


def _writer(db, seed: int, errors: list) -> None:
    store = SqliteStore.open(db)
    svc = Service(store, resolve_agent(store, ADMIN))
    rng = random.Random(seed)
    team = svc.list_teams()[0]
    ids = [t.id for t in svc.list_tickets(limit=200).items]
    try:
        for n in range(WRITES):
            if n % 10 == 9:  # a new ticket, and now and then one deleted
                created = svc.create_ticket(TicketCreate(subject=f"w{seed}-{n}", team_id=team.id))
                if n % 20 == 19:
                    svc.delete_ticket(created.id, created.version)
                continue
            tid = rng.choice(ids)
            while True:
                ticket = svc.get_ticket(tid)
                try:
                    svc.update_ticket(tid, ticket.version,
                                      TicketUpdate(priority=(ticket.priority + 1) % 4))
                    break
                except ConflictError:
                    continue
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        store.close()


def _http_writer(url: str, token: str, errors: list) -> None:
    """Writes through the server itself: field changes and comments."""
    try:
        with httpx.Client(base_url=url + "/api/v1", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            ids = [t["id"] for t in client.get("/tickets", params={"limit": 30}).json()["items"]]
            for n, tid in enumerate(ids):
                if n % 2:
                    client.post(f"/tickets/{tid}/messages",
                                json={"kind": "comment", "body": "looking"}).raise_for_status()
                    continue
                while True:
                    ticket = client.get(f"/tickets/{tid}").json()
                    answer = client.patch(
                        f"/tickets/{tid}", json={"priority": (ticket["priority"] + 1) % 4},
                        headers={"If-Match": f'"{ticket["version"]}"'})
                    if answer.status_code != 412:
                        answer.raise_for_status()
                        break
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


async def test_change_feed_under_concurrent_writers(demo_db):
    reader = await open_remote_backend(demo_db, ADMIN)
    try:
        errors: list = []
        threads = [threading.Thread(target=_writer, args=(demo_db, i, errors))
                   for i in range(WRITERS)]
        threads.append(threading.Thread(target=_http_writer, args=(
            reader.url, make_token(demo_db, ADMIN), errors)))
        seen: list = []
        cursor = None
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            page = await reader.ticket_changes(cursor, 25)
            seen += page.items
            cursor = page.cursor
            if not page.more:
                await asyncio.sleep(0.005)
        for thread in threads:
            thread.join()
        assert not errors
        while True:  # what the last writes left
            page = await reader.ticket_changes(cursor, 25)
            seen += page.items
            cursor = page.cursor
            if not page.more:
                break

        seqs = [c.seq for c in seen]
        assert seqs == sorted(set(seqs)), "a change came twice or out of order"
        latest = {c.id: c for c in seen}  # the copy a client keeps
        store = SqliteStore.open(demo_db)
        admin = Service(store, resolve_agent(store, ADMIN))
        now, cursor_list = {}, None
        while True:  # every ticket there is now
            listed = admin.list_tickets(cursor=cursor_list, limit=200)
            now |= {t.id: t for t in listed.items}
            if not (cursor_list := listed.next_cursor):
                break
        store.close()
        live = {i: c.ticket.version for i, c in latest.items() if not c.deleted and c.ticket}
        assert live == {i: t.version for i, t in now.items()}, "a change was missed"
        deleted = {i for i, c in latest.items() if c.deleted}
        # SQLite gives a deleted newest id to the next ticket: its tombstone is replaced
        assert deleted and not deleted & set(now)
    finally:
        await reader.close()
