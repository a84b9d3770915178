"""Writing one record from a canonical row: the same checks and the same report as an import.

A row is a dict of an import kind's columns (docs/import-formats.md).  It
goes through ``mineaction.intake.pipeline`` row by row exactly as a file's
row would, so the API, the pages and the CLI import accept and refuse the
same things with the same messages; a bad row raises ``ImportRefused``
whose report is the import's row-level report.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shapely.geometry import shape
from sqlalchemy.orm import Session

from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.intake import pipeline
from mineaction.intake.kinds import Context, get_kind
from mineaction.intake.readers.base import SourceRow
from mineaction.services.country import configured_country
from mineaction.store.base import Record

#: Attributes a rewrite never copies: the record keeps its identity and workflow state.
_KEEP = frozenset({"id", "source_id", "version", "approval", "created_at", "updated_at"})


def _cell(name: str, value: Any) -> Any:
    if name == "geometry" and isinstance(value, dict):  # GeoJSON from the API or the map
        try:
            return shape(value).wkt
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise ValidationError(
                "geometry is not a GeoJSON geometry.",
                hint="Send a GeoJSON Polygon or MultiPolygon, or WKT text.",
                problems=[Problem(reason=str(exc), field="geometry", source="request", row=1)],
            ) from exc
    return value


def write_row(
    session: Session,
    kind_name: str,
    row: dict[str, Any],
    *,
    approval: str,
    source: str = "request",
) -> Record:
    """Write one canonical ``row`` of ``kind_name``; return the record (or the unchanged one).

    Raises ``ImportRefused`` with the import's report when the row breaks a rule.
    """
    kind = get_kind(kind_name)
    unknown = sorted(set(row) - {"id", *kind.column_names})
    if unknown:
        raise ValidationError(
            f"{kind.name} have no column {', '.join(repr(u) for u in unknown)}.",
            hint=f"The columns are: id, {', '.join(kind.column_names)}.",
            problems=[Problem(reason="unknown column", field=u, source=source) for u in unknown],
        )
    written: list[Record] = []

    def capture(ctx: Context, values: dict[str, Any], sid: str | None) -> Record:
        record = kind.write(ctx, values, sid)
        written.append(record)
        return record

    report = pipeline.ImportReport(kind=kind.name, source=source, rows=1)
    problems = Problems(source=source, row=1)
    ctx = Context(session=session, approval=approval, country=configured_country(session))
    values = {name: _cell(name, value) for name, value in row.items()}
    pipeline._import_row(
        replace(kind, write=capture), ctx, SourceRow(1, values), problems, set(), report
    )
    report.problems.extend(problems.items)
    report.problem_count = len(problems.items)
    if report.problem_count:
        refused = pipeline.ImportRefused(report)
        refused.hint = "Correct the fields listed and send the record again."
        raise refused
    if written:
        return written[0]
    return pipeline._existing(kind, ctx, str(row["id"]))  # the same row was written before


def rewrite(session: Session, kind_name: str, record: Record, row: dict[str, Any]) -> None:
    """Change ``record`` in place to what ``row`` says, checked exactly like a changed row.

    Kinds with an ``update`` rule go through it (``pipeline.change_record``).  For
    the others the row is written as a new record, whose values are copied onto
    ``record`` before the new one is dropped again (nothing of it is saved).
    """
    row = {k: v for k, v in row.items() if k != "id"}
    if get_kind(kind_name).update is not None:  # the kind's own rules for a changed row
        pipeline.change_record(session, kind_name, record, row)
        return
    with session.no_autoflush:
        fresh = write_row(session, kind_name, row, approval=record.approval)
        mapper = type(record).__mapper__  # type: ignore[attr-defined]
        for attr in mapper.column_attrs:
            if attr.key not in _KEEP:
                setattr(record, attr.key, getattr(fresh, attr.key))
        for rel in mapper.relationships:
            if rel.direction.name == "MANYTOONE":
                value = getattr(fresh, rel.key)
                if value is not None:
                    setattr(record, rel.key, value)
                    setattr(fresh, rel.key, None)  # out of the parent's collection
        session.expunge(fresh)
