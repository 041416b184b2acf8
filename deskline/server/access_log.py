"""The access log: one structured line per request, `text` or `json` (`deskline serve
--log-format`), on the logger `deskline.access`.

`DesklineApp.__call__` wraps every request in `logged` before anything answers it — the
fast reads too, which FastAPI's middleware never sees. A line holds the method, the path
(never the query string, which may carry a token or personal data), the status, the time
taken, the client's address and the agent's id once `Api.run` has authenticated it
(`AGENT_KEY` in the ASGI scope). Never a header, a token or a body."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from deskline.text import plain

AGENT_KEY = "deskline.agent_id"  # set by Api.run in the request's ASGI scope
LOGGER = logging.getLogger("deskline.access")
FORMATS = ("text", "json")

Scope = MutableMapping[str, Any]


def request_line(scope: Scope, status: int, seconds: float) -> dict[str, Any]:
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else scope.get("path", "")
    client = scope.get("client")
    return {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": scope.get("method", ""), "path": path.partition("?")[0],
            "status": status, "duration_ms": round(seconds * 1000, 2),
            "client": client[0] if client else None, "agent_id": scope.get(AGENT_KEY)}


def format_line(fields: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(fields, ensure_ascii=True)
    agent = fields["agent_id"] if fields["agent_id"] is not None else "-"
    # the path is the client's text: control characters made visible, on one line
    return (f"{fields['time']} {fields['method']} {plain(fields['path'], one_line=True)} "
            f"{fields['status']} {fields['duration_ms']}ms client={fields['client'] or '-'} "
            f"agent={agent}")


async def logged(fmt: str, app: Callable[[Scope, Any, Any], Awaitable[None]], scope: Scope,
                 receive: Any, send: Callable[[dict], Awaitable[None]]) -> None:
    """Run the request through `app` and log its line once it is answered (500 when the
    application failed before answering)."""
    status = 500
    started = time.perf_counter()

    async def sending(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    try:
        await app(scope, receive, sending)
    finally:
        LOGGER.info(format_line(request_line(scope, status, time.perf_counter() - started), fmt))


class JsonFormatter(logging.Formatter):
    """The server's other log lines (jobs, internal errors) as JSON too."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                      timespec="milliseconds"),
                  "level": record.levelname, "logger": record.name,
                  "message": record.getMessage()}
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        return json.dumps(fields, ensure_ascii=True)


def configure(fmt: str) -> None:
    """Access lines on stderr as they are (each is already a whole line, JSON or text),
    and the `deskline` logger's other lines in the same format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    if fmt == "json":
        for other in logging.getLogger("deskline").handlers:
            other.setFormatter(JsonFormatter())
