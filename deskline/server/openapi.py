"""The OpenAPI document, told the whole truth: every status an operation can answer (with
the problem+json schema), `If-Match` required where a write checks a version, the
`Idempotency-Key`, `ETag` and `Retry-After` headers, the tags, and each operation's summary.

FastAPI documents what a route declares: its `operation_id`, its tags, its docstring (the
first line becomes the summary here, the rest the description) and the models, whose
fields are described by their docstrings (`deskline/model_docs.py`). The statuses below
come from layers it does not see (authentication, throttles, body and header bounds, the
engine's errors), so they are added here, from the one list of where each can arise.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from deskline.models import BoardFilter, ReportFilter, TicketListFilter
from deskline.server.api import VERSIONED as VERSIONED_MODELS
from deskline.server.problems import PROBLEM
from deskline.server.schemas import ServerEvent

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a URI naming the kind of problem; "
                                                  "about:blank when the status says it"},
        "title": {"type": "string", "description": "the status in words"},
        "status": {"type": "integer", "description": "the HTTP status"},
        "detail": {"type": "string", "description": "what went wrong, for a person to read"},
        "field": {"type": "string", "description": "the input field at fault, if one is"},
        "current_version": {"type": "integer",
                            "description": "on 409/412: the version there is now"},
        "errors": {"type": "array", "description": "on 422: every invalid field",
                   "items": {"type": "object", "required": ["field", "message"],
                             "properties": {
                                 "field": {"type": "string",
                                           "description": "the field, dotted for nested ones"},
                                 "message": {"type": "string",
                                             "description": "what is wrong with it"}}}},
    },
}

# The tags, in the order the document lists them.
TAGS = {
    "tickets": "Tickets: read, create, change (with If-Match), merge, split, close, rate, "
               "hand off, and the filtered list for integrations.",
    "messages": "A ticket's chatter: replies (mailed to the customer), internal comments, "
                "tracked changes, and the files that came with mail.",
    "board": "A team's board (columns and their pages of cards), the dashboard and the "
             "caller's tickets.",
    "search": "Finding tickets by number, customer email, subject or message text.",
    "reports": "Figures of a period: opened, closed, backlog, SLA, response times, ratings.",
    "customers": "Customers (contacts): list, create, invite, change, their tickets.",
    "organizations": "Organizations and projects; creating and changing them is for admins.",
    "directory": "Who and what: the caller, agents, teams, stages and tags.",
    "administration": "Configuration, admins only to change: teams, stages, SLA policies, "
                      "mail templates, agents, tags, and the audit trail.",
    "imports": "CSV import of customers and tickets, with column mappings.",
    "tokens": "API tokens: create, list, revoke.",
    "live": "What happens now: presence on a ticket and the Server-Sent Events stream.",
    "webhooks": "Signed webhook endpoints (admins), their delivery log and redelivery.",
    "notifications": "The caller's notification inbox and settings, and following teams.",
    "views": "The caller's saved views: named filters across teams.",
    "canned replies": "Canned replies: an agent's own and the teams', rendered for a ticket.",
    "bulk": "Actions on many tickets at once, their preview and undo.",
    "sync": "The change feed: what changed since a cursor, deletions included.",
    "health": "Liveness and readiness for load balancers; no token needed.",
}

# Where each status can come from.
EVERY = {
    400: "malformed request (a bad cursor, JSON that is not an object)",
    401: "no valid token",
    403: "the account may not do this (configuration is admins' only; portal limits)",
    404: "missing, or invisible to this account",
    422: "invalid input; `field` names it",
    429: "too many failed logins from this address, or too many token creations; "
         "Retry-After says when to try again",
    431: "request line and headers over 64 KiB",
    503: "the database is busy; Retry-After says when to try again",
}
WRITES = {
    409: "clashes with what is there (a name or alias taken, a record still in use, a "
         "merged or closed ticket)",
    413: "request body too large",
}
VERSIONED = {
    412: "the version in If-Match is stale; `current_version` says the one there is now",
    428: "If-Match is missing where this write needs it, or is not an ETag",
}
# Writes that check If-Match only when it is sent.
IF_MATCH_OPTIONAL = {"updateWebhook"}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "a write retried with the same key (and the same body) answers the "
                   "first answer instead of writing twice; kept for a day",
    "schema": {"type": "string", "maxLength": 200},
}
ETAG = {"ETag": {"description": "the record's version, for If-Match",
                 "schema": {"type": "string"}}}
REPLAYED = {"Idempotent-Replayed": {
    "description": "`true` when this is the stored answer to an earlier request with the "
                   "same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}}}
AUTHENTICATE = {"WWW-Authenticate": {"description": "`Bearer`: the scheme to authenticate with",
                                     "schema": {"type": "string"}}}
SUCCESS = {"201": "Created; the answer is the new record", "204": "Done; no body"}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                               "schema": {"type": "integer"}}}
IF_MATCH = "The ETag (version) the caller saw"

# Query strings parsed by hand (fast reads, filters): their parameters are described by
# the fields of the model they are read into.
QUERY_MODELS: dict[str, type[BaseModel]] = {
    "listTickets": TicketListFilter, "listBoardColumns": BoardFilter,
    "listBoardTickets": BoardFilter, "getReport": ReportFilter}

# Parameters many operations share, described once: (in, name) -> description.
PARAMETERS = {
    ("query", "cursor"): "The `next_cursor` of the previous page; none for the first page",
    ("query", "limit"): "Items per page, 1 to 200",
    ("query", "after_message_id"): "Only the messages after this one",
    ("query", "team_id"): "Only this team's",
    ("query", "ticket_id"): "The ticket it is for",
    ("query", "agent_id"): "Only this agent's",
    ("query", "organization_id"): "Only this organization's",
    ("query", "project_id"): "Only this project's",
    ("query", "text"): "Words of the name or email address",
    ("query", "unassigned"): "Only customers without an organization",
    ("query", "q"): "The words to look for, or a ticket number",
    ("query", "with"): "The other tickets' ids",
    ("query", "kind"): "Only of this kind",
    ("query", "move_to"): "The stage that takes the deleted stage's tickets",
    ("query", "counts"): "Add each view's count of tickets (up to 100)",
    ("query", "unread"): "Only unread notifications",
    ("query", "order"): "Newest first, or unread first",
    ("header", "last-event-id"): "The SSE id of the last event received, to resume after it",
    ("path", "ticket_id"): "The ticket's id",
    ("path", "number"): "The ticket's number",
    ("path", "attachment_id"): "The attachment's id",
    ("path", "team_id"): "The team's id",
    ("path", "stage_id"): "The stage's id",
    ("path", "customer_id"): "The customer's id",
    ("path", "organization_id"): "The organization's id",
    ("path", "org_id"): "The organization's id",
    ("path", "project_id"): "The project's id",
    ("path", "policy_id"): "The SLA policy's id",
    ("path", "template_id"): "The mail template's id",
    ("path", "agent_id"): "The agent's id",
    ("path", "time_off_id"): "The time off's id",
    ("path", "tag_id"): "The tag's id",
    ("path", "token_id"): "The token's id",
    ("path", "reply_id"): "The canned reply's id",
    ("path", "view_id"): "The saved view's id",
    ("path", "endpoint_id"): "The webhook endpoint's id",
    ("path", "delivery_id"): "The delivery's id",
    ("path", "name"): "The mapping's name",
}


def _ref() -> dict:
    return {"$ref": "#/components/schemas/Problem"}


def document_statuses(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the statuses, headers, tags, summaries and the Problem schema to a generated
    document."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # the event stream's `data`, which FastAPI cannot see inside the stream
    schemas["ServerEvent"] = ServerEvent.model_json_schema(
        ref_template="#/components/schemas/{model}")
    doc["tags"] = [{"name": name, "description": text} for name, text in TAGS.items()]
    versioned = {model.__name__ for model in VERSIONED_MODELS}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            _summarize(op)
            responses = op.setdefault("responses", {})
            params = op.setdefault("parameters", [])
            _describe_parameters(op)
            api = path.startswith("/api/")
            if not api:  # health checks take no token
                op["security"] = []
            statuses = dict(EVERY) if api else {431: EVERY[431]}
            if method != "get":
                statuses |= WRITES
                if not any(p.get("name") == "Idempotency-Key" for p in params):
                    params.append(dict(IDEMPOTENCY_KEY))
            for param in params:
                if param.get("in") == "header" and param.get("name", "").lower() == "if-match":
                    param["name"] = "If-Match"
                    param["description"] = IF_MATCH
                    param["required"] = op.get("operationId") not in IF_MATCH_OPTIONAL
                    statuses |= VERSIONED
            if path.endswith("/events") and method == "get":
                statuses.pop(422, None)
            for code, why in statuses.items():
                entry = responses.setdefault(str(code), {"description": why})
                entry["description"] = entry.get("description") or why
            _headers(responses, api=api, write=method != "get", versioned=versioned)
    return doc


def _headers(responses: dict[str, Any], *, api: bool, write: bool,
             versioned: set[str]) -> None:
    """Every refusal a problem (whoever declared it), and the headers each answer carries."""
    for code, entry in responses.items():
        if entry.get("description") == "Successful Response" and code in SUCCESS:
            entry["description"] = SUCCESS[code]
        headers: dict[str, Any] = {}
        if code[0] in "45":
            entry["content"] = {PROBLEM: {"schema": _ref()}}
        if code == "401":
            headers |= AUTHENTICATE
        if code in ("429", "503") and api:
            headers |= RETRY_AFTER
        if code.startswith("2") and api and write:
            headers |= REPLAYED
        if code.startswith("2") and _answer_schema(entry) in versioned:
            headers |= ETAG
        if headers:
            entry.setdefault("headers", {}).update(headers)


def _summarize(op: dict[str, Any]) -> None:
    """The docstring's first line is the summary, the rest the description."""
    summary, _, rest = op.get("description", "").partition("\n\n")
    if summary:
        op["summary"] = summary.strip()
        op["description"] = " ".join(rest.split()) or summary.strip()


def _describe_parameters(op: dict[str, Any]) -> None:
    model = QUERY_MODELS.get(op.get("operationId", ""))
    fields = model.model_json_schema()["properties"] if model is not None else {}
    for param in op.get("parameters", []):
        if param.get("description"):
            continue
        where, name = param.get("in", ""), param.get("name", "")
        key = (where, name.lower() if where == "header" else name)
        if where == "query" and "description" in fields.get(name, {}):
            param["description"] = fields[name]["description"]
        elif key in PARAMETERS:
            param["description"] = PARAMETERS[key]


def _answer_schema(entry: dict[str, Any]) -> str:
    """The component a JSON answer refers to (a Ticket, a Team…), or ''."""
    schema = entry.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1]
