"""API tokens: create (the secret is in this one response only), list, revoke."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from rcsc.accounts import tokens
from rcsc.web.api.schemas import TokenCreated, TokenIn, TokenOut
from rcsc.web.deps import ApiUser, Uow, app_state

router = APIRouter(tags=["tokens"])


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    uow: Uow, actor: ApiUser, user_id: uuid.UUID | None = None, all: bool = False
) -> list[TokenOut]:
    target = None if all else (user_id or actor.user_id)
    return [TokenOut.of(t) for t in tokens.list_for(uow, actor, target)]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(request: Request, body: TokenIn, uow: Uow, actor: ApiUser) -> TokenCreated:
    days = body.expires_days or app_state(request).settings.token_default_days
    token, secret = tokens.create(
        uow, actor, user_id=body.user_id or actor.user_id,  # type: ignore[arg-type]
        name=body.name, scopes=body.scopes, expires_days=days,
    )
    return TokenCreated(**TokenOut.of(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: uuid.UUID, uow: Uow, actor: ApiUser) -> TokenOut:
    return TokenOut.of(tokens.revoke(uow, actor, token_id))
