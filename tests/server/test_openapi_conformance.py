"""The OpenAPI document and the live server stay in step: schemathesis generates requests
for every operation from the document, as an agent and as a portal account, and checks
each answer — no 5xx, only documented statuses, problem+json where documented, bodies
and headers as the document says. The event stream (it never ends) is checked by hand."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deskline.server.run import start_in_thread
from tests.conftest import ALICE, PORTAL
from tests.server_support import make_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
STREAM = "/api/v1/events"


@pytest.fixture(scope="module")
def live(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    db = tmp_path_factory.mktemp("conformance") / "api.db"
    shutil.copyfile(demo_template, db)
    server = start_in_thread(db)
    try:
        yield {"url": server.url, "tokens": {"agent": make_token(db, ALICE),
                                             "portal": make_token(db, PORTAL)}}
    finally:
        server.stop()


# Bounded: the examples and fuzzing phases, a few cases each (the coverage phase's
# boundary cases would take minutes on two cores), the same cases every run.
CONFIG = {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
          "generation": {"max-examples": 6, "deterministic": True, "mode": "all"}}
# Revoking the caller's own token ends the run's authentication: tested on their own.
OWN_TOKEN = ("/api/v1/tokens/current", "/api/v1/tokens/{token_id}")


@pytest.fixture(scope="module")
def api_schema(live: dict):
    from schemathesis.config import SchemathesisConfig

    return schemathesis.openapi.from_url(live["url"] + "/api/v1/openapi.json",
                                         config=SchemathesisConfig.from_dict(CONFIG))


# Filters go on the lazy schema: the fixture's own are replaced when it is loaded.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path=STREAM).exclude(
    method="DELETE", path=list(OWN_TOKEN))


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, live: dict) -> None:
    for token in live["tokens"].values():  # an agent's, then a portal account's
        case.call_and_validate(base_url=live["url"], checks=CHECKS, timeout=20,
                               headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("role", ["agent", "portal", None])
def test_the_event_stream_answers_as_documented(live: dict, role: str | None) -> None:
    doc = httpx.get(live["url"] + "/api/v1/openapi.json").json()
    documented = set(doc["paths"][STREAM]["get"]["responses"])
    headers = {"Authorization": f"Bearer {live['tokens'][role]}"} if role else {}
    with httpx.stream("GET", live["url"] + STREAM, headers=headers, timeout=10) as answer:
        assert str(answer.status_code) in documented
        if role is None:
            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
        else:
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/event-stream")
            first = next(answer.iter_lines())
            assert first.startswith(("retry:", ":"))
