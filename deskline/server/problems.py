"""RFC 9457 problem answers: the refusals the server adds to the engine's errors, the
problem+json body for any exception a request raised (never a traceback), and the
exception handlers that make FastAPI answer so."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from deskline.errors import ConflictError, DesklineError

log = logging.getLogger("deskline.server")

PROBLEM = "application/problem#json".replace("#", "+")


class Unauthorized(DesklineError):
    status, title = 401, "Unauthorized"


class TooMany(DesklineError):
    status, title = 429, "Too many requests"
    headers: dict[str, str]  # set where raised: Retry-After


class PreconditionFailed(DesklineError):
    status, title = 412, "Precondition failed"
    current_version: int | None  # set where raised, like ConflictError's


class PreconditionRequired(DesklineError):
    status, title = 428, "Precondition required"


class PayloadTooLarge(DesklineError):
    status, title = 413, "Payload too large"


def problem(status: int, title: str, detail: str, *, field: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if field:
        body["field"] = field
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(json.dumps(body, ensure_ascii=False), status_code=status,
                    media_type=PROBLEM, headers=headers)


def _field_of(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or (str(loc[0]) if loc else "body")


def _validation_problem(errors: Sequence[Mapping[str, Any]]) -> Response:
    items = [{"field": _field_of(e.get("loc", ())),
              "message": str(e.get("msg", "invalid")).removeprefix("Value error, ")}
             for e in errors]
    first = items[0] if items else {"field": "body", "message": "invalid"}
    return problem(422, "Invalid input", f"{first['field']}: {first['message']}",
                   field=first["field"], errors=items)


def error_response(exc: Exception, log_internal: bool = True) -> Response:
    """The problem answer for any exception a request raised; never a traceback.
    (`log_internal` False where the server logs unexpected errors itself.)"""
    if isinstance(exc, DesklineError):
        headers = getattr(exc, "headers", None)
        extra = {}
        if isinstance(exc, ConflictError | PreconditionFailed):
            extra["current_version"] = getattr(exc, "current_version", None)
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(exc.status, exc.title, exc.message, field=exc.field, headers=headers,
                       **extra)
    if isinstance(exc, RequestValidationError):
        return _validation_problem(list(exc.errors()))
    if isinstance(exc, ValidationError):
        return _validation_problem(exc.errors())
    if isinstance(exc, StarletteHTTPException):
        titles = {404: "Not found", 405: "Method not allowed"}
        detail = "no such resource" if exc.status_code == 404 else str(exc.detail)
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), detail,
                       headers=getattr(exc, "headers", None))
    if isinstance(exc, OverflowError):  # an id beyond 64 bits names nothing
        return problem(422, "Invalid input", "a number in the request is out of range")
    if isinstance(exc, sqlite3.OperationalError):
        log.warning("database busy: %s", exc)
        return problem(503, "Service unavailable", "the database is busy; try again",
                       headers={"Retry-After": "1"})
    if log_internal:
        log.error("internal error", exc_info=exc)
    return problem(500, "Internal error", "the server failed to answer; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    async def handler(_request: Request, exc: Exception) -> Response:
        return error_response(exc)

    async def internal(_request: Request, exc: Exception) -> Response:
        return error_response(exc, log_internal=False)  # uvicorn logs what reaches it

    for kind in (DesklineError, RequestValidationError, ValidationError,
                 StarletteHTTPException, sqlite3.OperationalError, OverflowError):
        app.add_exception_handler(kind, handler)
    app.add_exception_handler(Exception, internal)


# The problems every route may answer, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": title, "content": {PROBLEM: {}}} for code, title in (
        (401, "no valid token"), (404, "missing or invisible"), (422, "invalid input"))}
