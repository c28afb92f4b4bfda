"""Organisations, users and communities."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from rcsc.accounts import communities, organisations, users
from rcsc.web.api.schemas import (
    CommunityIn,
    CommunityOut,
    CommunityPatch,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    UserIn,
    UserOut,
    UserPatch,
)
from rcsc.web.deps import ApiUser, Uow

router = APIRouter()


@router.get("/me", response_model=MeOut, tags=["identity"])
def me(actor: ApiUser) -> MeOut:
    return MeOut(
        user_id=actor.user_id, email=actor.email, name=actor.name, org_id=actor.org_id,
        roles=sorted(r.value for r in actor.roles), scopes=sorted(s.value for s in actor.scopes),
        via=actor.actor_type.value,
    )


@router.get("/organisations", response_model=list[OrganisationOut], tags=["identity"])
def list_organisations(uow: Uow, actor: ApiUser) -> list[OrganisationOut]:
    return [OrganisationOut.of(o) for o in organisations.list_all(uow, actor)]


@router.post("/organisations", response_model=OrganisationOut,
             status_code=status.HTTP_201_CREATED, tags=["identity"])
def create_organisation(body: OrganisationIn, uow: Uow, actor: ApiUser) -> OrganisationOut:
    return OrganisationOut.of(organisations.create(uow, actor, **body.model_dump()))


@router.get("/organisations/{org_id}", response_model=OrganisationOut, tags=["identity"])
def get_organisation(org_id: uuid.UUID, uow: Uow, actor: ApiUser) -> OrganisationOut:
    return OrganisationOut.of(organisations.get(uow, actor, org_id))


@router.patch("/organisations/{org_id}", response_model=OrganisationOut, tags=["identity"])
def update_organisation(
    org_id: uuid.UUID, body: OrganisationPatch, uow: Uow, actor: ApiUser
) -> OrganisationOut:
    return OrganisationOut.of(
        organisations.update(uow, actor, org_id, **body.model_dump(exclude_unset=True))
    )


@router.get("/users", response_model=list[UserOut], tags=["identity"])
def list_users(uow: Uow, actor: ApiUser, org_id: uuid.UUID | None = None) -> list[UserOut]:
    return [UserOut.of(u) for u in users.list_all(uow, actor, org_id)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED,
             tags=["identity"])
def create_user(body: UserIn, uow: Uow, actor: ApiUser) -> UserOut:
    return UserOut.of(users.create(uow, actor, **body.model_dump()))


@router.get("/users/{user_id}", response_model=UserOut, tags=["identity"])
def get_user(user_id: uuid.UUID, uow: Uow, actor: ApiUser) -> UserOut:
    return UserOut.of(users.get(uow, actor, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, tags=["identity"])
def update_user(user_id: uuid.UUID, body: UserPatch, uow: Uow, actor: ApiUser) -> UserOut:
    return UserOut.of(users.update(uow, actor, user_id, **body.model_dump(exclude_unset=True)))


@router.get("/communities", response_model=list[CommunityOut], tags=["identity"])
def list_communities(uow: Uow, actor: ApiUser) -> list[CommunityOut]:
    return [CommunityOut.of(c) for c in communities.list_all(uow, actor)]


@router.post("/communities", response_model=CommunityOut, status_code=status.HTTP_201_CREATED,
             tags=["identity"])
def create_community(body: CommunityIn, uow: Uow, actor: ApiUser) -> CommunityOut:
    return CommunityOut.of(communities.create(uow, actor, **body.model_dump()))


@router.get("/communities/{community_id}", response_model=CommunityOut, tags=["identity"])
def get_community(community_id: uuid.UUID, uow: Uow, actor: ApiUser) -> CommunityOut:
    return CommunityOut.of(communities.get(uow, actor, community_id))


@router.patch("/communities/{community_id}", response_model=CommunityOut, tags=["identity"])
def update_community(
    community_id: uuid.UUID, body: CommunityPatch, uow: Uow, actor: ApiUser
) -> CommunityOut:
    return CommunityOut.of(
        communities.update(uow, actor, community_id, **body.model_dump(exclude_unset=True))
    )
