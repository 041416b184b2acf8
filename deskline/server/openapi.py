"""The OpenAPI document, told the whole truth: every status an operation can answer (with
the problem+json schema), `If-Match` required where a write checks a version, and the
`Idempotency-Key` and `ETag` headers.

FastAPI documents what a route declares; the statuses below come from layers it does not
see (authentication, throttles, body and header bounds, the engine's errors), so they are
added here, from the one list of where each can arise.
"""

from __future__ import annotations

from typing import Any

from deskline.server.problems import PROBLEM

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "the input field at fault, if one is"},
        "current_version": {"type": "integer",
                            "description": "on 409/412: the version there is now"},
    },
}

# Where each status can come from.
EVERY = {
    400: "malformed request (a bad cursor, JSON that is not an object)",
    401: "no valid token",
    403: "the account may not do this (configuration is admins' only; portal limits)",
    404: "missing, or invisible to this account",
    422: "invalid input; `field` names it",
    429: "too many failed logins from this address, or too many token creations",
    431: "request line and headers over 64 KiB",
}
WRITES = {
    409: "clashes with what is there (a duplicate; a merged or closed ticket)",
    413: "request body too large",
}
VERSIONED = {
    412: "the version in If-Match is stale; `current_version` says the one there is now",
    428: "If-Match is required for this write",
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "a write retried with the same key (and the same body) answers the "
                   "first answer instead of writing twice; kept for a day",
    "schema": {"type": "string", "maxLength": 200},
}
ETAG = {"ETag": {"description": "the record's version, for If-Match",
                 "schema": {"type": "string"}}}


def _ref() -> dict:
    return {"$ref": "#/components/schemas/Problem"}


def document_statuses(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the statuses, headers and the Problem schema to a generated document."""
    doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = op.setdefault("responses", {})
            params = op.setdefault("parameters", [])
            statuses = dict(EVERY)
            if method != "get":
                statuses |= WRITES
                if not any(p.get("name") == "Idempotency-Key" for p in params):
                    params.append(dict(IDEMPOTENCY_KEY))
            for param in params:
                if param.get("in") == "header" and param.get("name", "").lower() == "if-match":
                    param["required"] = True
                    param["name"] = "If-Match"
                    param["description"] = "the ETag (version) the caller saw"
                    statuses |= VERSIONED
            if path.endswith("/events") and method == "get":
                statuses.pop(422, None)
            for code, why in statuses.items():
                key = str(code)
                entry = responses.setdefault(key, {"description": why})
                entry["description"] = entry.get("description") or why
                entry["content"] = {PROBLEM: {"schema": _ref()}}
            if method in ("get", "patch") and any(
                    p.get("name") == "If-Match" for p in params) or _has_version(op, doc):
                for code, entry in responses.items():
                    if code.startswith("2"):
                        entry.setdefault("headers", {}).update(ETAG)
    return doc


def _has_version(op: dict, doc: dict) -> bool:
    """Whether a 2xx answer is a record with a `version` (then it carries an ETag)."""
    for code, entry in op.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        schema = entry.get("content", {}).get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        model = doc.get("components", {}).get("schemas", {}).get(name, {})
        if "version" in model.get("properties", {}):
            return True
    return False
