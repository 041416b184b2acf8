"""`GET /healthz` (the process answers) and `GET /readyz` (the database answers and its
schema is the one this Deskline knows), for load balancers and orchestrators: no token,
no body but a small JSON status, 503 problem+json when not ready."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from fastapi.responses import Response

from deskline.server.api import Api, to_json
from deskline.server.problems import problem
from deskline.store.db import migrations


def routes(api: Api) -> APIRouter:
    r = APIRouter(tags=["health"])
    newest = migrations()[-1][0]

    @r.get("/healthz", operation_id="getHealth")
    async def healthz() -> Response:
        """Check that the server answers

        No token needed. Answers `{"status": "ok"}` while the process runs."""
        return Response(to_json({"status": "ok"}), media_type="application/json")

    @r.get("/readyz", operation_id="getReadiness",
           responses={503: {"description": "not ready: the database cannot be read or its "
                                           "schema is not current"}})
    async def readyz() -> Response:
        """Check that the server can serve requests

        No token needed. Reads the database's schema version: `{"status": "ready", "schema": N}`
        when it is this server's, else a 503 problem (the database cannot be read, or its schema
        is not current)."""

        def look() -> int:
            return api.store().schema_version()

        try:
            version = await anyio.to_thread.run_sync(look)
        except Exception as exc:  # noqa: BLE001 - not ready, said as a problem
            return problem(503, "Not ready", f"the database cannot be read: "
                                             f"{type(exc).__name__}")
        if version != newest:
            return problem(503, "Not ready", f"the database schema is version {version}; "
                                             f"this server needs {newest}")
        return Response(to_json({"status": "ready", "schema": version}),
                        media_type="application/json")

    return r
