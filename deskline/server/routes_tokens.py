"""Routes of API tokens: a new one for the caller (throttled per agent), and revoking the
one a request carries."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.errors import NotFound
from deskline.server import tokens
from deskline.server.api import Api, router
from deskline.server.problems import TooMany
from deskline.server.schemas import TokenCreate, TokenCreated
from deskline.service import Service


def routes(api: Api) -> APIRouter:
    r = router()

    @r.post("/tokens", response_model=TokenCreated, status_code=201, tags=["tokens"])
    async def create_token(request: Request, data: TokenCreate) -> Response:
        def make(s: Service) -> TokenCreated:
            wait = api.token_creations.blocked(s.actor.id)
            if wait:
                raise TooMany("too many new tokens; wait a minute")
            api.token_creations.hit(s.actor.id)
            with s.store.transaction():
                tid, token, expires = tokens.create_token(
                    s.store.conn, s.actor.id, label=data.label, expires_days=data.expires_days)
            return TokenCreated(id=tid, token=token, expires_at=expires)

        return await api.run(request, make, status=201)

    @r.delete("/tokens/current", status_code=204, tags=["tokens"])
    async def revoke_current(request: Request) -> Response:
        token = api.bearer(request) or ""

        def revoke(s: Service) -> None:
            tid = tokens.find_token_id(s.store.conn, token)
            if tid is None:
                raise NotFound("token does not exist")
            with s.store.transaction():
                tokens.revoke_token(s.store.conn, tid, agent_id=s.actor.id)

        return await api.run(request, revoke)

    return r
