"""OGC API – Features (Part 1: Core, GeoJSON) at /ogc, so QGIS and other clients add layers.

Collections are the spatial kinds the caller may read (the public sees the
administrative areas only); items honour the same read scope as the REST
API, and take ``bbox``, ``datetime``, ``limit`` and ``offset``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from mineaction import __version__
from mineaction.api.deps import CurrentPrincipal, DatabaseDep, RecordId
from mineaction.errors import NotFoundError
from mineaction.services import browse, records
from mineaction.services.catalogue import KINDS, KindInfo
from mineaction.services.policy import Principal, may, read_scope, require

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _collections(who: Principal) -> list[KindInfo]:
    return [k for k in KINDS.values() if k.geometry and may(who, "read", k.name)]


def _collection(request: Request, db: Any, info: KindInfo, who: Principal) -> dict[str, Any]:
    base = _base(request)
    model = info.model
    with db.session() as session:
        query = browse.scoped(
            select(
                func.min(model.min_x),
                func.min(model.min_y),
                func.max(model.max_x),
                func.max(model.max_y),
            ),
            info,
            read_scope(who, info.name),
        )
        bounds = session.execute(query).one()
    extent: dict[str, Any] = {}
    if None not in bounds:
        extent = {"spatial": {"bbox": [[float(v) for v in bounds]], "crs": CRS84}}
    return {
        "id": info.name,
        "title": info.label,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{info.name}"},
            {
                "rel": "items",
                "type": GEOJSON,
                "title": info.label,
                "href": f"{base}/collections/{info.name}/items",
            },
        ],
    }


def _collection_info(name: str, who: Principal) -> KindInfo:
    info = KINDS.get(name)
    if info is None or info.geometry is None:
        raise NotFoundError(
            f"There is no collection {name!r}.", hint="See /ogc/collections for the list."
        )
    require(who, "read", info.name)
    return info


@router.get("")
def landing(request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """Return the landing page: what this service is and where its parts are."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "mineaction — OGC API – Features",
        "description": f"Mine action records as features (mineaction {__version__}).",
        "links": [
            {"rel": "self", "type": "application/json", "href": base},
            {
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "href": f"{root}/api/openapi.json",
            },
            {"rel": "service-doc", "type": "text/html", "href": f"{root}/api/docs"},
            {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
            {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
        ],
    }


@router.get("/conformance")
def conformance() -> dict[str, list[str]]:
    """Return the conformance classes this service implements."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request, who: CurrentPrincipal, db: DatabaseDep) -> dict[str, Any]:
    """Return the collections the caller may read: one per spatial kind of record."""
    return {
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{_base(request)}/collections"}
        ],
        "collections": [_collection(request, db, k, who) for k in _collections(who)],
    }


@router.get("/collections/{collection_id}")
def collection(
    collection_id: str, request: Request, who: CurrentPrincipal, db: DatabaseDep
) -> dict[str, Any]:
    """Return one collection: its title, extent and the link to its items."""
    return _collection(request, db, _collection_info(collection_id, who), who)


def _period(datetime: str | None) -> str | None:
    """Turn an RFC 3339 instant or interval into the dates the filters take."""
    if not datetime:
        return None
    parts = [p.split("T")[0] if p not in ("..", "") else ".." for p in datetime.split("/")]
    return "/".join(parts)


@router.get("/collections/{collection_id}/items")
def items(
    collection_id: str,
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    bbox: str | None = None,
    datetime: str | None = None,
    limit: Annotated[int, Query(ge=1, le=browse.MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=browse.MAX_OFFSET)] = 0,
) -> JSONResponse:
    """Return the features in the bounding box and period, one page at a time."""
    info = _collection_info(collection_id, who)
    start, end = browse.parse_period(_period(datetime))
    filters = browse.Filters(date_from=start, date_to=end, bbox=browse.parse_bbox(bbox))
    with db.session() as session:
        page = browse.list_records(
            session,
            info,
            scope=read_scope(who, info.name),
            filters=filters,
            limit=limit,
            offset=offset,
        )
        features = [browse.as_feature(r, info) for r in page.rows]
    href = f"{_base(request)}/collections/{info.name}/items"
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if page.more_after(offset):
        query = dict(request.query_params) | {"offset": str(offset + limit), "limit": str(limit)}
        links.append(
            {
                "rel": "next",
                "type": GEOJSON,
                "href": href + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
            }
        )
    body: dict[str, Any] = {"type": "FeatureCollection"}
    if page.exact:  # optional in OGC API - Features: left out when not counted in full
        body["numberMatched"] = page.total
    body |= {"numberReturned": len(features), "features": features, "links": links}
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(
    collection_id: str, feature_id: RecordId, who: CurrentPrincipal, db: DatabaseDep
) -> JSONResponse:
    """Return one feature."""
    info = _collection_info(collection_id, who)
    with db.session() as session:
        record = records.get_record(session, info.model, feature_id)
        require(who, "read", info.name, browse.facts(session, info, record))
        return JSONResponse(browse.as_feature(record, info), media_type=GEOJSON)
