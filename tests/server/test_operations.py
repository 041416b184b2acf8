"""Operating a server: /healthz and /readyz, the access log (one structured line per
request, fast reads too, never a token or a query string), and the ticket list's
problem answers naming the query parameter."""

from __future__ import annotations

import json
import logging
import sqlite3

import httpx
import pytest

from deskline.server.access_log import format_line, request_line
from deskline.server.run import start_in_thread
from deskline.server.settings import Settings
from tests.conftest import ADMIN
from tests.server_support import make_token


@pytest.fixture
def server(demo_db):
    running = start_in_thread(demo_db, Settings(access_log="json"))
    yield running
    running.stop()


def test_health_and_readiness(server, demo_db):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        schema = ready.json()["schema"]
        conn = sqlite3.connect(demo_db)
        try:
            conn.execute(f"PRAGMA user_version = {schema - 1}")  # a file not brought up
            behind = client.get("/readyz")
            assert behind.status_code == 503
            assert behind.headers["content-type"].startswith("application/problem+json")
            assert f"this server needs {schema}" in behind.json()["detail"]
        finally:
            conn.execute(f"PRAGMA user_version = {schema}")
            conn.close()
        assert client.get("/readyz").status_code == 200


def test_access_log_one_line_per_request_without_secrets(server, demo_db, caplog):
    token = make_token(demo_db, ADMIN)
    auth = {"Authorization": f"Bearer {token}"}
    with caplog.at_level(logging.INFO, logger="deskline.access"), \
            httpx.Client(base_url=server.url + "/api/v1", timeout=10) as client:
        assert client.get("/me", headers=auth).status_code == 200  # a fast read
        assert client.get("/tickets?text=private+words&status=open",
                          headers=auth).status_code == 200
        assert client.get("/tickets", headers={"Authorization": "Bearer dl_wrong"}
                          ).status_code == 401
        assert client.post("/tickets", headers=auth, json={"subject": "body text here",
                                                           "team_id": 999999}
                           ).status_code == 422
    lines = [r.getMessage() for r in caplog.records if r.name == "deskline.access"]
    assert len(lines) == 4
    rows = [json.loads(line) for line in lines]
    assert [(r["method"], r["path"], r["status"]) for r in rows] == [
        ("GET", "/api/v1/me", 200), ("GET", "/api/v1/tickets", 200),
        ("GET", "/api/v1/tickets", 401), ("POST", "/api/v1/tickets", 422)]
    me = httpx.get(server.url + "/api/v1/me", headers=auth).json()
    assert rows[0]["agent_id"] == rows[1]["agent_id"] == me["id"]
    assert rows[2]["agent_id"] is None
    assert all(r["client"] == "127.0.0.1" and r["duration_ms"] >= 0 for r in rows)
    text = "\n".join(lines)
    for secret in (token, "dl_wrong", "private", "body text", "Bearer"):
        assert secret not in text


def test_access_log_text_line_keeps_a_hostile_path_on_one_line():
    scope = {"method": "GET", "raw_path": b"/api/v1/x\n\x1b]52;c;evil\x07", "path": "",
             "client": ("10.0.0.1", 5000), "deskline.agent_id": 7}
    line = format_line(request_line(scope, 404, 0.0012), "text")
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert line.endswith("404 1.2ms client=10.0.0.1 agent=7")


def test_list_refusals_name_the_query_parameter(server, demo_db):
    auth = {"Authorization": f"Bearer {make_token(demo_db, ADMIN)}"}
    with httpx.Client(base_url=server.url + "/api/v1", headers=auth, timeout=10) as client:
        for query, field in (("staus=open", "staus"), ("assignee=bob", "assignee"),
                             ("limit=ten", "limit"), ("created_since=someday", "created_since"),
                             ("sort=random", "sort"), ("priority=9", "priority"),
                             ("cursor=%25%25", "cursor")):
            answer = client.get(f"/tickets?{query}")
            assert answer.status_code == 422, query
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["field"] == field, query
        assert client.get("/tickets/changes?limit=0").json()["field"] == "limit"
