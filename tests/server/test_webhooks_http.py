"""Webhooks over HTTP: problem answers naming the field, the secret in the creation answer
only, the hand-off's If-Match, and a running server's job delivering the events of
writes made through it to a receiver on loopback — signed, in order, each once."""

from __future__ import annotations

from pathlib import Path

import httpx

from deskline.server.run import start_in_thread
from deskline.server.settings import Settings
from tests.conftest import ADMIN, ALICE
from tests.server.test_jobs import wait_for
from tests.server_support import make_token
from tests.webhooks.receiver import Receiver


def _client(server_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server_url + "/api/v1", timeout=10,
                        headers={"Authorization": f"Bearer {token}"})


def test_webhooks_over_http_and_the_job_delivering_them(demo_db: Path) -> None:
    receiver = Receiver().start()
    admin_token, alice_token = make_token(demo_db, ADMIN), make_token(demo_db, ALICE)
    server = start_in_thread(demo_db, Settings(webhooks_every=0.1))
    try:
        with _client(server.url, admin_token) as admin, _client(server.url, alice_token) as alice:
            bad = admin.post("/webhooks", json={"url": "ftp://x.example/", "events": ["x"]})
            assert bad.status_code == 422
            assert bad.headers["content-type"].startswith("application/problem+json")
            assert {e["field"] for e in bad.json()["errors"]} >= {"url", "events.0"}
            private = admin.post("/webhooks", json={"url": "http://127.0.0.1:1/",
                                                    "events": ["ticket.created"]})
            assert private.status_code == 422 and private.json()["field"] == "url"
            assert alice.get("/webhooks").status_code == 403
            created = admin.post("/webhooks", json={
                "url": receiver.url, "events": ["ticket.created", "ticket.handed_off"],
                "allow_private": True})
            assert created.status_code == 201, created.text
            hook = created.json()
            receiver.secret = hook["secret"]
            assert "secret" not in admin.get(f"/webhooks/{hook['id']}").json()
            assert "whsec_" not in admin.get("/webhooks").text

            team = next(t for t in alice.get("/teams").json() if t["name"] == "Customer Care")
            ticket = alice.post("/tickets", json={"team_id": team["id"],
                                                  "subject": "Wants a quote"}).json()
            path = f"/tickets/{ticket['id']}/hand-off"
            assert alice.post(path, json={"note": "40 seats"}).status_code == 428
            stale = alice.post(path, json={"note": "x"}, headers={"If-Match": '"999"'})
            assert stale.status_code == 412
            empty = alice.post(path, json={"note": ""}, headers={"If-Match": '"1"'})
            assert empty.status_code == 422 and empty.json()["field"] == "note"
            handed = alice.post(path, json={"note": "40 seats"},
                                headers={"If-Match": f'"{ticket["version"]}"'})
            assert handed.status_code == 200 and handed.json()["archived"] is True

            wait_for(lambda: len(receiver.received) >= 2)
            assert receiver.events() == ["ticket.created", "ticket.handed_off"]
            assert all(r.valid for r in receiver.received)
            off = receiver.received[1].json
            assert off["note"] == "40 seats" and off["ticket"]["id"] == ticket["id"]
            assert {"customer", "organization", "handed_off_by"} <= off.keys()
            log = wait_for(lambda: [d for d in admin.get(
                f"/webhooks/{hook['id']}/deliveries").json()["items"]
                if d["status"] == "delivered"] or None)
            assert len(log) == 2  # type: ignore[arg-type]
            again = admin.post(f"/webhooks/deliveries/{log[0]['id']}/redeliver")  # type: ignore[index]
            assert again.status_code == 200 and again.json()["status"] == "queued"
            wait_for(lambda: len(receiver.received) >= 3)
            assert receiver.duplicates == 1  # same delivery id: the receiver can tell
            assert admin.delete(f"/webhooks/{hook['id']}").status_code == 204
    finally:
        server.stop()
        receiver.stop()
