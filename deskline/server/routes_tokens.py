"""Routes of API tokens: a new one for the caller (throttled per agent), revoking the one
a request carries, listing tokens (an agent their own, an admin anyone's) and revoking one
by id (the service's `list_tokens` and `revoke_token`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.clock import to_db, utcnow
from deskline.errors import NotFound
from deskline.models import ApiToken
from deskline.server.api import Api, router
from deskline.server.problems import TooMany
from deskline.server.schemas import TokenCreate, TokenCreated
from deskline.service import Service


def routes(api: Api) -> APIRouter:
    r = router()

    @r.post("/tokens", operation_id="createToken",
            response_model=TokenCreated, status_code=201, tags=["tokens"])
    async def create_token(request: Request, data: TokenCreate) -> Response:
        """Create an API token for the caller

        A new bearer token for the caller's account, shown once in the answer (only its hash is
        kept). Limited per agent: too many in a minute answer 429."""

        def make(s: Service) -> TokenCreated:
            wait = api.token_creations.blocked(s.store, s.actor.id)
            if wait:
                exc = TooMany("too many new tokens; wait a minute")
                exc.headers = {"Retry-After": str(int(wait) + 1)}
                raise exc
            api.token_creations.hit(s.store, s.actor.id)
            with s.store.transaction():
                tid, token, expires = s.store.create_api_token(
                    s.actor.id, label=data.label, expires_days=data.expires_days)
            return TokenCreated(id=tid, token=token, expires_at=expires)

        return await api.run(request, make, status=201)

    @r.delete("/tokens/current", operation_id="revokeCurrentToken",
              status_code=204, tags=["tokens"])
    async def revoke_current(request: Request) -> Response:
        """Revoke the token of this request

        Logs out: the token sent with this request stops working. Answers 204."""
        token = api.bearer(request) or ""

        def revoke(s: Service) -> None:
            tid = s.store.api_token_id(token)
            if tid is None:
                raise NotFound("token does not exist")
            with s.store.transaction():
                if not s.store.revoke_api_token(tid, to_db(utcnow()), agent_id=s.actor.id):
                    raise NotFound(f"token {tid} does not exist")

        return await api.run(request, revoke)

    @r.get("/tokens", operation_id="listTokens", response_model=list[ApiToken], tags=["tokens"])
    async def list_tokens(request: Request, agent_id: int | None = None) -> Response:
        """List API tokens

        The tokens of `agent_id` (an agent their own; without it, admins get every agent's),
        never the token itself."""
        return await api.run(request, lambda s: s.list_tokens(agent_id))

    # after /tokens/current, which this would otherwise take as an id
    @r.delete("/tokens/{token_id}", operation_id="revokeToken",
              response_model=ApiToken, tags=["tokens"])
    async def revoke_token(request: Request, token_id: int) -> Response:
        """Revoke a token

        One's own token, or (admins) anyone's. Answers the token as revoked."""
        return await api.run(request, lambda s: s.revoke_token(token_id))

    return r
