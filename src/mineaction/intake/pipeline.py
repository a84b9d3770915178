"""Importing a file: every row checked, then all of it written, or none.

Rows stream from the reader, are parsed into canonical values, and go one
by one through the service that owns the kind's rules, inside a single
transaction.  Every problem is collected with its file, row and column; if
there is any (or on ``dry_run``) the transaction is rolled back, so the
database is unchanged.  Rows whose ``id`` was imported before are compared
with what is stored: unchanged rows are skipped (importing a file twice
changes nothing); a changed row of an approved record is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.domain.rules import Problems
from mineaction.domain.vocab import APPROVAL
from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import is_blank, parse_text
from mineaction.intake.kinds import Context, Kind, get_kind
from mineaction.intake.readers import open_table
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
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
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
            "unchanged": self.unchanged,
            "written": self.written,
            "dry_run": self.dry_run,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
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
) -> ImportReport:
    """Import ``path`` as records of ``kind_name``; raise ImportRefused when any row is bad.

    With ``mapping``, every row is first turned into canonical columns by it; a
    mapping that names a ``country`` has positions checked against that country.
    Kinds the bulk path knows go through it (same result, faster) unless ``bulk`` is False.
    """
    kind = get_kind(kind_name)
    check_kind = getattr(mapping, "check_kind", None)  # a mapping made for another kind
    if check_kind is not None:
        check_kind(kind.name)
    if approval not in APPROVAL:
        raise ValidationError(
            f"{approval!r} is not an approval state.", hint=f"Use one of: {', '.join(APPROVAL)}."
        )
    table = open_table(Path(path), layer=layer, crs=crs)
    columns = mapping.columns(table.columns) if mapping else table.columns
    _check_header(kind, columns, table.source)
    report = ImportReport(kind=kind.name, source=table.source, dry_run=dry_run)
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
        )
    with db.session(actor=actor, note=note, dry_run=dry_run) as session:
        iso3 = getattr(mapping, "country", None)
        country = current_country(session, iso3) if iso3 else configured_country(session)
        ctx = Context(session=session, approval=approval, country=country)
        if mapping:
            mapping.prepare(session, dry_run=dry_run)
        seen: set[str] = set()
        for source_row in table.rows():
            report.rows += 1
            for row in mapping.map_rows(source_row) if mapping else [source_row]:
                problems = Problems(source=table.source, row=row.number)
                problems.items.extend(  # a mapping's problems name the row, not the file
                    p if p.source else replace(p, source=table.source) for p in row.problems
                )
                _import_row(kind, ctx, row, problems, seen, report)
                for problem in problems.items:
                    report.problem_count += 1
                    if len(report.problems) < MAX_PROBLEMS:
                        report.problems.append(problem)
            if report.rows % FLUSH_EVERY == 0:
                if not report.problem_count:
                    session.flush()
                if progress:
                    progress(table.source, report.rows, max(total, report.rows))
        if not report.rows:
            raise ValidationError(
                f"{table.source} has a header but no rows to import.",
                hint="Add the data rows under the header.",
            )
        if report.problem_count:
            raise ImportRefused(report)
    report.written = not dry_run
    return report


def _import_row(
    kind: Kind, ctx: Context, row: Any, problems: Problems, seen: set[str], report: ImportReport
) -> None:
    values = {}
    for column in kind.columns:
        raw = row.values.get(column.name)
        values[column.name] = column.parse(raw, column.name, problems)
        if column.required and is_blank(raw):
            problems.add(
                column.name,
                raw,
                f"{column.name} is required.",
                f"Fill it in, e.g. {column.example}." if column.example else None,
            )
    _take_file_geometry(kind, row, values)
    source_id = parse_text(row.values.get("id"), "id", problems)
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
    if source_id is not None:
        existing = _existing(kind, ctx, source_id)
        if existing is not None:
            _compare(kind, ctx, existing, values, problems, report)
            return
    if report.problem_count:
        return  # the import is refused already: check the rest, write nothing more
    try:
        kind.write(ctx, values, source_id)
        report.created += 1
    except ValidationError as exc:
        for p in exc.problems or [Problem(reason=exc.message, hint=exc.hint)]:
            problems.add(p.field or "", p.value, p.reason, p.hint or exc.hint)


def _existing(kind: Kind, ctx: Context, source_id: str) -> Any:
    """Return the stored record a row's id names, or None.

    An id of the form ``KIND-N`` is what export gives a record that has no id of
    its own: it names record N of this database when that record has no source id,
    so that an export imported back is compared, never counted twice.
    """
    found = ctx.session.scalars(
        select(kind.model).where(kind.model.source_id == source_id)
    ).one_or_none()
    prefix, _, number = source_id.rpartition("-")
    if found is None and prefix == kind.name and number.isdigit():
        record = ctx.session.get(kind.model, int(number))
        if record is not None and record.source_id is None:
            return record
    return found


def _take_file_geometry(kind: Kind, row: Any, values: dict[str, Any]) -> None:
    geom = getattr(row, "geometry", None)
    if geom is None:
        return
    if kind.geometry == "point" and values.get("lon") is None and geom.geom_type == "Point":
        values["lon"], values["lat"] = geom.x, geom.y
    elif kind.geometry == "polygon" and values.get("geometry") is None:
        values["geometry"] = geom


def _compare(
    kind: Kind,
    ctx: Context,
    existing: Any,
    values: dict[str, Any],
    problems: Problems,
    report: ImportReport,
) -> None:
    stored = kind.row_of(existing)
    changed = [
        name
        for name in stored
        if not _same_value(ctx, existing, name, stored[name], values.get(name))
    ]
    if not changed:
        report.unchanged += 1
        return
    if existing.approval == "approved":
        problems.add(
            changed[0],
            values.get(changed[0]),
            f"This row changes the approved record {existing.source_id!r} "
            f"({', '.join(changed)} differ from what is stored).",
            "Approved records are never overwritten: import the correction with a new id and "
            "ask the IM officer to approve it as superseding the old record.",
        )
    else:
        problems.add(
            changed[0],
            values.get(changed[0]),
            f"This row changes the {existing.approval} record {existing.source_id!r}; "
            "changing records by import is not supported yet.",
            "Edit the record itself, or import the change with a new id.",
        )


def _same_value(ctx: Context, existing: Any, name: str, stored: Any, new: Any) -> bool:
    if name == "district":  # any alias names the same area; empty means "from the position"
        return new is None or ctx.district_id(new) == existing.admin_area_id
    if name == "geometry":
        return _same_shape(stored, new)
    return _same(stored, new)


def _same_shape(stored: Any, new: Any) -> bool:
    """Compare shapes, not text: ring direction, one-part multipolygons, last-digit noise."""
    if stored is None or new is None:
        return stored is None and new is None
    a = shapely.from_wkt(stored) if isinstance(stored, str) else stored
    b = shapely.from_wkt(new) if isinstance(new, str) else new
    if a.equals(b):
        return True
    return bool(a.symmetric_difference(b).area <= 1e-9 * max(a.area, 1e-12))


def _same(stored: Any, new: Any) -> bool:
    if isinstance(stored, float) and isinstance(new, float):
        return abs(stored - new) <= 1e-9 * max(1.0, abs(stored))
    if isinstance(stored, str) and isinstance(new, str):
        return stored.strip().casefold() == new.strip().casefold()
    return bool(stored == new)


def _check_header(kind: Kind, columns: list[str], source: str) -> None:
    missing = [c.name for c in kind.columns if c.required and c.name not in columns]
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
