"""The FastAPI application: every Backend method over /api/v1, through the service.

`create_app` puts the parts together: the routes (`routes_*.py`, each a thin mapping onto
a `Service` method through `Api.run` in `api.py`), the problem answers (`problems.py`),
the bound on request bodies (`limits.py`), the hottest reads answered before FastAPI's
machinery (`fast_reads.py`), and — for the application's lifespan — the event broker
(`events.py`) and the background jobs (`jobs.py`).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI

from deskline.server import (
    access_log,
    health,
    jobs,
    routes_admin,
    routes_board,
    routes_bulk,
    routes_canned,
    routes_directory,
    routes_imports,
    routes_live,
    routes_notifications,
    routes_ticket_lists,
    routes_tickets,
    routes_tokens,
    routes_views,
    routes_webhooks,
)
from deskline.server.api import Api
from deskline.server.fast_reads import answer_fast_read
from deskline.server.limits import BodyLimit
from deskline.server.problems import install_error_handlers
from deskline.server.settings import API, Settings

__all__ = ["API", "Api", "Settings", "create_app"]

# routes_ticket_lists before routes_tickets: its /tickets/{id} would take /tickets/changes
ROUTES = (routes_ticket_lists, health,
          routes_directory, routes_board, routes_tickets, routes_live, routes_tokens,
          routes_imports, routes_admin,
          routes_canned, routes_bulk, routes_notifications,
          routes_views,  # saved views, /me/views
          routes_webhooks)


class DesklineApp(FastAPI):
    """FastAPI, with the hottest reads answered before its middleware (`fast_reads.py`)."""

    api: Api

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        fmt = self.api.settings.access_log
        if fmt and scope["type"] == "http":  # every request, fast reads too
            await access_log.logged(fmt, self._answer, scope, receive, send)
            return
        await self._answer(scope, receive, send)

    async def _answer(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and \
                await answer_fast_read(self.api, scope, receive, send):
            return
        await super().__call__(scope, receive, send)


def create_app(db: str | Path, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    api = Api(db, settings)
    api.store()  # fail early on a missing or newer database, and migrate it
    background = jobs.jobs_for(api.db, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        api.broker.start()
        if background is not None:
            background.start()
        try:
            yield
        finally:
            if background is not None:  # off the loop: a round may be mid-delivery
                await anyio.to_thread.run_sync(background.stop)
            await api.broker.stop()
            api.close()

    app = DesklineApp(title="Deskline", version="1", openapi_url=f"{API}/openapi.json",
                  docs_url=f"{API}/docs", redoc_url=None, lifespan=lifespan,
                  description="The Deskline helpdesk API. Errors are RFC 9457 problem+json; "
                              "ticket writes need If-Match with the ticket's ETag.")
    app.api = app.state.api = api
    app.state.jobs = background

    def openapi() -> dict:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            from deskline.server.openapi import document_statuses

            doc = get_openapi(title=app.title, version=app.version,
                              description=app.description, routes=app.routes)
            doc.setdefault("components", {})["securitySchemes"] = {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "an API token: `deskline token create`"}}
            doc["security"] = [{"bearer": []}]
            app.openapi_schema = document_statuses(doc)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's way to build the document
    install_error_handlers(app)
    for module in ROUTES:
        app.include_router(module.routes(api))
    app.add_middleware(BodyLimit, max_body=settings.max_body, larger=settings.body_limits())
    return app
