"""Versions, tokens, body sizes, portal limits, invisible ids, idempotency, throttling and
the shape of errors, against a real server."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from deskline.errors import ValidationFailed
from deskline.server.app import Settings
from deskline.server.run import check_bind, start_in_thread
from tests.conftest import ADMIN, JONAS
from tests.server.conftest import MISSING, World
from tests.server_support import make_token


def _ticket(client: httpx.Client, tid: int) -> dict:
    answer = client.get(f"/tickets/{tid}")
    assert answer.status_code == 200
    return answer.json()


def _problem(answer: httpx.Response, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in answer.text and "File \"" not in answer.text
    if field is not None:
        assert body.get("field") == field, body
    return body


def test_stale_missing_and_malformed_if_match(world: World) -> None:
    tid = world.tickets["company_other"]["id"]
    with world.client("alice") as c:
        t = _ticket(c, tid)
        _problem(c.patch(f"/tickets/{tid}", json={"priority": 3}), 428, "If-Match")
        _problem(c.post(f"/tickets/{tid}/move", json={"stage_id": t["stage_id"]}), 428,
                 "If-Match")
        _problem(c.delete(f"/tickets/{tid}"), 428, "If-Match")
        _problem(c.patch(f"/tickets/{tid}", json={"priority": 3},
                         headers={"If-Match": "yesterday"}), 428, "If-Match")
        fresh = c.patch(f"/tickets/{tid}", json={"priority": 3},
                        headers={"If-Match": f'"{t["version"]}"'})
        assert fresh.status_code == 200
        assert fresh.headers["etag"] == f'"{t["version"] + 1}"'
        stale = _problem(c.patch(f"/tickets/{tid}", json={"priority": 1},
                                 headers={"If-Match": f'"{t["version"]}"'}), 412)
        assert stale["current_version"] == t["version"] + 1
        assert _ticket(c, tid)["priority"] == 3  # the stale write changed nothing
        weak = c.patch(f"/tickets/{tid}", json={"priority": 1},
                       headers={"If-Match": f'W/"{t["version"] + 1}"'})
        assert weak.status_code == 200


def test_tokens_missing_wrong_revoked_expired(world: World) -> None:
    url = world.server.url + "/api/v1/me"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url).headers["www-authenticate"] == "Bearer"
    token = make_token(world.db, JONAS)
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # never from the URL, never another scheme
    _problem(httpx.get(url, params={"token": token, "access_token": token}), 401)
    _problem(httpx.get(url, headers={"Authorization": f"Basic {token}"}), 401)
    _problem(httpx.get(url, headers={"Authorization": f"Bearer {token}x"}), 401)
    with httpx.Client(base_url=world.server.url + "/api/v1",
                      headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.delete("/tokens/current").status_code == 204
        _problem(c.get("/me"), 401)
    expiring = make_token(world.db, JONAS, expires_days=1)
    conn = sqlite3.connect(world.db)
    conn.execute("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000+00:00'"
                 " WHERE id = (SELECT max(id) FROM api_tokens)")
    conn.commit()
    conn.close()
    _problem(httpx.get(url, headers={"Authorization": f"Bearer {expiring}"}), 401)


def test_stored_tokens_are_hashed(world: World) -> None:
    token = make_token(world.db, JONAS)
    conn = sqlite3.connect(world.db)
    rows = conn.execute("SELECT token_hash, prefix FROM api_tokens").fetchall()
    conn.close()
    assert all(token not in (h, p) for h, p in rows)
    assert any(p == token[:10] for _h, p in rows)


def test_oversized_bodies_are_refused(world: World) -> None:
    """1 MiB for an ordinary request; a message (with its files) up to 40 MiB."""
    tid = world.tickets["company_own"]["id"]
    with world.client("alice") as c:
        t = _ticket(c, tid)
        big = {"subject": "x" * (1 << 20)}
        _problem(c.patch(f"/tickets/{tid}", json=big,
                         headers={"If-Match": f'"{t["version"]}"'}), 413, "body")

        def chunks(count: int):
            for _ in range(count):
                yield b"y" * 65536

        _problem(c.post("/customers", content=chunks(40),
                        headers={"Content-Type": "application/json"}), 413, "body")
        too_big = _problem(c.post(f"/tickets/{tid}/messages", content=chunks(41 * 16 + 1),
                                  headers={"Content-Type": "application/json"}), 413, "body")
        assert too_big["detail"] == "the request is larger than this server takes (40 MiB)"
        assert _ticket(c, tid)["version"] == t["version"]
        count = _ticket(c, tid)["message_count"]
        assert c.post(f"/tickets/{tid}/messages", json={"kind": "reply", "body": "small"}
                      ).status_code == 201
        assert _ticket(c, tid)["message_count"] == count + 1


def test_portal_cannot_set_what_it_may_not(world: World) -> None:
    own = world.tickets["public_own"]
    with world.client("portal") as c:
        t = _ticket(c, own["id"])
        v = {"If-Match": f'"{t["version"]}"'}
        _problem(c.patch(f"/tickets/{own['id']}", json={"priority": 3}, headers=v), 403)
        _problem(c.patch(f"/tickets/{own['id']}", json={"team_id": own["team"]}, headers=v),
                 403)
        _problem(c.post(f"/tickets/{own['id']}/move", json={"stage_id": t["stage_id"]},
                        headers=v), 403)
        _problem(c.post(f"/tickets/{own['id']}/assign", json={"agent_id": 1}, headers=v), 403)
        _problem(c.post(f"/tickets/{own['id']}/messages",
                        json={"kind": "comment", "body": "psst"}), 403)
        base = {"subject": "Portal ticket", "team_id": own["team"]}
        _problem(c.post("/tickets", json=base | {"assignee_id": 1}), 403)
        _problem(c.post("/tickets", json=base | {"stage_id": own["stage"]}), 403)
        _problem(c.post("/tickets", json=base | {"visibility": "private"}), 422, "visibility")
        _problem(c.post(f"/tickets/{own['id']}/presence"), 405)
        made = c.post("/tickets", json=base | {"customer_id": world.customer_ids["other"]})
        assert made.status_code == 201
        assert made.json()["customer_id"] == world.customer_ids["own"]  # acts as itself
        assert _ticket(c, own["id"])["version"] == t["version"]
        # a private team is not there at all
        private = world.tickets["private_own"]
        _problem(c.post("/tickets", json={"subject": "x", "team_id": private["team"]}), 422,
                 "team_id")


def test_ids_of_invisible_records_answer_like_missing_ones(world: World) -> None:
    hidden = world.tickets["private_other"]
    seen = world.tickets["company_own"]
    with world.client("jonas") as c:
        t = _ticket(c, seen["id"])
        v = {"If-Match": f'"{t["version"]}"'}
        to_hidden = _problem(c.patch(f"/tickets/{seen['id']}", json={"team_id": hidden["team"]},
                                     headers=v), 422, "team_id")
        to_missing = _problem(c.patch(f"/tickets/{seen['id']}", json={"team_id": MISSING},
                                      headers=v), 422, "team_id")
        assert to_hidden["detail"].replace(str(hidden["team"]), "N") == \
            to_missing["detail"].replace(str(MISSING), "N")
        _problem(c.post("/tickets", json={"subject": "x", "team_id": hidden["team"]}), 422,
                 "team_id")
        # merge, both sides
        versions = {str(seen["id"]): t["version"], str(hidden["id"]): 1}
        _problem(c.post(f"/tickets/{seen['id']}/merge", json={
            "target_id": seen["id"], "source_ids": [hidden["id"]], "versions": versions}), 404)
        _problem(c.post(f"/tickets/{hidden['id']}/merge", json={
            "target_id": hidden["id"], "source_ids": [seen["id"]], "versions": versions}), 404)
        _problem(c.get(f"/tickets/{seen['id']}/merge", params={"with": hidden["id"]}), 404)
        _problem(c.get(f"/teams/{hidden['team']}/board"), 404)
        _problem(c.get("/stages", params={"team_id": hidden["team"]}), 404)
        assert _ticket(c, seen["id"])["version"] == t["version"]
    with world.client("admin") as c:
        assert c.get(f"/tickets/{hidden['id']}").json()["merged_into"] is None


def test_problem_answers_name_the_field(world: World) -> None:
    with world.client("alice") as c:
        _problem(c.post("/tickets", json={"subject": "", "team_id": 1}), 422, "subject")
        _problem(c.post("/tickets", json={"subject": "x"}), 422, "team_id")
        _problem(c.post("/tickets", content=b"{not json",
                        headers={"Content-Type": "application/json"}), 422)
        _problem(c.get("/tickets/abc"), 422, "ticket_id")
        _problem(c.get("/teams/1/stages/1/tickets", params={"limit": 0}), 422, "limit")
        _problem(c.get("/teams/1/stages/1/tickets", params={"cursor": "!!"}), 422, "cursor")
        _problem(c.get("/teams/1/board", params={"priority": 9}), 422, "priority")
        _problem(c.get("/no/such/route"), 404)
        for path in ("/tickets/99999999999999999999", "/customers/99999999999999999999",
                     "/tickets/99999999999999999999/messages"):
            _problem(c.get(path), 422)  # beyond 64 bits: refused, not a 500
        dup = c.post("/customers", json={"email": "Alice.Martin.0+portal@post.example"})
        assert dup.status_code in (201, 409)


def test_idempotency_key_replays_instead_of_writing_twice(world: World) -> None:
    tid = world.tickets["company_own"]["id"]
    with world.client("alice") as c:
        before = _ticket(c, tid)["message_count"]
        key = {"Idempotency-Key": "reply-42"}
        first = c.post(f"/tickets/{tid}/messages", json={"kind": "reply", "body": "once"},
                       headers=key)
        again = c.post(f"/tickets/{tid}/messages", json={"kind": "reply", "body": "once"},
                       headers=key)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again.headers.get("idempotent-replayed") == "true"
        assert _ticket(c, tid)["message_count"] == before + 1
        _problem(c.post(f"/tickets/{tid}/messages", json={"kind": "reply", "body": "other"},
                        headers=key), 400, "Idempotency-Key")
    with world.client("admin") as c:  # keys belong to one agent
        other = c.post(f"/tickets/{tid}/messages", json={"kind": "reply", "body": "once"},
                       headers=key)
        assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
        # a failed write stores nothing: the same key works once the input is right
        t = _ticket(c, tid)
        k = {"Idempotency-Key": "move-1", "If-Match": f'"{t["version"]}"'}
        _problem(c.post(f"/tickets/{tid}/move", json={"stage_id": MISSING}, headers=k), 422,
                 "stage_id")


def test_openapi_document_is_served(world: World) -> None:
    doc = httpx.get(world.server.url + "/api/v1/openapi.json").json()
    assert "/api/v1/tickets/{ticket_id}" in doc["paths"]
    assert "/api/v1/events" in doc["paths"]
    assert "TicketCard" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]


def test_loopback_by_default_and_tls_or_insecure_elsewhere() -> None:
    assert "loopback" in check_bind("127.0.0.1", tls=False, insecure=False)
    assert "loopback" in check_bind("::1", tls=False, insecure=False)
    with pytest.raises(ValidationFailed):
        check_bind("0.0.0.0", tls=False, insecure=False)
    assert "TLS" in check_bind("0.0.0.0", tls=True, insecure=False)
    assert "WITHOUT TLS" in check_bind("10.0.0.5", tls=False, insecure=True)


def test_failed_logins_and_token_creation_are_throttled(demo_template: Path,
                                                        tmp_path: Path) -> None:
    db = tmp_path / "throttle.db"
    shutil.copyfile(demo_template, db)
    server = start_in_thread(db, Settings(auth_failures=5, token_creations=2))
    try:
        url = server.url + "/api/v1"
        for n in range(5):  # a forged X-Forwarded-For does not make a new client
            assert httpx.get(url + "/me", headers={"Authorization": "Bearer dl_nope",
                                                   "X-Forwarded-For": f"10.0.0.{n}"}
                             ).status_code == 401
        blocked = httpx.get(url + "/me", headers={"Authorization": "Bearer dl_nope"})
        _problem(blocked, 429)
        assert int(blocked.headers["retry-after"]) >= 1
        # the same address with a valid token is never refused (an SSH tunnel makes every
        # console 127.0.0.1: one stale script must not lock the team out)
        valid = make_token(db, ADMIN)
        assert httpx.get(url + "/me", headers={"Authorization": f"Bearer {valid}"}
                         ).status_code == 200
        _problem(httpx.get(url + "/me", headers={"Authorization": "Bearer dl_nope"}), 429)
    finally:
        server.stop()
    server = start_in_thread(db, Settings(auth_failures=5, token_creations=2))
    try:
        token = make_token(db, ADMIN)
        with httpx.Client(base_url=server.url + "/api/v1",
                          headers={"Authorization": f"Bearer {token}"}) as c:
            made = [c.post("/tokens", json={"label": "cli", "expires_days": 1})
                    for _ in range(3)]
            assert [m.status_code for m in made] == [201, 201, 429]
            assert int(made[2].headers["retry-after"]) >= 1
            fresh = made[0].json()["token"]
            assert httpx.get(server.url + "/api/v1/me",
                             headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    finally:
        server.stop()


def test_a_clash_that_is_not_a_stale_version_is_a_409(world: World) -> None:
    tid = world.tickets["company_own"]["id"]
    with world.client("admin") as c:
        t = _ticket(c, tid)
        archived = c.post(f"/tickets/{tid}/archive", json={"archived": True},
                          headers={"If-Match": f'"{t["version"]}"'})
        assert archived.status_code == 200
        v = archived.json()["version"]
        clash = _problem(c.post(f"/tickets/{tid}/close", headers={"If-Match": f'"{v}"'}), 409)
        assert "archived" in clash["detail"]
        back = c.post(f"/tickets/{tid}/archive", json={"archived": False},
                      headers={"If-Match": f'"{v}"'})
        assert back.status_code == 200
        _problem(c.post("/customers", json={"email": "alice.martin.0@post.example"}), 409,
                 "email")


def test_a_mails_file_is_served_as_a_download_never_as_a_page(world: World) -> None:
    """A customer's file may claim to be HTML (or anything): it is answered as a download
    with nosniff, its name percent-encoded, its facts in ASCII JSON."""
    import json

    store = sqlite3.connect(world.db)
    tid = world.tickets["company_other"]["id"]
    with store:
        store.execute(
            "INSERT INTO mail_attachments (ticket_id, filename, content_type, size, content)"
            " VALUES (?, ?, 'text/html', 29, ?)",
            (tid, 'évil"\r\nX-Injected: 1.html', b"<script>alert('x')</script>\n\x00"))
        file_id = store.execute("SELECT max(id) FROM mail_attachments").fetchone()[0]
    store.close()
    with world.client("alice") as c:
        answer = c.get(f"/attachments/{file_id}")
        assert answer.status_code == 200
        assert answer.content == b"<script>alert('x')</script>\n\x00"
        assert answer.headers["content-type"] == "application/octet-stream"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
        assert "x-injected" not in answer.headers
        facts = json.loads(answer.headers["deskline-attachment"])
        assert facts["filename"] == 'évil"\r\nX-Injected: 1.html' and facts["size"] == 29
    with world.client("portal") as c:  # not the portal account's ticket
        _problem(c.get(f"/attachments/{file_id}"), 404)


def test_files_go_with_replies_in_base64_and_nowhere_else(world: World) -> None:
    tid = world.tickets["company_other"]["id"]
    with world.client("alice") as c:
        comment = {"kind": "comment", "body": "see file",
                   "files": [{"filename": "a.txt", "content_base64": "YQ=="}]}
        _problem(c.post(f"/tickets/{tid}/messages", json=comment), 422, "files")
        bad = {"kind": "reply", "body": "file", "files": [{"filename": "a.txt",
                                                           "content_base64": "not base64!"}]}
        _problem(c.post(f"/tickets/{tid}/messages", json=bad), 422, "files")
        good = {"kind": "reply", "body": "file", "files": [{"filename": "a.txt",
                                                            "content_base64": "YQ=="}]}
        answer = c.post(f"/tickets/{tid}/messages", json=good)
        assert answer.status_code == 201, answer.text
        (info,) = answer.json()["attachments"]
        assert c.get(f"/attachments/{info['id']}").content == b"a"


def test_request_headers_are_bounded_before_authentication(world: World) -> None:
    """A huge header is refused with 431 once the head passes 64 KiB, without reading the
    rest; ordinary requests, large bodies included, are untouched."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(world.server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ")
        answer = b""
        try:
            for _ in range(64):  # 8 MiB at most; the server answers long before
                sock.sendall(b"a" * (128 * 1024))
        except OSError:
            pass  # the server closed the connection: it stopped reading
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"application/problem+json" in answer
    with world.client("admin") as c:
        assert c.get("/me", headers={"X-Fine": "a" * 8000}).status_code == 200


@pytest.mark.parametrize("path,body", [
    ("/customers", {"email": "race-{n}@client.example", "name": "Racer"}),
    ("/customers/invitations", {"email": "race-{n}@client.example", "name": "Racer"}),
    ("/organizations", {"name": "Race {n}"}),
    ("/agents", {"email": "racer-{n}@deskline.example", "name": "Racer"}),
    ("/templates", {"name": "Race {n}", "subject": "s", "body": "b"}),
    ("/teams", {"name": "Race {n}"}),
])
def test_concurrent_creates_of_one_unique_value_answer_201_and_409(world: World, path: str,
                                                                   body: dict) -> None:
    """Eight clients create the same customer (organization, agent, template, team) at once,
    in rounds: one 201 each round, every other answer a 409 problem+json naming the field —
    never a 500 (the check and the insert share one transaction; a lost race is a
    conflict)."""
    import concurrent.futures

    def post(payload: dict) -> httpx.Response:
        with world.client("admin") as c:
            return c.post(path, json=payload)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for n in range(5):
            tag = path.strip("/").replace("/", "-")
            payload = {k: v.format(n=f"{tag}{n}") for k, v in body.items()}
            answers = list(pool.map(post, [payload] * 8))
            assert sorted(a.status_code for a in answers) == [201] + [409] * 7, answers[0].text
            for answer in answers:
                if answer.status_code == 409:
                    _problem(answer, 409, "name" if "name" in payload and
                             "email" not in payload else "email")
