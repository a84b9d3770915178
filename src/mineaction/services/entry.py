"""Writing one record from a canonical row: the same checks and the same report as an import.

A row is a dict of an import kind's columns (docs/import-formats.md).  It
runs through the import pipeline's row loop (``pipeline.run_rows``, what
``pipeline.import_rows`` runs) inside the caller's transaction, so the API,
the pages and the CLI import accept and refuse the same things with the
same messages, and the caller can record the workflow in the same
transaction.  A bad row raises ``ImportRefused`` whose report is the
import's row-level report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from mineaction.errors import Problem, ValidationError
from mineaction.intake import pipeline
from mineaction.intake.kinds import Context, get_kind
from mineaction.intake.readers.base import SourceRow
from mineaction.store.base import Record

SOURCE = "request"


def _rows(row: dict[str, Any]) -> Iterator[tuple[SourceRow, list[Any]]]:
    values = dict(row)
    shape = pipeline.shape_of(values.get("geometry"))
    if shape is not None:  # a GeoJSON geometry from the API or the map
        values.pop("geometry")
    source_row = SourceRow(number=1, values=values, geometry=shape)
    yield source_row, [source_row]


def _run(session: Session, kind_name: str, row: dict[str, Any], approval: str) -> list[Record]:
    kind = get_kind(kind_name)
    unknown = sorted(set(row) - {"id", *kind.column_names})
    if unknown:
        raise ValidationError(
            f"{kind.name} have no column {', '.join(repr(u) for u in unknown)}.",
            hint=f"The columns are: id, {', '.join(kind.column_names)}.",
            problems=[Problem(reason="unknown column", field=u, source=SOURCE) for u in unknown],
        )
    written: list[Record] = []

    def capture(ctx: Context, values: dict[str, Any], sid: str | None) -> Record:
        record = kind.write(ctx, values, sid)
        written.append(record)
        return record

    try:
        pipeline.run_rows(
            session,
            replace(kind, write=capture),
            _rows(row),
            source=SOURCE,
            approval=approval,
            dry_run=False,
        )
    except pipeline.ImportRefused as refused:
        refused.hint = "Correct the fields listed and send the record again."
        raise
    return written


def write_row(session: Session, kind_name: str, row: dict[str, Any], *, approval: str) -> Record:
    """Write one canonical ``row`` of ``kind_name``; return the new record (or the one named).

    Raises ``ImportRefused`` with the import's report when the row breaks a rule.
    """
    written = _run(session, kind_name, row, approval)
    if written:
        return written[0]
    kind = get_kind(kind_name)
    ctx = Context(session=session, approval=approval, country=None)
    found: Record = pipeline.existing_record(kind, ctx, str(row["id"]))
    return found


def rewrite(session: Session, kind_name: str, record: Record, row: dict[str, Any]) -> None:
    """Change the unapproved ``record`` in place to what ``row`` says, as an import would.

    The row is sent with the record's own id (its source id, or the ``KIND-N``
    export id), so the pipeline compares it and updates the record through the
    kind's own update rules.
    """
    kind = get_kind(kind_name)
    own_id = record.source_id or f"{kind.name}-{record.id}"
    _run(session, kind_name, {**row, "id": own_id}, record.approval)
