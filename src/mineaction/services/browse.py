"""Reading records for the API, the map, /ogc and the pages: filters, pages, JSON, GeoJSON.

Every list takes the policy's ``ReadScope`` (which records the reader may
see) and the same filters: period, operator, district, status, approval
and a bounding box (a record is in the box when its indexed bounding box
meets it, so pages and totals stay consistent).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    column,
    func,
    inspect,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from mineaction.errors import NotFoundError, Problem, ValidationError
from mineaction.services import admin_areas, organisations
from mineaction.services.catalogue import KindInfo
from mineaction.services.policy import PUBLISHED, ReadScope, RecordFacts
from mineaction.services.records import MAX_RECORD_ID
from mineaction.store.history import to_json_value
from mineaction.store.spatial_ddl import rtree_name
from mineaction.store.tables import Submission

#: Columns a reader never gets: index bookkeeping and secrets.
HIDDEN = frozenset({"min_x", "min_y", "max_x", "max_y", "password_hash"})
MAX_LIMIT = 1000
#: The largest id either backend stores (a 64-bit integer), and the deepest page offset.
MAX_ID = 2**63 - 1
MAX_OFFSET = 1_000_000_000
#: Lists count their records exactly up to this many; beyond it they say "more than".
COUNT_LIMIT = 10_000
#: The furthest a page may start: the largest id a record table holds (a larger number
#: overflows the database's integers, and no table is that long).
MAX_OFFSET = MAX_RECORD_ID


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to; every field is optional."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    operator: str | None = None
    district: str | None = None
    status: str | None = None
    approval: str | None = None
    bbox: tuple[float, float, float, float] | None = None


def parse_period(period: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Return the first and last day of ``period`` (YYYY, YYYY-MM or FROM/TO dates).

    >>> parse_period("2024-02")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> parse_period("2023-11-10/2023-11-16")
    (datetime.date(2023, 11, 10), datetime.date(2023, 11, 16))
    """
    if not period:
        return None, None
    text = period.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = dt.date.fromisoformat(text + "-01")
            after = (first + dt.timedelta(days=32)).replace(day=1)
            return first, after - dt.timedelta(days=1)
        start, sep, end = text.partition("/")
        if sep:
            return (
                dt.date.fromisoformat(start) if start not in ("", "..") else None,
                dt.date.fromisoformat(end) if end not in ("", "..") else None,
            )
        day = dt.date.fromisoformat(text)
        return day, day
    except ValueError as exc:
        raise ValidationError(
            f"{period!r} is not a period.",
            hint="Use a year (2024), a month (2024-05), a day or FROM/TO days "
            "(2024-04-29/2024-05-05, open ends as ..).",
            problems=[Problem(reason="not a period", field="period", value=period)],
        ) from exc


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """Return ``minlon,minlat,maxlon,maxlat`` as four floats, or refuse it."""
    if not text:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise ValidationError(
            f"{text!r} is not a bounding box.",
            hint="Give minlon,minlat,maxlon,maxlat in WGS84 degrees, e.g. 46.5,39.5,47.5,40.2.",
            problems=[Problem(reason="not a bounding box", field="bbox", value=text)],
        )
    return parts[0], parts[1], parts[2], parts[3]


def require_view(
    bbox: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float]:
    """Return the map's view ``bbox``; refuse a request that gave none (an empty ``bbox``)."""
    if bbox is None:
        raise ValidationError(
            "The map needs the view: bbox is empty.",
            hint="Give bbox=minlon,minlat,maxlon,maxlat in WGS84 degrees (a tile's bounds).",
            problems=[Problem(reason="no view", field="bbox", value="")],
        )
    return bbox


def scoped(query: Select[Any], info: KindInfo, scope: ReadScope) -> Select[Any]:
    """Return ``query`` narrowed to the records of ``info`` that ``scope`` lets one read."""
    model = info.model
    if scope.nothing:
        return query.where(model.id.is_(None))
    if scope.everything:
        return query
    own = model.id.in_(
        select(Submission.record_id).where(
            Submission.kind == info.name, Submission.organisation_id == scope.organisation_id
        )
    )
    mine = [own]
    if info.has_organisation and scope.organisation_id is not None:
        mine.append(model.organisation_id == scope.organisation_id)
    return query.where(or_(model.approval.in_(PUBLISHED), *mine))


def filtered(session: Session, query: Select[Any], info: KindInfo, filters: Filters) -> Select[Any]:
    """Return ``query`` narrowed by ``filters``; a filter the kind lacks is refused."""
    model = info.model
    problems: list[Problem] = []
    if filters.date_from or filters.date_to:
        if info.date is None:
            problems.append(Problem(reason=f"{info.name} have no date", field="period"))
        else:
            column = getattr(model, info.date)
            if filters.date_from:
                query = query.where(column >= filters.date_from)
            if filters.date_to:
                query = query.where(column <= filters.date_to)
    if filters.operator:
        if not info.has_organisation:
            problems.append(Problem(reason=f"{info.name} name no operator", field="operator"))
        else:
            org = organisations.require_by_code(session, filters.operator)
            query = query.where(model.organisation_id == org.id)
    if filters.district:
        if not info.has_district:
            problems.append(Problem(reason=f"{info.name} name no district", field="district"))
        else:
            query = query.where(
                model.admin_area_id == admin_areas.find_area(session, filters.district).id
            )
    if filters.status:
        if info.status is None:
            problems.append(Problem(reason=f"{info.name} have no status", field="status"))
        else:
            query = query.where(getattr(model, info.status) == filters.status)
    if filters.approval:
        query = query.where(model.approval == filters.approval)
    if filters.bbox:
        if info.geometry is None:
            problems.append(Problem(reason=f"{info.name} have no geometry", field="bbox"))
        else:
            query = query.where(in_box(session, model, filters.bbox))
    if problems:
        raise ValidationError(
            f"This filter does not apply to {info.name}: {problems[0].reason}.",
            hint="Leave that filter out for this kind of record.",
            problems=problems,
        )
    return query


def in_box(
    session: Session, model: Any, box: tuple[float, float, float, float]
) -> ColumnElement[bool]:
    """Return the condition "the record's bounding box meets ``box``", through the spatial index.

    The exact test is on the record's bounding-box columns; the index (SQLite's
    R*Tree, PostGIS's GiST) narrows the rows it is made on, so that a map tile
    at national scale reads the records near it and not the whole table.
    """
    x0, y0, x1, y1 = box
    exact = and_(model.max_x >= x0, model.min_x <= x1, model.max_y >= y0, model.min_y <= y1)
    indexed = getattr(model, "__spatial__", None)
    if indexed is None:
        return exact
    if session.get_bind().dialect.name == "postgresql":
        envelope = func.ST_MakeEnvelope(x0, y0, x1, y1, 4326)
        return and_(getattr(model, indexed).op("&&")(envelope), exact)
    rtree = table(
        rtree_name(model.__tablename__),
        column("id"),
        column("min_x"),
        column("max_x"),
        column("min_y"),
        column("max_y"),
    )
    near = select(rtree.c.id).where(
        rtree.c.max_x >= x0, rtree.c.min_x <= x1, rtree.c.max_y >= y0, rtree.c.min_y <= y1
    )
    return and_(model.id.in_(near), exact)


@dataclass(frozen=True)
class Page:
    """One page of a list, and how many records the whole list holds.

    ``total`` is exact when ``exact``; otherwise the list holds more than
    ``total`` records (the count limit), which were not counted one by one.
    """

    rows: list[Any]
    total: int
    exact: bool

    def more_after(self, offset: int) -> bool:
        """Whether records follow this page, which began at ``offset``."""
        return offset + len(self.rows) < self.total or not self.exact


def list_records(
    session: Session,
    info: KindInfo,
    *,
    scope: ReadScope,
    filters: Filters,
    limit: int = 100,
    offset: int = 0,
    count_limit: int = COUNT_LIMIT,
) -> Page:
    """Return one page of the records of ``info`` the scope and filters allow, and the total.

    The total is counted up to ``count_limit``: a national table of millions of
    findings is not counted in full for every page asked for.
    """
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(
            f"limit must be 1 to {MAX_LIMIT} and offset 0 to {MAX_OFFSET:,}.",
            hint="Page through a long list with offset.",
        )
    model = info.model
    query = filtered(session, scoped(select(model), info, scope), info, filters)
    head = query.with_only_columns(model.id).limit(count_limit + 1).subquery()
    counted = int(session.scalar(select(func.count()).select_from(head)) or 0)
    rows = list(session.scalars(query.order_by(model.id).limit(limit).offset(offset)))
    return Page(rows, min(counted, count_limit), exact=counted <= count_limit)


def read_one(session: Session, info: KindInfo, record_id: int) -> tuple[Any, RecordFacts]:
    """Return one record's columns (a row, as ``as_dict`` and ``as_feature`` read them) and facts.

    One Core statement (``read_one_statement``): the record's columns by
    attribute name and the organisation of its submission, which ``facts``
    reads in a second query after the ORM has loaded the record (a record's
    read costs a third as much CPU). Raises ``NotFoundError`` as
    ``records.get_record`` does.
    """
    if 1 <= record_id <= MAX_RECORD_ID:
        statement = read_one_statement(info)
        row = session.connection().execute(statement, {"record_id": record_id}).first()
    else:  # past the database's integers: names no record (and would overflow the query)
        row = None
    return found_one(info, record_id, row)


def found_one(info: KindInfo, record_id: int, row: Any) -> tuple[Any, RecordFacts]:
    """Return ``read_one``'s answer for the ``row`` its statement gave (None: not found)."""
    if row is None:
        kind = getattr(info.model, "__kind__", info.model.__name__)
        raise NotFoundError(f"There is no record {record_id} in {kind}.")
    org = (
        row.submitted_by if row.submitted_by is not None else getattr(row, "organisation_id", None)
    )
    return row, RecordFacts(approval=row.approval, organisation_id=org)


@functools.cache
def read_one_statement(info: KindInfo) -> Select[Any]:
    """Return ``read_one``'s statement for ``info``: one record by ``:record_id``."""
    model = info.model
    submitted_by = (
        select(Submission.organisation_id)
        .where(Submission.kind == info.name, Submission.record_id == model.id)
        .limit(1)
        .scalar_subquery()
    )
    columns = [attr.expression.label(attr.key) for attr in inspect(model).column_attrs]
    return select(*columns, submitted_by.label("submitted_by")).where(
        model.id == bindparam("record_id")
    )


def facts(session: Session, info: KindInfo, record: Any) -> RecordFacts:
    """Return what the policy needs to know of ``record``: approval and organisation."""
    org = session.scalar(
        select(Submission.organisation_id).where(
            Submission.kind == info.name, Submission.record_id == record.id
        )
    )
    if org is None:
        org = getattr(record, "organisation_id", None)
    return RecordFacts(approval=record.approval, organisation_id=org)


def as_dict(record: Any, *, geometry: bool = True, model: Any = None) -> dict[str, Any]:
    """Return the record's columns as JSON-ready values (geometries as GeoJSON).

    ``record`` is a record, or a row of ``read_one`` with its ``model``.
    """
    out: dict[str, Any] = {}
    for attr in inspect(model or record).mapper.column_attrs:
        if attr.key in HIDDEN:
            continue
        value = getattr(record, attr.key)
        if isinstance(value, BaseGeometry):
            if geometry:
                out[attr.key] = mapping(value)
        else:
            out[attr.key] = to_json_value(value)
    return out


def as_feature(record: Any, info: KindInfo, *, model: Any = None) -> dict[str, Any]:
    """Return the record as a GeoJSON Feature: its main geometry and the other columns.

    ``record`` is a record, or a row of ``read_one`` with its ``model``.
    """
    geom = getattr(record, info.geometry) if info.geometry else None
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": mapping(geom) if geom is not None else None,
        "properties": as_dict(record, geometry=False, model=model),
    }
