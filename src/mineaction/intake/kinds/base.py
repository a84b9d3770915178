"""What every kind of import shares: the ``Kind`` description and the per-import ``Context``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from mineaction.domain.rules import Problems
from mineaction.errors import NotFoundError, Problem, ValidationError
from mineaction.geo import Country
from mineaction.geo.parse import parse_geometry
from mineaction.geo.validate import validate_geometry
from mineaction.intake.columns import Column, parse_code
from mineaction.services import admin_areas, organisations
from mineaction.store.base import Record
from mineaction.store.tables import AdminArea


@dataclass
class Context:
    """What every row of one import shares: the session, lookups and the approval state."""

    session: Session
    approval: str
    country: Country | None
    _orgs: dict[str, int] = field(default_factory=dict)
    _warnings: list[Problem] = field(default_factory=list)
    _areas: dict[str, int] = field(default_factory=dict)
    # Names that named nothing, as written, with the refusal (message, hint): a file whose
    # every row names an unregistered operator asks the database once, not twice a row
    # (about 0.45 ms a row).
    _unknown: dict[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)

    def warn(self, field: str, value: Any, reason: str, hint: str | None = None) -> None:
        """Note something about the current row that is written but worth a look."""
        self._warnings.append(Problem(reason=reason, field=field, value=value, hint=hint))

    def take_warnings(self) -> list[Problem]:
        """Return the warnings noted since the last call, and forget them."""
        taken, self._warnings = self._warnings, []
        return taken

    def forget_areas(self) -> None:
        """Forget the area names looked up so far (after an area was added or renamed)."""
        self._areas.clear()
        self._unknown = {k: v for k, v in self._unknown.items() if k[0] != "area"}

    def organisation_id(self, code: str | None) -> int | None:
        """Return the id of the organisation ``code`` (refused with the known codes).

        No import that looks organisations up adds any, so a code that names
        none is refused again from memory, in the same words.
        """
        if not code:
            return None
        key = code.casefold()
        if key not in self._orgs:
            self._orgs[key] = self._looked_up(
                ("organisation", code), lambda: organisations.require_by_code(self.session, code).id
            )
        return self._orgs[key]

    def district_id(self, name: str | None) -> int | None:
        """Return the id of the administrative area called ``name`` (any alias)."""
        if not name:
            return None
        key = admin_areas.normalise_name(name)
        if key not in self._areas:
            self._areas[key] = self._looked_up(
                ("area", name), lambda: admin_areas.find_area(self.session, name).id
            )
        return self._areas[key]

    def _looked_up(self, what: tuple[str, str], find: Callable[[], int]) -> int:
        """Return ``find()``; raise its NotFoundError again, from memory, for a name it refused."""
        if what in self._unknown:
            message, hint = self._unknown[what]
            raise NotFoundError(message, hint=hint)
        try:
            return find()
        except NotFoundError as exc:
            self._unknown[what] = (exc.message, exc.hint)
            raise

    def by_source_id(self, model: type[Record], source_id: str | None, column: str) -> Any:
        """Return the record of ``model`` imported with ``source_id``; refuse if none.

        A model with a ``reference`` (hazards, activities) is also found by it.
        """
        if not source_id:
            return None
        record = self.session.scalars(
            select(model).where(model.source_id == source_id)
        ).one_or_none()
        reference = getattr(model, "reference", None)  # hazards, activities: either names it
        if record is None and reference is not None:
            record = self.session.scalars(select(model).where(reference == source_id)).one_or_none()
        if record is None:
            record = by_export_id(self.session, model, source_id)
        if record is None:
            kind = getattr(model, "__kind__", model.__name__)
            raise ValidationError(
                f"{column} {source_id!r} names no record in {kind}.",
                hint=f"Import the {kind} first, or check the id.",
                problems=[
                    Problem(
                        reason=f"no {kind} with id {source_id!r}", field=column, value=source_id
                    )
                ],
            )
        return record


Writer = Callable[[Context, dict[str, Any], str | None], Record]
Reader = Callable[[Any], dict[str, Any]]
Updater = Callable[[Context, Any, dict[str, Any]], Record]


@dataclass(frozen=True)
class Kind:
    """One kind of record an import or template deals with."""

    name: str
    model: type[Record]
    columns: tuple[Column, ...]
    write: Writer
    row_of: Reader
    #: "point" (lon/lat columns), "polygon" or "any" (a WKT ``geometry`` column), or None.
    geometry: str | None = None
    #: Gives a stored record that is not approved yet the values of a changed row
    #: (a new version, with history); None when the kind cannot be changed by import.
    update: Updater | None = None
    #: Whether ``update`` may change approved records (equipment's status steps).
    changes_approved: bool = False
    #: Finds the stored record a row is about when its id does not (e.g. by code).
    natural_key: Callable[[Context, dict[str, Any]], Any] | None = None
    #: The field form (intake/forms) whose ODK Central / KoboToolbox exports this kind
    #: reads as they are: group prefixes go and geopoints are split before the rows.
    form: str | None = None
    #: Compares a stored record's column with a row's value where text is not the test
    #: (a reference named by id or by reference); None falls back to the usual comparison.
    same: Callable[[Context, Any, str, Any], bool | None] | None = None

    @property
    def column_names(self) -> list[str]:
        """Return the canonical column names in order."""
        return [c.name for c in self.columns]


def link_id(record: Any | None) -> str | None:
    """Return the id a row names a linked record by, one ``Context.by_source_id`` finds again.

    Its source id; else its reference (hazards, activities); else the
    ``KIND-N`` an export gives a record without an id of its own.  A row
    read back for an edit form or an export must name every linked record,
    or saving the form (or importing the file) would drop the link.
    """
    if record is None:
        return None
    if record.source_id:
        return str(record.source_id)
    reference = getattr(record, "reference", None)
    if reference:
        return str(reference)
    return f"{str(type(record).__kind__).replace('_', '-')}-{record.id}"


def by_export_id(
    session: Session, model: type[Record], export_id: str, kind_name: str | None = None
) -> Any:
    """Return the record an export named ``KIND-N`` because it had no id of its own, or None.

    Export gives such a record the id ``KIND-N`` (N its number in this database,
    KIND the import kind's name, by default the table's kind with dashes); it
    names that record only while the record still has no source id.
    """
    kind = kind_name or str(getattr(model, "__kind__", "")).replace("_", "-")
    prefix, _, number = export_id.rpartition("-")
    if not kind or prefix != kind or not number.isdigit():
        return None
    record = session.get(model, int(number))
    return record if record is not None and record.source_id is None else None


def lonlat(geom: BaseGeometry | None) -> tuple[float | None, float | None]:
    """Return a point's (lon, lat), or (None, None) when there is no point."""
    return (geom.x, geom.y) if geom is not None else (None, None)


def _parse_precision(value: Any, column: str, problems: Problems) -> str:
    """Return how much of the date is known (day when the cell is empty); the service checks it."""
    return parse_code(value, column, problems) or "day"


def precision_column(what: str) -> Column:
    """Return the optional ``date_precision`` column of a kind whose date is ``what``."""
    return Column(
        "date_precision",
        _parse_precision,
        False,
        "day",
        f"day, month or year: how much of the {what} date is known (day when empty)",
    )


def lookup_errors(fn: Callable[[], Any], column: str | None = None, value: Any = None) -> Any:
    """Return ``fn()``; a reference that names nothing becomes a row problem, not a 404.

    ``column`` and ``value`` say where the reference was (the problem names them).
    """
    try:
        return fn()
    except NotFoundError as exc:
        where = [Problem(exc.message, field=column, value=value, hint=exc.hint)] if column else None
        raise ValidationError(exc.message, hint=exc.hint, problems=where) from exc


def operator_of(ctx: Context, v: dict[str, Any], column: str = "operator") -> int | None:
    """Return the id of the organisation a row's ``column`` names; a row problem if none."""
    found: int | None = lookup_errors(lambda: ctx.organisation_id(v[column]), column, v[column])
    return found


def district_of(ctx: Context, v: dict[str, Any], column: str = "district") -> int | None:
    """Return the id of the area a row's ``column`` names (any alias); a row problem if none."""
    found: int | None = lookup_errors(lambda: ctx.district_id(v[column]), column, v[column])
    return found


def area_name_of_id(record: Any) -> str | None:
    """Return the name of the record's administrative area (by id: not every kind maps it)."""
    session = object_session(record)
    if session is None or record.admin_area_id is None:
        return None
    return str(session.get_one(AdminArea, record.admin_area_id).name)


def same_shape(stored: Any, new: Any) -> bool:
    """Compare shapes, not text: ring direction, one-part multipolygons, last-digit noise.

    Raises GeometryError when either is text that cannot be read as a geometry, or when
    the new one is a shape no record may have (a boundary that crosses itself).
    """
    if stored is None or new is None:
        return stored is None and new is None
    a, b = parse_geometry(stored), parse_geometry(new)
    try:
        if a.equals(b):
            return True
        return bool(a.symmetric_difference(b).area <= 1e-9 * max(a.area, 1e-12))
    except shapely.errors.GEOSException:
        # GEOS cannot overlay an invalid shape: say what is wrong with it, as for a new
        # record; one it cannot fault is a change, which the record's own checks then meet.
        validate_geometry(b)
        return False
