"""TAXII 2.1 at /taxii2/ (OASIS TAXII Version 2.1, §4 server discovery, §5 collections):
routes, content negotiation and headers only; `rcsc.exchange.taxii` decides.

One API root, `/taxii2/api/`. Authentication: HTTP Basic (e-mail and API token) or a
Bearer token. Errors are TAXII error messages (`rcsc.web.errors`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from rcsc.core.exchange import TAXII_MEDIA_TYPE
from rcsc.exchange import collections, taxii
from rcsc.exchange import query as taxii_query
from rcsc.exchange.collections import Access
from rcsc.web.deps import ApiUser, Uow, app_state

API_ROOT = "api"
PREFIX = "/taxii2"
ROOT = f"{PREFIX}/{API_ROOT}"
COLLECTION = ROOT + "/collections/{collection_id}"
OBJECT = COLLECTION + "/objects/{object_id}"
def _media_type(text: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` and its parameters, lower-cased, spaces ignored."""
    kind, *params = [part.strip().lower() for part in text.split(";")]
    named = dict(p.partition("=")[::2] for p in params if "=" in p)
    return kind, {k.strip(): v.strip().strip('"') for k, v in named.items()}


def _is_taxii(kind: str, params: dict[str, str]) -> bool:
    """TAXII 2.1 JSON (§1.6.8): the version, when given, must be 2.1; a charset is fine."""
    return kind == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def _accepts_taxii(header: str) -> bool:
    for item in header.split(","):
        kind, params = _media_type(item)
        if params.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue  # RFC 9110 §12.4.2: q=0 means "not acceptable"
        if kind in ("*/*", "application/*") or _is_taxii(kind, params):
            return True
    return False


def negotiate(request: Request) -> None:
    """406 unless the client accepts TAXII 2.1 JSON (no Accept header: it accepts all)."""
    header = request.headers.get("accept")
    if header and not _accepts_taxii(header):
        raise HTTPException(status.HTTP_406_NOT_ACCEPTABLE,
                            f"this server answers {TAXII_MEDIA_TYPE}; Accept was {header!r}")


async def taxii_body(request: Request) -> bytes:
    """The raw envelope (415 unless it is TAXII 2.1 JSON). Read before the transaction
    starts, so a slow upload never holds the database."""
    if not _is_taxii(*_media_type(request.headers.get("content-type", ""))):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"send the envelope as {TAXII_MEDIA_TYPE}")
    return await request.body()


Body = Annotated[bytes, Depends(taxii_body)]
router = APIRouter(dependencies=[Depends(negotiate)], include_in_schema=False)


def _json(content: dict[str, Any] | bytes, code: int = 200,
          headers: dict[str, str] | None = None) -> Response:
    body = content if isinstance(content, bytes) else orjson.dumps(content)
    return Response(body, status_code=code, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _params(request: Request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        found.setdefault(name, []).append(value)
    return found


def _base(request: Request) -> str:
    settings = app_state(request).settings
    if settings.env == "production":
        return settings.public_base_url
    return str(request.base_url).rstrip("/")


def _page_headers(page: taxii.Page) -> dict[str, str]:
    first, last = page.first_added, page.last_added
    if first is None or last is None:
        return {}
    return {"X-TAXII-Date-Added-First": taxii.added_text(first),
            "X-TAXII-Date-Added-Last": taxii.added_text(last)}


def _collection(access: Access) -> dict[str, Any]:
    c = access.collection
    return {"id": str(c.id), "title": c.title, "description": c.description,
            "alias": c.alias, "can_read": access.can_read, "can_write": access.can_write,
            "media_types": ["application/stix+json;version=2.1"]}


@router.get(PREFIX + "/")
def discovery(request: Request, actor: ApiUser) -> Response:
    settings = app_state(request).settings
    root = f"{_base(request)}{ROOT}/"
    return _json({"title": f"{settings.node_name} TAXII 2.1",
                  "description": "STIX 2.1 objects of the RCSC node, each served only to "
                                 "those its TLP marking allows.",
                  "contact": settings.admin_email, "default": root, "api_roots": [root]})


@router.get(ROOT + "/")
def api_root(request: Request, actor: ApiUser) -> Response:
    settings = app_state(request).settings
    return _json({"title": settings.node_name, "description": "Collections of this node",
                  "versions": [TAXII_MEDIA_TYPE],
                  "max_content_length": settings.taxii_max_content_length})


@router.get(ROOT + "/collections/")
def list_collections(uow: Uow, actor: ApiUser) -> Response:
    return _json({"collections": [_collection(a) for a in collections.visible_to(uow, actor)]})


@router.get(COLLECTION + "/")
def get_collection(collection_id: str, uow: Uow, actor: ApiUser) -> Response:
    return _json(_collection(collections.get(uow, actor, collection_id)))


@router.get(COLLECTION + "/objects/")
def get_objects(collection_id: str, request: Request, uow: Uow, actor: ApiUser) -> Response:
    page = taxii.objects(uow, actor, collection_id, taxii_query.parse(_params(request)))
    return _json(taxii.envelope(page), headers=_page_headers(page))


@router.post(COLLECTION + "/objects/")
def add_objects(body: Body, collection_id: str, request: Request, uow: Uow,
                actor: ApiUser) -> Response:
    atomic = request.query_params.get("atomic", "false").lower() == "true"
    result = taxii.add_objects(uow, actor, collection_id, body, atomic=atomic,
                               origin=app_state(request).settings.node_name)
    return _json(taxii.status_resource(result), code=status.HTTP_202_ACCEPTED)


@router.get(OBJECT + "/")
def get_object(collection_id: str, object_id: str, request: Request, uow: Uow,
               actor: ApiUser) -> Response:
    q = taxii_query.for_object(taxii_query.parse(_params(request)), object_id)
    page = taxii.one_object(uow, actor, collection_id, q)
    return _json(taxii.envelope(page), headers=_page_headers(page))


@router.delete(OBJECT + "/")
def delete_object(collection_id: str, object_id: str, request: Request, uow: Uow,
                  actor: ApiUser) -> Response:
    taxii.delete_object(uow, actor, collection_id, object_id,
                        taxii_query.parse(_params(request)))
    return Response(status_code=status.HTTP_200_OK, media_type=TAXII_MEDIA_TYPE)


@router.get(OBJECT + "/versions/")
def get_versions(collection_id: str, object_id: str, request: Request, uow: Uow,
                 actor: ApiUser) -> Response:
    q = taxii_query.parse(_params(request), versions=False)
    page = taxii.versions(uow, actor, collection_id, object_id, q)
    return _json(taxii.versions_resource(page), headers=_page_headers(page))


@router.get(COLLECTION + "/manifest/")
def get_manifest(collection_id: str, request: Request, uow: Uow, actor: ApiUser) -> Response:
    page = taxii.objects(uow, actor, collection_id, taxii_query.parse(_params(request)))
    return _json(taxii.manifest(page), headers=_page_headers(page))


@router.get(ROOT + "/status/{status_id}/")
def get_status(status_id: uuid.UUID, uow: Uow, actor: ApiUser) -> Response:
    return _json(taxii.status_resource(taxii.status(uow, actor, status_id)))
