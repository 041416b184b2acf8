"""The OpenAPI document as integrators read it: valid OpenAPI, every operation named,
summarized, described and tagged, every field and parameter described, every refusal a
problem, the headers where they apply, and examples that fit their own schemas.

The document is built from `create_app` alone; no server runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import BaseModel

from deskline import models
from deskline.server import schemas
from deskline.server.app import create_app
from deskline.server.openapi import TAGS
from deskline.store.sqlite import SqliteStore

METHODS = ("get", "post", "put", "patch", "delete")
# Writes that change a versioned record: If-Match required, 412 and 428 documented.
IF_MATCH_REQUIRED = {
    "updateTicket", "editTicket", "moveTicket", "assignTicket", "assignTicketToMe",
    "archiveTicket", "deleteTicket", "closeTicket", "handOffTicket",
    "updateTeam", "archiveTeam", "updateStage", "updateSlaPolicy", "updateTemplate"}
# The models answered with their version as ETag (`api.VERSIONED`).
WITH_ETAG = {"Ticket", "Team", "Stage", "SlaPolicy", "MailTemplate"}
# The main inputs and answers, which carry examples.
EXAMPLES = {"Ticket", "TicketCreate", "TicketUpdate", "TicketSummary", "Message",
            "MessageBody", "Customer", "CustomerCreate", "ChangePage", "Team", "Stage",
            "WebhookEndpoint", "WebhookEndpointCreate", "WebhookEndpointCreated",
            "SavedView", "Notification", "BulkRequest", "TokenCreated"}


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = Path(tmp_path_factory.mktemp("openapi")) / "helpdesk.db"
    SqliteStore.open(db).close()
    return create_app(db).openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS]


def test_the_document_is_valid_openapi(doc: dict[str, Any]) -> None:
    validate(doc)


def test_every_operation_is_named_summarized_described_and_tagged(doc: dict) -> None:
    ids = [op.get("operationId", "") for _path, _method, op in operations(doc)]
    assert len(ids) == len(set(ids)), "operation ids repeat"
    declared = {tag["name"] for tag in doc["tags"]}
    assert declared == set(TAGS)
    assert all(tag.get("description") for tag in doc["tags"])
    used: set[str] = set()
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        assert re.fullmatch(r"[a-z][A-Za-z]+", op.get("operationId", "")), where
        assert op.get("summary"), where
        assert op.get("description") and op["description"] != op["summary"], where
        assert op.get("tags") and set(op["tags"]) <= declared, where
        used |= set(op["tags"])
    assert used == declared, f"tags without operations: {declared - used}"


def test_every_field_and_parameter_is_described(doc: dict[str, Any]) -> None:
    bare = [f"{name}.{field}" for name, schema in doc["components"]["schemas"].items()
            for field, prop in schema.get("properties", {}).items()
            if not prop.get("description")]
    assert not bare, f"fields without a description: {bare}"
    bare = [f"{op['operationId']} {p['in']} {p['name']}" for _path, _method, op in
            operations(doc) for p in op.get("parameters", []) if not p.get("description")]
    assert not bare, f"parameters without a description: {bare}"


def test_every_refusal_refers_to_the_problem_schema(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        for code, answer in op["responses"].items():
            if code[0] in "45":
                content = answer.get("content", {})
                assert list(content) == ["application/problem+json"], (method, path, code)
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"}, (method, path, code)


def test_the_headers_are_documented_where_they_apply(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        oid, responses = op["operationId"], op["responses"]
        params = {p["name"]: p for p in op.get("parameters", [])}
        if path.startswith("/api/v1/") and method != "get":
            assert "Idempotency-Key" in params, oid
        if oid in IF_MATCH_REQUIRED:
            assert params["If-Match"]["required"] is True, oid
            assert {"412", "428"} <= set(responses), oid
        elif "If-Match" in params:  # checked only when sent
            assert params["If-Match"]["required"] is False and "412" in responses, oid
        for code, answer in responses.items():
            headers = answer.get("headers", {})
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            if code.startswith("2"):
                versioned = schema.get("$ref", "").rsplit("/", 1)[-1] in WITH_ETAG
                assert ("ETag" in headers) == versioned, (oid, code)
            if code in ("429", "503") and path.startswith("/api/v1/"):
                assert "Retry-After" in headers, (oid, code)
            if code == "401":
                assert "WWW-Authenticate" in headers, oid
            if code.startswith("2") and path.startswith("/api/v1/") and method != "get":
                assert "Idempotent-Replayed" in headers, (oid, code)
        if path.startswith("/api/v1/"):
            assert "429" in responses and "503" in responses, oid
            assert ("409" in responses) == (method != "get"), oid  # a read clashes with nothing
    assert "503" in doc["paths"]["/readyz"]["get"]["responses"]
    assert doc["paths"]["/healthz"]["get"]["security"] == []  # no token
    assert "ServerEvent" in doc["components"]["schemas"]  # the event stream's data
    attachment = doc["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"]
    assert "Deskline-Attachment" in attachment["200"]["headers"]


def _models() -> dict[str, type[BaseModel]]:
    return {name: value for module in (models, schemas) for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, BaseModel)}


def test_the_examples_fit_their_own_schemas(doc: dict[str, Any]) -> None:
    components = doc["components"]["schemas"]
    with_examples = {name for name, schema in components.items() if schema.get("examples")}
    assert EXAMPLES <= with_examples, f"without examples: {EXAMPLES - with_examples}"
    known = _models()
    for name in sorted(with_examples):
        checker = Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                        "components": doc["components"]})
        for example in components[name]["examples"]:
            errors = [e.message for e in checker.iter_errors(example)]
            assert not errors, f"{name}: {errors}"
            if name in known:  # and the model itself takes it
                known[name].model_validate(example)
