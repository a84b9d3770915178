"""The register of minefield records: record one, change it, attach its scanned map.

A record is entered either with its perimeter polygon or as drawn on paper,
a reference point and a traverse of bearings and distances
(``domain.traverse``).  Every face (CLI, import, API, demo) goes through
``register_record``, ``update_record`` and ``attach_file``: each validates,
writes in the caller's transaction and leaves history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, MultiLineString, MultiPoint, Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from mineaction.domain import vocab
from mineaction.domain.ledger import polygonal
from mineaction.domain.rules import Problems
from mineaction.domain.traverse import BEARING_REFERENCES, Leg, TraverseError, walk_traverse
from mineaction.errors import GeometryError, NotFoundError, Problem, ValidationError
from mineaction.geo import geodesic_area_m2, parse_geometry, validate_polygon
from mineaction.services import admin_areas
from mineaction.services.country import CONFIGURED, CountryChoice, resolve_country
from mineaction.services.findings import eo_model_id
from mineaction.services.records import check_version
from mineaction.store.tables import MinefieldRecord, RecordAttachment, RecordMineType

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MineType",
    "TraverseSpec",
    "attach_file",
    "get_by_reference",
    "list_records",
    "register_record",
    "update_record",
]

#: The largest scanned map accepted (a 600 dpi A0 scan as compressed TIFF or PDF).
MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024
#: What a scanned map may be: PDF and the usual raster scan formats.
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
_MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/png": (b"\x89PNG",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
#: Categories of mine a record can list.
MINE_CATEGORIES = ("ap_mine", "at_mine")
#: Fields ``update_record`` may change (the others are the system's, or the register key).
CHANGEABLE = (
    "source",
    "received_date",
    "laid_date",
    "laying_method",
    "expected_ap",
    "expected_at",
    "fuzes",
    "anti_handling",
    "notes",
    "geom",
    "reference_points",
    "mine_rows",
)


@dataclass(frozen=True)
class MineType:
    """A mine type the record says was laid: category (ap_mine/at_mine), model, expected count."""

    category: str
    model: str
    expected_count: int | None = None


@dataclass(frozen=True)
class TraverseSpec:
    """A perimeter as drawn on paper: reference point, legs, how bearings are read."""

    reference_point: tuple[float, float]
    legs: Sequence[Leg]
    approach_legs: int = 0
    bearing_reference: str = "true"
    declination_deg: float | None = None

    def walk(self) -> tuple[BaseGeometry, Point, float]:
        """Return the perimeter polygon, the reference point and the misclosure in metres."""
        if self.bearing_reference not in BEARING_REFERENCES:
            raise ValidationError(
                f"{self.bearing_reference!r} is not a bearing reference.",
                hint=f"Use one of: {', '.join(BEARING_REFERENCES)}.",
            )
        try:
            traverse = walk_traverse(
                self.reference_point,
                self.legs,
                approach_legs=self.approach_legs,
                bearing_reference=self.bearing_reference,
                declination_deg=self.declination_deg,
            )
            polygon = traverse.polygon()
        except TraverseError as exc:
            raise GeometryError(
                f"The traverse cannot be turned into a perimeter: {exc}",
                hint="Check the legs against the record: bearings in degrees 0–360, "
                "distances in metres, at least three turning points.",
                problems=[Problem(reason=str(exc), field="traverse")],
            ) from exc
        return polygon, Point(traverse.reference_point), traverse.misclosure_m


def register_record(
    *,
    session: Session,
    reference: str,
    source: str,
    received_date: dt.date | None,
    geom: object = None,
    traverse: TraverseSpec | None = None,
    laid_date: dt.date | None = None,
    laying_method: str | None = None,
    expected_ap: int | None = None,
    expected_at: int | None = None,
    mine_types: Sequence[MineType] = (),
    fuzes: str | None = None,
    anti_handling: bool | None = None,
    reference_points: object = None,
    mine_rows: object = None,
    notes: str | None = None,
    admin_area_id: int | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
) -> MinefieldRecord:
    """Validate and register a minefield record; return it with its geodesic area.

    Give the perimeter as ``geom`` (a polygon: shapely, WKT or GeoJSON) or as a
    ``traverse`` from a reference point, not both.  A traverse's reference point
    is kept among the record's reference points, and a traverse that does not
    close within 1 % of its length gets a note saying by how much.  When the
    expected AP or AT count is not given, it is the sum of the mine types' counts.
    """
    reference = (reference or "").strip()
    problems = Problems()
    if not reference:
        problems.add("id", reference, "A minefield record needs its reference (id).")
    if not (source or "").strip():
        problems.add("source", source, "source is required: who handed the record over.")
    problems.date(received_date, "received_date")
    problems.date(laid_date, "laid_date", required=False)
    if laid_date and received_date and laid_date > received_date:
        problems.add(
            "laid_date",
            laid_date,
            f"The mines cannot have been laid ({laid_date}) after the record was received "
            f"({received_date}).",
            "Check the two dates and their day/month order.",
        )
    problems.code(vocab.LAYING_METHOD, laying_method, "laying_method", required=False)
    problems.code(vocab.APPROVAL, approval, "approval")
    _check_mine_types(mine_types, problems)
    expected_ap = _expected(expected_ap, mine_types, "ap_mine")
    expected_at = _expected(expected_at, mine_types, "at_mine")
    for name, value in (("expected_ap", expected_ap), ("expected_at", expected_at)):
        if value is not None and value < 0:
            problems.add(name, value, f"{name} cannot be negative.", "Write 0 when none.")
    if (geom is None) == (traverse is None):
        problems.add(
            "geometry",
            None,
            "Give the record's perimeter either as a polygon or as a traverse, not "
            + ("both." if geom is not None else "neither."),
            "A polygon (GeoJSON, GeoPackage, WKT) or a reference point with bearings and "
            "distances.",
        )
    problems.raise_if_any(f"minefield record {reference}".strip())
    if _taken(session, reference, source_id):
        raise ValidationError(
            f"There is already a minefield record {reference!r}.",
            hint="Each record has its own reference; to change it, update that record.",
            problems=[
                Problem(
                    reason=f"a minefield record {reference!r} is already registered",
                    field="id",
                    value=reference,
                    hint="Give the record its own reference, or update the one registered.",
                )
            ],
        )
    points = _points(reference_points, "reference_points")
    if traverse is not None:
        drawn, start, misclosure = traverse.walk()
        points = _with_point(points, start)
        notes = _misclosure_note(notes, misclosure, traverse.legs[traverse.approach_legs :])
    else:
        drawn = geom
    bounds = resolve_country(session, country)
    shape = polygonal(validate_polygon(drawn, country=bounds))
    if admin_area_id is None:
        admin_area_id = admin_areas.district_id_of(session, shape)
    assert received_date is not None
    record = MinefieldRecord(
        reference=reference,
        source=source.strip(),
        received_date=received_date,
        laid_date=laid_date,
        laying_method=laying_method,
        expected_ap=expected_ap,
        expected_at=expected_at,
        fuzes=fuzes,
        anti_handling=anti_handling,
        notes=notes,
        admin_area_id=admin_area_id,
        geom=shape,
        reference_points=points,
        mine_rows=_lines(mine_rows, "mine_rows"),
        area_m2=geodesic_area_m2(shape),
        source_id=source_id,
        approval=approval,
        mine_types=[
            RecordMineType(
                eo_model_id=eo_model_id(session, t.category, t.model),
                expected_count=t.expected_count,
            )
            for t in mine_types
        ],
    )
    session.add(record)
    session.flush()
    return record


def update_record(
    *,
    session: Session,
    record_id: int,
    expected_version: int,
    changes: dict[str, Any],
    country: CountryChoice = CONFIGURED,
) -> MinefieldRecord:
    """Change fields of a record that is still at ``expected_version``; return it.

    A new perimeter is validated and its area measured again.  The change is
    kept in the record's history (who, when, what).
    """
    record = get_record(session, record_id)
    check_version(record, expected_version)
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(
            f"These fields of a minefield record cannot be changed: {', '.join(unknown)}.",
            hint=f"Changeable fields: {', '.join(CHANGEABLE)}.",
        )
    problems = Problems()
    merged = {name: changes.get(name, getattr(record, name)) for name in CHANGEABLE}
    problems.date(merged["received_date"], "received_date")
    problems.date(merged["laid_date"], "laid_date", required=False)
    problems.code(vocab.LAYING_METHOD, merged["laying_method"], "laying_method", required=False)
    for name in ("expected_ap", "expected_at"):
        if merged[name] is not None and merged[name] < 0:
            problems.add(name, merged[name], f"{name} cannot be negative.")
    if not (merged["source"] or "").strip():
        problems.add("source", merged["source"], "source is required.")
    problems.raise_if_any(f"change to minefield record {record.reference}")
    if "geom" in changes:
        shape = polygonal(
            validate_polygon(changes["geom"], country=resolve_country(session, country))
        )
        changes = {**changes, "geom": shape}
        record.area_m2 = geodesic_area_m2(shape)
        record.admin_area_id = admin_areas.district_id_of(session, shape)
    if "reference_points" in changes:
        changes = {
            **changes,
            "reference_points": _points(changes["reference_points"], "reference_points"),
        }
    if "mine_rows" in changes:
        changes = {**changes, "mine_rows": _lines(changes["mine_rows"], "mine_rows")}
    for name, value in changes.items():
        setattr(record, name, value)
    session.flush()
    return record


def attach_file(
    *,
    session: Session,
    record_id: int,
    content: bytes,
    filename: str,
    content_type: str | None = None,
) -> RecordAttachment:
    """Attach a scanned map (PDF, PNG, JPEG or TIFF) to a record, with its SHA-256.

    The same file attached twice to a record is kept once: the existing
    attachment is returned.
    """
    record = get_record(session, record_id)
    name = Path(filename).name
    suffix = Path(name).suffix.lower()
    kind = content_type or ATTACHMENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0]
    if kind not in _MAGIC:
        raise ValidationError(
            f"{name}: a scanned map must be a PDF, PNG, JPEG or TIFF file.",
            hint="Scan or export the map as PDF or as an image and attach that file.",
        )
    if not content:
        raise ValidationError(f"{name} is empty.", hint="Attach the scanned file itself.")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"{name} is {len(content) / 1e6:,.0f} MB; a scanned map may be at most "
            f"{MAX_ATTACHMENT_BYTES / 1e6:,.0f} MB.",
            hint="Scan at 300 dpi or compress the file (PDF or JPEG), then attach it again.",
        )
    if not content.startswith(_MAGIC[kind]):
        raise ValidationError(
            f"{name} is named as {kind} but its content is not.",
            hint="Check that the file is the scan itself and not damaged, or rename it with "
            "the right extension.",
        )
    digest = hashlib.sha256(content).hexdigest()
    for existing in record.attachments:
        if existing.sha256 == digest:
            return existing
    attachment = RecordAttachment(filename=name, content_type=kind, sha256=digest, content=content)
    record.attachments.append(attachment)
    session.flush()
    return attachment


def get_record(session: Session, record_id: int) -> MinefieldRecord:
    """Return the record with database id ``record_id``; NotFoundError when there is none."""
    record = session.get(MinefieldRecord, record_id)
    if record is None:
        raise NotFoundError(
            f"There is no minefield record {record_id}.",
            hint="List the records with `mineaction records list`.",
        )
    return record


def get_by_reference(session: Session, reference: str) -> MinefieldRecord:
    """Return the record whose reference (or source id) is ``reference``; refuse when none."""
    record = session.scalars(
        select(MinefieldRecord)
        .where(or_(MinefieldRecord.reference == reference, MinefieldRecord.source_id == reference))
        .options(
            selectinload(MinefieldRecord.mine_types), selectinload(MinefieldRecord.attachments)
        )
    ).first()
    if record is None:
        raise NotFoundError(
            f"There is no minefield record {reference!r}.",
            hint="List the records with `mineaction records list`.",
        )
    return record


def list_records(session: Session) -> list[MinefieldRecord]:
    """Return every record, by reference."""
    return list(
        session.scalars(
            select(MinefieldRecord)
            .options(selectinload(MinefieldRecord.mine_types))
            .order_by(MinefieldRecord.reference)
        )
    )


def _taken(session: Session, reference: str, source_id: str | None) -> bool:
    clauses = [MinefieldRecord.reference == reference]
    if source_id:
        clauses.append(MinefieldRecord.source_id == source_id)
    return bool(
        session.scalar(select(func.count()).select_from(MinefieldRecord).where(or_(*clauses)))
    )


def _check_mine_types(mine_types: Sequence[MineType], problems: Problems) -> None:
    for t in mine_types:
        if t.category not in MINE_CATEGORIES:
            problems.add(
                "mine_types",
                t.category,
                f"{t.category!r} is not a category of mine a record can list.",
                f"Use one of: {', '.join(MINE_CATEGORIES)}.",
            )
        if not (t.model or "").strip():
            problems.add("mine_types", t.model, "A mine type needs its model, e.g. PMN-2.")
        if t.expected_count is not None and t.expected_count < 0:
            problems.add("mine_types", t.expected_count, "An expected count cannot be negative.")


def _expected(given: int | None, mine_types: Sequence[MineType], category: str) -> int | None:
    if given is not None:
        return given
    counts = [t.expected_count for t in mine_types if t.category == category]
    if not counts or any(c is None for c in counts):
        return None
    return sum(c for c in counts if c is not None)


def _points(value: object, field: str) -> MultiPoint | None:
    if value is None:
        return None
    geom = value if isinstance(value, BaseGeometry) else parse_geometry(value, field=field)
    points = [p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Point)]
    if geom.is_empty or len(points) != len(getattr(geom, "geoms", [geom])):
        raise GeometryError(
            f"{field} must be points (the landmarks the record is measured from).",
            problems=[Problem(reason="not points", field=field)],
        )
    return MultiPoint(points)


def _with_point(points: MultiPoint | None, point: Point) -> MultiPoint:
    existing = list(points.geoms) if points is not None else []
    if not any(p.equals(point) for p in existing):
        existing.insert(0, point)
    return MultiPoint(existing)


def _lines(value: object, field: str) -> MultiLineString | None:
    if value is None:
        return None
    geom = value if isinstance(value, BaseGeometry) else parse_geometry(value, field=field)
    lines = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, LineString)]
    if geom.is_empty or len(lines) != len(getattr(geom, "geoms", [geom])):
        raise GeometryError(
            f"{field} must be lines (the rows of mines).",
            problems=[Problem(reason="not lines", field=field)],
        )
    return MultiLineString(lines)


def _misclosure_note(notes: str | None, misclosure_m: float, legs: Sequence[Leg]) -> str | None:
    length = sum(leg.distance_m for leg in legs)
    if length <= 0 or misclosure_m <= max(1.0, 0.01 * length):
        return notes
    note = (
        f"Traverse does not close: the last point lies {misclosure_m:,.0f} m from the first "
        f"turning point ({misclosure_m / length:.1%} of the perimeter); closed by a straight edge."
    )
    return f"{notes}\n{note}" if notes else note


def parse_traverse(data: object, *, source: str = "traverse") -> TraverseSpec:
    """Return the traverse described by ``data`` (a mapping read from YAML or JSON).

    Keys: ``reference_point`` [lon, lat]; ``legs``, each [bearing°, distance m]
    or {bearing, distance}; optional ``approach_legs`` (legs from the reference
    point to the first turning point), ``bearings`` (true, grid or magnetic)
    and ``declination`` (degrees east, for magnetic bearings).
    """

    def refuse(reason: str) -> ValidationError:
        return ValidationError(
            f"{source}: {reason}",
            hint="See docs/minefield-records.md, 'A record drawn on paper', for the layout.",
            problems=[Problem(reason=reason, field="traverse", source=source)],
        )

    if not isinstance(data, dict):
        raise refuse("a traverse is a mapping with reference_point and legs.")
    try:
        lon, lat = (float(v) for v in data["reference_point"])
    except (KeyError, TypeError, ValueError) as exc:
        raise refuse("reference_point must be [lon, lat] in WGS84 degrees.") from exc
    legs = []
    for number, leg in enumerate(data.get("legs") or [], start=1):
        try:
            if isinstance(leg, dict):
                legs.append(Leg(float(leg["bearing"]), float(leg["distance"])))
            else:
                bearing, distance = leg
                legs.append(Leg(float(bearing), float(distance)))
        except (KeyError, TypeError, ValueError) as exc:
            raise refuse(
                f"leg {number} must be [bearing, distance] in degrees and metres."
            ) from exc
    if not legs:
        raise refuse("the traverse has no legs.")
    declination = data.get("declination")
    try:
        return TraverseSpec(
            reference_point=(lon, lat),
            legs=legs,
            approach_legs=int(data.get("approach_legs", 0)),
            bearing_reference=str(data.get("bearings", "true")),
            declination_deg=None if declination is None else float(declination),
        )
    except (TypeError, ValueError) as exc:
        raise refuse("approach_legs must be a whole number and declination a number.") from exc
