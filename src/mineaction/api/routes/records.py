"""Records of every kind: list (filters, pages, GeoJSON), read, create, update, workflow steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mineaction.api.deps import CurrentPrincipal, DatabaseDep, RecordId, SeenVersion
from mineaction.services import approval, browse, map_layer, record_answers, records
from mineaction.services.catalogue import KINDS, get_kind_info
from mineaction.services.loop_records import LoopRecords
from mineaction.services.policy import Principal, may, read_scope, require
from mineaction.store.database import Database

router = APIRouter(prefix="/api", tags=["records"])

Format = Literal["json", "geojson"]


class RecordCreate(BaseModel):
    """A new record: one canonical row of its import columns (docs/import-formats.md)."""

    row: dict[str, Any] = Field(description="The import columns and their values.")
    submit: bool = Field(False, description="Submit it for approval at once.")


class RecordUpdate(RecordCreate):
    """A change: the whole row as it should be, and the version it was based on."""

    version: int = Field(description="The version the change was made to (lost updates).")


class StepRequest(BaseModel):
    """A workflow step: the version seen, and a reason (required to reject)."""

    version: int | None = None
    reason: str | None = Field(None, max_length=2000)


class Filters(BaseModel):
    """The filters every list takes."""

    period: str | None = Field(None, description="YYYY, YYYY-MM, a day, or FROM/TO days.")
    operator: str | None = Field(None, description="Organisation code.")
    district: str | None = Field(None, description="Name or alias of an area.")
    status: str | None = Field(None, description="The kind's own status (e.g. open, cleared).")
    approval: str | None = Field(None, description="draft, submitted, approved, rejected …")
    bbox: str | None = Field(None, description="minlon,minlat,maxlon,maxlat (WGS84).")
    limit: int = Field(100, ge=1, le=browse.MAX_LIMIT)
    offset: int = Field(0, ge=0, le=browse.MAX_OFFSET)
    format: Format = "json"

    def to_service(self) -> browse.Filters:
        """Return the filters as the browse service takes them."""
        start, end = browse.parse_period(self.period)
        return browse.Filters(
            date_from=start,
            date_to=end,
            operator=self.operator,
            district=self.district,
            status=self.status,
            approval=self.approval,
            bbox=browse.parse_bbox(self.bbox),
        )


@router.get("/kinds")
def kinds(who: CurrentPrincipal) -> list[dict[str, Any]]:
    """List the kinds of record, with what the caller may do with each."""
    return [
        {
            "name": k.name,
            "label": k.label,
            "spatial": k.geometry is not None,
            "read": may(who, "read", k.name),
            "create": k.writable is not None and may(who, "create", k.name),
        }
        for k in KINDS.values()
    ]


@router.get(
    "/records/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def list_records(
    kind: str,
    who: CurrentPrincipal,
    db: DatabaseDep,
    q: Annotated[Filters, Query()],
    version: SeenVersion,
) -> Response:
    """List records of ``kind`` the caller may read: filtered, one page; GeoJSON on request.

    JSON: ``kind``, ``count`` (exact up to 10,000; ``count_exact``), ``limit``,
    ``offset`` and ``items``; GeoJSON: a FeatureCollection.
    """
    body = await list_answer(kind, who=who, db=db, q=q, version=version)
    return Response(body, media_type="application/json")


async def list_answer(
    kind: str, *, who: Principal, db: Database, q: Filters, version: str | None
) -> bytes:
    """Return the body ``list_records`` answers; raise as it refuses.

    ``api.hot_reads`` answers with it before FastAPI, so the route and that
    fast path are one piece of code.
    """
    info = get_kind_info(kind)
    require(who, "read", info.name)
    page: dict[str, Any] = {
        "info": info,
        "who": who,
        "filters": q.to_service(),
        "limit": q.limit,
        "offset": q.offset,
    }
    where = str(db.engine.url)
    body = record_answers.kept_page(where=where, version=version, format=q.format, **page)
    if not body:  # not kept: read in a worker thread, as a plain route would
        body = await run_in_threadpool(
            _in_session, db, record_answers.page_json, format=q.format, version=version, **page
        )
    return body


def _in_session(db: Database, answer: Callable[..., bytes], *args: Any, **kwargs: Any) -> bytes:
    """Return ``answer(session, *args, **kwargs)`` in a read-only session of ``db``."""
    with db.session() as session:
        return answer(session, *args, **kwargs)


def _in_one_read(db: Database, answer: Callable[..., bytes], *args: Any, **kwargs: Any) -> bytes:
    """Return ``answer(session, *args, **kwargs)`` for an answer of one statement (``reading``)."""
    with db.reading() as session:
        return answer(session, *args, **kwargs)


class MapView(BaseModel):
    """One layer of the map for one view: the box, the zoom and the map's filters."""

    bbox: str = Field(description="The view: minlon,minlat,maxlon,maxlat (WGS84).")
    zoom: int = Field(12, ge=0, le=22, description="The map's zoom (simplification).")
    period: str | None = Field(None, description="YYYY, YYYY-MM, a day, or FROM/TO days.")
    operator: str | None = Field(None, description="Organisation code.")
    limit: int = Field(map_layer.MAX_FEATURES, ge=1, le=map_layer.MAX_FEATURES)
    mode: map_layer.Mode = Field(
        "auto",
        description="auto: clusters (counts per screen cell) for a dense view at zoom 12 or "
        "below, the records otherwise; features or clusters to choose.",
    )


@router.get(
    "/map/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
async def map_features(
    kind: str,
    who: CurrentPrincipal,
    db: DatabaseDep,
    q: Annotated[MapView, Query()],
    version: SeenVersion,
) -> Response:
    """Return the records of ``kind`` in the view as GeoJSON, simplified for the zoom.

    A dense view at a low zoom comes as clusters: points with a ``count``.
    """
    body = await map_answer(kind, who=who, db=db, q=q, version=version)
    return Response(body, media_type="application/geo+json")


async def map_answer(
    kind: str, *, who: Principal, db: Database, q: MapView, version: str | None
) -> bytes:
    """Return the body ``map_features`` answers; raise as it refuses (as ``list_answer``)."""
    info = get_kind_info(kind)
    require(who, "read", info.name)
    start, end = browse.parse_period(q.period)
    filters = browse.Filters(
        date_from=start, date_to=end, operator=q.operator, bbox=browse.parse_bbox(q.bbox)
    )
    view: dict[str, Any] = {"scope": read_scope(who, info.name), "filters": filters}
    view |= {"zoom": q.zoom, "limit": q.limit, "mode": q.mode}
    body = map_layer.kept_layer(where=str(db.engine.url), version=version, info=info, **view)
    if not body:
        body = await run_in_threadpool(
            _in_session, db, map_layer.layer_in_view, info, version=version, **view
        )
    return body


@router.get(
    "/records/{kind}/{record_id}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def read_record(
    request: Request,
    kind: str,
    record_id: RecordId,
    who: CurrentPrincipal,
    db: DatabaseDep,
    version: SeenVersion,
    format: Format = "json",
) -> Response:
    """Return one record (GeoJSON Feature with ``format=geojson``)."""
    reader = request.app.state.record_reader
    body = await record_answer(
        kind, record_id, who=who, db=db, format=format, version=version, reader=reader
    )
    return Response(body, media_type="application/json")


async def record_answer(
    kind: str,
    record_id: int,
    *,
    who: Principal,
    db: Database,
    format: Format,
    version: str | None,
    reader: LoopRecords | None = None,
) -> bytes:
    """Return the body ``read_record`` answers; raise as it refuses (as ``list_answer``).

    A record is kept per reader, and only once that reader was allowed it. A
    first ask is read on the event loop by ``reader`` when it can, otherwise
    in a worker thread.
    """
    info = get_kind_info(kind)
    asked: dict[str, Any] = {"info": info, "record_id": record_id, "who": who, "format": format}
    where = str(db.engine.url)
    body = record_answers.kept_record(where=where, version=version, **asked)
    if not body and reader is not None and version is not None:
        read = await reader.read(info, record_id)
        if read is not None:
            body = record_answers.record_from(read, where=where, version=version, **asked)
    if not body:
        body = await run_in_threadpool(
            _in_one_read, db, record_answers.record_json, version=version, **asked
        )
    return body


@router.get("/records/{kind}/{record_id}/history")
def record_history(
    kind: str, record_id: RecordId, who: CurrentPrincipal, db: DatabaseDep
) -> list[dict[str, Any]]:
    """Return every change of the record, oldest first: who, when, what and why."""
    info = get_kind_info(kind)
    with db.session() as session:
        record = records.get_record(session, info.model, record_id)
        require(who, "read", info.name, browse.facts(session, info, record))
        return approval.history(session, info, record)


@router.post("/records/{kind}", status_code=201)
def create_record(
    kind: str, body: RecordCreate, who: CurrentPrincipal, db: DatabaseDep
) -> dict[str, Any]:
    """Create a draft from a canonical row, checked exactly as an import row is."""
    info = get_kind_info(kind)
    with db.session(actor=who.username) as session:
        record = approval.create(
            session=session, info=info, row=body.row, who=who, submit=body.submit
        )
        session.flush()
        return browse.as_dict(record)


@router.put("/records/{kind}/{record_id}")
def update_record(
    kind: str, record_id: RecordId, body: RecordUpdate, who: CurrentPrincipal, db: DatabaseDep
) -> dict[str, Any]:
    """Change a draft in place; a change to an approved record is a new superseding draft."""
    info = get_kind_info(kind)
    with db.session(actor=who.username) as session:
        record = records.get_record(session, info.model, record_id)
        changed = approval.update(
            session=session,
            info=info,
            record=record,
            row=body.row,
            who=who,
            version=body.version,
            submit=body.submit,
        )
        session.flush()
        return browse.as_dict(changed)


@router.post("/records/{kind}/{record_id}/{step}")
def workflow_step(
    kind: str,
    record_id: RecordId,
    step: Literal["submit", "approve", "reject"],
    body: StepRequest,
    who: CurrentPrincipal,
    db: DatabaseDep,
) -> dict[str, Any]:
    """Submit, approve or reject the record (a rejection needs a reason)."""
    info = get_kind_info(kind)
    with db.session(actor=who.username) as session:
        record = records.get_record(session, info.model, record_id)
        approval.step(
            session=session,
            info=info,
            record=record,
            who=who,
            action=step,
            reason=body.reason,
            version=body.version,
        )
        return browse.as_dict(record)


@router.get("/review")
def review(who: CurrentPrincipal, db: DatabaseDep) -> dict[str, list[dict[str, Any]]]:
    """Return the IM officer's queue: submitted records of every kind, oldest first."""
    require(who, "approve")
    with db.session() as session:
        return {
            info.name: [browse.as_dict(r) for r in approval.review_queue(session, info)]
            for info in KINDS.values()
            if info.writable is not None
        }
