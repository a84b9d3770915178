"""Importing a file: every row checked, then all of it written, or none.

Rows stream from the reader, are parsed into canonical values, and go one
by one through the service that owns the kind's rules, inside a single
transaction.  Every problem is collected with its file, row and column; if
there is any (or on ``dry_run``) the transaction is rolled back, so the
database is unchanged.  Rows whose ``id`` was imported before are compared
with what is stored: unchanged rows are skipped (importing a file twice
changes nothing); a changed row of an approved record is refused, and so is
a row whose ``version`` column names a version the record has moved on from
(someone else changed it since the row was edited).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import shapely
import shapely.geometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import is_blank, parse_int, parse_text
from mineaction.intake.kinds import Context, Kind, get_kind
from mineaction.intake.kinds.base import by_export_id, same_shape
from mineaction.intake.readers import flatten_odk, looks_like_odk, open_table
from mineaction.intake.readers.base import SourceRow
from mineaction.services.country import configured_country, current_country
from mineaction.store.database import Database

#: Rows between flushes, so that memory stays flat on large files.
FLUSH_EVERY = 1000
#: The most problems kept in memory; the count goes on past it.
MAX_PROBLEMS = 10_000


@dataclass
class ImportReport:
    """What an import did (or, on a dry run or a refusal, would have done)."""

    kind: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Things written but worth a look (e.g. a reported area far from its polygon's).
    warnings: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    dry_run: bool = False
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "kind": self.kind,
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "dry_run": self.dry_run,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "warnings": [w.as_dict() for w in self.warnings],
        }


class ImportRefused(ValidationError):
    """The file had problems; nothing was written.  ``report`` lists them."""

    code = "import_refused"

    def __init__(self, report: ImportReport) -> None:
        first = report.problems[0]
        where = f"{first.source}, row {first.row}" + (
            f", column {first.field}" if first.field else ""
        )
        super().__init__(
            f"{report.source}: {report.problem_count} problem(s) in {report.rows} rows; nothing "
            f"was written. First: {where}: {first.reason}",
            hint="Correct the rows listed and import the file again (all rows are checked "
            "every time; --errors FILE.csv writes the full list).",
            problems=report.problems,
        )
        self.report = report


class RowMapper(Protocol):
    """Turns a foreign file's rows into canonical ones (a column mapping, an ODK export)."""

    def columns(self, source_columns: list[str]) -> list[str]:
        """Return the canonical columns the mapped rows will have."""
        ...

    def prepare(self, session: Session, *, dry_run: bool) -> None:
        """Do what must exist before the rows are written (e.g. create missing areas)."""
        ...

    def map_rows(self, row: Any) -> list[Any]:
        """Return the canonical rows made from ``row``.

        None when the row is filtered out, several when one source row holds
        several records; problems of the mapping go on the rows.
        """
        ...


def import_file(
    db: Database,
    kind_name: str,
    path: Path,
    *,
    approval: str = "approved",
    dry_run: bool = False,
    actor: str = "import",
    layer: str | None = None,
    crs: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    mapping: RowMapper | None = None,
    bulk: bool = True,
    take_database: bool = False,
) -> ImportReport:
    """Import ``path`` as records of ``kind_name``; raise ImportRefused when any row is bad.

    With ``mapping``, every row is first turned into canonical columns by it; a
    mapping that names a ``country`` has positions checked against that country.
    Kinds the bulk path knows go through it (same result, faster) unless ``bulk`` is False;
    there ``take_database`` lets a large import into an SQLite file that no one else
    has open write it through a rollback journal (``store/load_journal.py``), and one
    into a PostgreSQL database no other program is connected to make the findings'
    indexes and foreign keys after the rows (``store/table_alone.py``): the command
    line's choice, never a server's, whose readers it would hold up.
    """
    kind = get_kind(kind_name)
    check_kind = getattr(mapping, "check_kind", None)  # a mapping made for another kind
    if check_kind is not None:
        check_kind(kind.name)
    _check_approval(approval)
    table = open_table(Path(path), layer=layer, crs=crs)
    if kind.form or looks_like_odk(table.columns):  # field-form submissions
        table = flatten_odk(table)
    columns = mapping.columns(table.columns) if mapping else table.columns
    _check_header(kind, columns, table.source, has_geometry=table.has_geometry)
    total = table.count_hint() or 0
    note = f"import {kind.name} {table.source}"
    from mineaction.intake import bulk as bulk_path  # it builds on this module

    if bulk and bulk_path.takes(kind, mapping):
        return bulk_path.import_table(
            db,
            kind,
            table,
            approval=approval,
            dry_run=dry_run,
            actor=actor,
            note=note,
            progress=progress,
            take_database=take_database,
        )
    with db.session(actor=actor, note=note, dry_run=dry_run) as session:
        if mapping:
            mapping.prepare(session, dry_run=dry_run)
        rows = (
            (r, mapped)
            for r in table.rows()
            for mapped in [mapping.map_rows(r) if mapping else [r]]
        )
        report = run_rows(
            session,
            kind,
            rows,
            source=table.source,
            approval=approval,
            dry_run=dry_run,
            country_iso3=getattr(mapping, "country", None),
            progress=progress,
            total=total,
        )
    report.written = not dry_run
    return report


def import_rows(
    db: Database,
    kind_name: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    approval: str = "submitted",
    actor: str,
    note: str | None = None,
    source: str = "request",
    dry_run: bool = False,
) -> ImportReport:
    """Check and write canonical rows (dicts of the import columns), all or none.

    For scripts that hold rows rather than a file: the same parsing, service
    rules, idempotency on ``id`` and row-level report as a file, in a
    transaction of its own (the API, which records the approval workflow in
    the same transaction, calls :func:`run_rows`).
    A row's ``geometry`` may be WKT, a GeoJSON geometry dict or a shapely shape.
    Raises ImportRefused (with the report) when any row is bad.
    """
    kind = get_kind(kind_name)
    _check_approval(approval)
    source_rows = [
        SourceRow(number=n, values=dict(row), geometry=shape_of(row.get("geometry")))
        for n, row in enumerate(rows, start=1)
    ]
    for row in source_rows:
        if row.geometry is not None:
            row.values.pop("geometry", None)
    with db.session(
        actor=actor, note=note or f"{kind.name} from {source}", dry_run=dry_run
    ) as session:
        report = run_rows(
            session,
            kind,
            ((r, [r]) for r in source_rows),
            source=source,
            approval=approval,
            dry_run=dry_run,
        )
    report.written = not dry_run
    return report


def shape_of(value: Any) -> Any:
    """Return a geometry given as a GeoJSON dict or a shape; leave WKT text to the kind.

    >>> shape_of({"type": "Point", "coordinates": [46.93, 39.99]}).wkt
    'POINT (46.93 39.99)'
    """
    if isinstance(value, dict):
        return shapely.geometry.shape(value)
    if isinstance(value, shapely.Geometry):
        return value
    return None


#: The states records may arrive in; rejected and superseded are reached by review only.
IMPORT_STATES = ("draft", "submitted", "approved")


def _check_approval(approval: str) -> None:
    if approval not in IMPORT_STATES:
        raise ValidationError(
            f"{approval!r} is not a state records can be imported in.",
            hint=f"Use one of: {', '.join(IMPORT_STATES)}.",
        )


def run_rows(
    session: Session,
    kind: Kind,
    rows: Iterable[tuple[SourceRow, list[Any]]],
    *,
    source: str,
    approval: str,
    dry_run: bool,
    country_iso3: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    total: int = 0,
) -> ImportReport:
    """Check and write every canonical row of ``rows`` in ``session``; return the report.

    The row loop of every import, for callers that hold their own transaction
    (the API records the workflow beside the record).  Each item is a source
    row and the canonical rows made from it.  Raises
    ImportRefused when any row has a problem (the caller's transaction then
    rolls back, so nothing is written).
    """
    report = ImportReport(kind=kind.name, source=source, dry_run=dry_run)
    country = (
        current_country(session, country_iso3) if country_iso3 else configured_country(session)
    )
    ctx = Context(session=session, approval=approval, country=country)
    seen: set[str] = set()
    for _source_row, canonical in rows:
        report.rows += 1
        for row in canonical:
            problems = Problems(source=source, row=row.number)
            problems.items.extend(  # a mapping's problems name the row, not the file
                p if p.source else replace(p, source=source) for p in row.problems
            )
            _import_row(kind, ctx, row, problems, seen, report)
            for warning in ctx.take_warnings():
                if len(report.warnings) < MAX_PROBLEMS:
                    report.warnings.append(replace(warning, source=source, row=row.number))
            for problem in problems.items:
                report.problem_count += 1
                if len(report.problems) < MAX_PROBLEMS:
                    report.problems.append(problem)
        if report.rows % FLUSH_EVERY == 0:
            if not report.problem_count:
                session.flush()
            if progress:
                progress(source, report.rows, max(total, report.rows))
    if not report.rows:
        raise ValidationError(
            f"{source} has a header but no rows to import.",
            hint="Add the data rows under the header.",
        )
    if report.problem_count:
        raise ImportRefused(report)
    return report


def _parse_row(kind: Kind, row: Any, problems: Problems) -> dict[str, Any]:
    """Return a row's canonical values, typed; record every cell that is wrong or missing."""
    values = {}
    for column in kind.columns:
        raw = row.values.get(column.name)
        values[column.name] = column.parse(raw, column.name, problems)
        own_shape = column.name == "geometry" and getattr(row, "geometry", None) is not None
        if column.required and is_blank(raw) and not own_shape:
            problems.add(
                column.name,
                raw,
                f"{column.name} is required.",
                f"Fill it in, e.g. {column.example}." if column.example else None,
            )
    _take_file_geometry(kind, row, values)
    return values


def _import_row(
    kind: Kind, ctx: Context, row: Any, problems: Problems, seen: set[str], report: ImportReport
) -> None:
    values = _parse_row(kind, row, problems)
    source_id = parse_text(row.values.get("id"), "id", problems)
    # The version a row was edited from, when the file says (lost updates are refused).
    based_on = parse_int(row.values.get("version"), "version", problems)
    if source_id is not None:
        if source_id in seen:
            problems.add(
                "id",
                source_id,
                f"The id {source_id!r} appears twice in the file.",
                "Give every row its own id.",
            )
        seen.add(source_id)
    if problems.items:
        return
    existing = existing_record(kind, ctx, source_id) if source_id is not None else None
    if existing is None and kind.natural_key is not None:
        existing = kind.natural_key(ctx, values)
    if existing is not None:
        _compare(kind, ctx, existing, values, problems, report, based_on)
        return
    # Rows after a refused one still go through the service, so that every rule is
    # checked on every row; the transaction is rolled back, so nothing is kept.
    try:
        kind.write(ctx, values, source_id)
        report.created += 1
    except ValidationError as exc:
        for p in exc.problems or [Problem(reason=exc.message, hint=exc.hint)]:
            problems.add(p.field or "", p.value, p.reason, p.hint or exc.hint)


def existing_record(kind: Kind, ctx: Context, source_id: str) -> Any:
    """Return the stored record a row's id names (its source id or its export id), or None."""
    found = ctx.session.scalars(
        select(kind.model).where(kind.model.source_id == source_id)
    ).one_or_none()
    if found is not None:
        return found
    return by_export_id(ctx.session, kind.model, source_id, kind.name)


def _take_file_geometry(kind: Kind, row: Any, values: dict[str, Any]) -> None:
    geom = getattr(row, "geometry", None)
    if geom is None:
        return
    if kind.geometry == "point" and values.get("lon") is None and geom.geom_type == "Point":
        values["lon"], values["lat"] = geom.x, geom.y
    elif kind.geometry in ("polygon", "any") and values.get("geometry") is None:
        values["geometry"] = geom


def _compare(
    kind: Kind,
    ctx: Context,
    existing: Any,
    values: dict[str, Any],
    problems: Problems,
    report: ImportReport,
    based_on: int | None = None,
) -> None:
    stored = kind.row_of(existing)
    try:
        changed = [
            name
            for name in stored
            if not _same_value(kind, ctx, existing, name, stored[name], values.get(name))
        ]
    except ValidationError as exc:  # a value that cannot even be compared (unreadable WKT)
        for p in exc.problems or [Problem(reason=exc.message, hint=exc.hint)]:
            problems.add(p.field or "", p.value, p.reason, p.hint or exc.hint)
        return
    if not changed:
        report.unchanged += 1
        return
    if based_on is not None and based_on != existing.version:
        problems.add(
            "version",
            based_on,
            f"The record {_label(existing)!r} is at version {existing.version}, but this row "
            f"was edited from version {based_on}: someone else changed it in the meantime.",
            "Look at the record as it is now (export it again), reapply your change to it, "
            f"and import the row with version {existing.version}.",
        )
        return
    if existing.approval == "approved" and not kind.changes_approved:
        problems.add(
            changed[0],
            values.get(changed[0]),
            f"This row changes the approved record {_label(existing)!r} "
            f"({', '.join(changed)} differ from what is stored).",
            "Approved records are never overwritten: import the correction with a new id and "
            "ask the IM officer to approve it as superseding the old record.",
        )
        return
    if kind.update is None:
        problems.add(
            changed[0],
            values.get(changed[0]),
            f"This row changes the {existing.approval} record {_label(existing)!r}; "
            f"{kind.name} cannot be changed by import.",
            "Edit the record itself, or import the change with a new id.",
        )
        return
    try:
        kind.update(ctx, existing, values)
        report.updated += 1
    except ValidationError as exc:
        for p in exc.problems or [Problem(reason=exc.message, hint=exc.hint)]:
            problems.add(p.field or "", p.value, p.reason, p.hint or exc.hint)


def _label(record: Any) -> str:
    """Return how a person names a stored record: its id in the file, code or reference."""
    for name in ("source_id", "code", "reference"):
        value = getattr(record, name, None)
        if value:
            return str(value)
    return f"{getattr(record, '__kind__', 'record')} {record.id}"


def _same_value(kind: Kind, ctx: Context, existing: Any, name: str, stored: Any, new: Any) -> bool:
    verdict = kind.same(ctx, existing, name, new) if kind.same else None
    if verdict is not None:
        return verdict
    if name == "district":  # any alias names the same area; empty means "from the position"
        return new is None or ctx.district_id(new) == existing.admin_area_id
    if name == "geometry":
        return same_shape(stored, new)
    return _same(stored, new)


def _same(stored: Any, new: Any) -> bool:
    if isinstance(stored, float) and isinstance(new, float):
        return abs(stored - new) <= 1e-9 * max(1.0, abs(stored))
    if isinstance(stored, str) and isinstance(new, str):
        return stored.strip().casefold() == new.strip().casefold()
    return bool(stored == new)


def _check_header(
    kind: Kind, columns: list[str], source: str, *, has_geometry: bool = False
) -> None:
    present = {*columns, "geometry"} if has_geometry else set(columns)
    missing = [c.name for c in kind.columns if c.required and c.name not in present]
    if missing:
        raise ValidationError(
            f"{source} has no column {', '.join(repr(m) for m in missing)}, which "
            f"{kind.name} need.",
            hint=f"The columns of {kind.name} are: id, {', '.join(kind.column_names)} "
            f"(see `mineaction template {kind.name}`); map other names with --mapping.",
            problems=[Problem(reason="missing column", field=m, source=source) for m in missing],
        )


def write_errors(report_or_problems: list[Problem], path: Path) -> None:
    """Write problems as CSV: file, row, column, value, reason, hint."""
    with Path(path).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "row", "column", "value", "reason", "hint"])
        for p in report_or_problems:
            writer.writerow([p.source, p.row, p.field, p.value, p.reason, p.hint])
