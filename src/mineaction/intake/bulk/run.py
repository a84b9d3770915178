"""The bulk import of one file: chunks parsed together, clean rows written together.

Rows stream from the reader in chunks of ``CHUNK_ROWS``, read by a thread one
chunk ahead (``read_ahead.py``): lists of rows, or (a CSV's plain stretches,
``readers/csv_columns.py``) the cells column by column.  Each chunk is
parsed and checked column by column (``findings.parse_findings``); then the
rows are taken in file order: a run of clean rows is written in bulk, and
every other row (a problem, a duplicate id, an id stored before, anything
the column checks are not sure of) goes through the per-row code of
``pipeline`` exactly as if the whole file were imported row by row, with the
same ``seen`` ids, the same report and the same session.  So the problems,
their order, the records and their ids are those of the per-row path; only
the work done for the clean rows is shared.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from mineaction import collector
from mineaction.domain.rules import Problems
from mineaction.errors import ValidationError
from mineaction.intake.bulk.findings import ParsedFindings, parse_findings
from mineaction.intake.bulk.lookups import Lookups
from mineaction.intake.bulk.read_ahead import read_ahead
from mineaction.intake.bulk.writer import FindingWriter
from mineaction.intake.kinds import Context, Kind
from mineaction.intake.pipeline import MAX_PROBLEMS, ImportRefused, ImportReport, _import_row
from mineaction.intake.readers.base import Chunk, ColumnChunk, SourceRow, Table
from mineaction.services.country import configured_country
from mineaction.shared_setting import quick_handoffs
from mineaction.store import load_journal
from mineaction.store.database import Database
from mineaction.store.load_journal import written_once

#: Rows parsed and written together; memory grows with it, not with the file.
CHUNK_ROWS = 25_000

#: Objects a chunk may leave behind (net of those freed) before the collector is run after it.
COLLECT_AFTER_OBJECTS = 10_000

#: Collections between two full ones (the others collect the young objects only).
FULL_COLLECTION_EVERY = 10

#: The kinds the bulk path knows.
BULK_KINDS = frozenset({"findings"})


def import_table(
    db: Database,
    kind: Kind,
    table: Table,
    *,
    approval: str,
    dry_run: bool,
    actor: str,
    note: str,
    progress: Callable[[str, int, int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    take_database: bool = False,
) -> ImportReport:
    """Import the rows of ``table`` as ``kind``, all or nothing; raise ImportRefused on problems.

    ``progress(source, rows read, rows expected)`` is called after every chunk.
    With ``take_database``, a large import into an SQLite file no one else has
    open is written through a rollback journal (``store/load_journal.py``), and
    one into a PostgreSQL database no other program is connected to holds the
    table until it commits (``store/table_alone.py``).
    """
    report = ImportReport(kind=kind.name, source=table.source, dry_run=dry_run)
    total = table.count_hint() or 0
    with written_once(db, total if take_database else 0):
        _import(
            db,
            kind,
            table,
            report,
            approval=approval,
            actor=actor,
            note=note,
            progress=progress,
            chunk_rows=chunk_rows,
            total=total,
            take_database=take_database,
        )
    report.written = not dry_run
    return report


def _import(
    db: Database,
    kind: Kind,
    table: Table,
    report: ImportReport,
    *,
    approval: str,
    actor: str,
    note: str,
    progress: Callable[[str, int, int], None] | None,
    chunk_rows: int,
    total: int,
    take_database: bool,
) -> None:
    """Check and write the rows in one transaction (``import_table``)."""
    today = dt.date.today()
    with db.session(actor=actor, note=note, dry_run=report.dry_run) as session:
        ctx = Context(session=session, approval=approval, country=configured_country(session))
        # A large command-line import, as for the SQLite journal: it may hold the table.
        alone = take_database and total >= load_journal.MIN_ROWS
        run = _Run(kind, ctx, table, report, expected_rows=total, alone=alone)
        try:
            with (
                _collections_between_chunks() as collect,
                quick_handoffs(),  # the writer's thread takes Python's lock back at once
                read_ahead(table.chunks(chunk_rows)) as chunks,
            ):
                for chunk in chunks:
                    report.rows += len(chunk)
                    run.chunk(chunk, parse_findings(chunk, run.lookups, ctx.country, today))
                    del chunk
                    collect()
                    if progress:
                        progress(table.source, report.rows, max(total, report.rows))
            run.writer.finish()
        finally:
            run.writer.close()
        if not report.rows:
            raise ValidationError(
                f"{table.source} has a header but no rows to import.",
                hint="Add the data rows under the header.",
            )
        if report.problem_count:
            raise ImportRefused(report)


class _Run:
    """The state of one bulk import: ids seen so far, lookups, the writer, the report."""

    def __init__(
        self,
        kind: Kind,
        ctx: Context,
        table: Table,
        report: ImportReport,
        *,
        expected_rows: int,
        alone: bool,
    ) -> None:
        self.kind = kind
        self.ctx = ctx
        self.source = table.source
        self.report = report
        self.lookups = Lookups(ctx)
        self.writer = FindingWriter(
            ctx.session, approval=ctx.approval, expected_rows=expected_rows, alone=alone
        )
        self.seen: set[str] = set()
        self.stored_before = self.lookups.max_finding_id() > 0

    def chunk(self, rows: Chunk, parsed: ParsedFindings) -> None:
        """Take the rows of one chunk in order: clean runs in bulk, the others one by one."""
        self._leave_known_ids(parsed)
        clean = parsed.clean.tolist()
        row_at = rows.row if isinstance(rows, ColumnChunk) else rows.__getitem__
        seen = self.seen
        pending: list[int] = []
        for i, sid in enumerate(parsed.source_id):
            if clean[i] and (sid is None or sid not in seen):
                if sid is not None:
                    seen.add(sid)
                pending.append(i)
                continue
            self._write(parsed, pending)
            pending = []
            self._one_row(row_at(i))
        self._write(parsed, pending)

    def _leave_known_ids(self, parsed: ParsedFindings) -> None:
        """Leave to the per-row code the rows whose id may name a stored record."""
        clean = parsed.clean
        prefix = f"{self.kind.name}-"
        for i, sid in enumerate(parsed.source_id):  # the ``KIND-N`` ids of an export
            if sid is not None and sid.startswith(prefix) and sid[len(prefix) :].isdigit():
                clean[i] = False
        if not self.stored_before:
            return
        ids = [s for s, ok in zip(parsed.source_id, clean.tolist(), strict=True) if ok and s]
        stored = self.lookups.existing(ids)
        if stored:
            clean &= np.array([s not in stored for s in parsed.source_id], dtype=bool)

    def _write(self, parsed: ParsedFindings, pending: list[int]) -> None:
        if not pending:
            return
        if self.report.problem_count:
            # Once refused, nothing more is written; the clean rows still count as the
            # per-row path counts them (they pass every rule), for the same report.
            self.report.created += len(pending)
            return
        self.report.created += self.writer.write(parsed, pending)

    def _one_row(self, row: SourceRow) -> None:
        """Import one row exactly as the per-row path does (its loop body in ``import_file``)."""
        self.writer.settle()  # the per-row code's triggers see the roll-up up to date
        problems = Problems(source=self.source, row=row.number)
        problems.items.extend(
            p if p.source else replace(p, source=self.source) for p in row.problems
        )
        _import_row(self.kind, self.ctx, row, problems, self.seen, self.report)
        for problem in problems.items:
            self.report.problem_count += 1
            if len(self.report.problems) < MAX_PROBLEMS:
                self.report.problems.append(problem)


@contextmanager
def _collections_between_chunks() -> Iterator[Callable[[], int]]:
    """Collect garbage between chunks, when they leave objects behind, not as objects pile up.

    A chunk makes hundreds of thousands of small objects that live until the
    chunk is written; Python's automatic collector kept walking them (and the
    long-lived ones) many times per chunk, about a seventh of the CPU time of
    an import (bench/bench_import.py).  So it is off, and ``collect`` runs it
    after a chunk only once the objects the collector tracks have grown by
    ``COLLECT_AFTER_OBJECTS`` (objects made, less those freed) since it last
    ran, so that cycles never pile up for long; every
    ``FULL_COLLECTION_EVERY``-th run collects every generation.  A chunk of a
    clean file leaves about 30 such objects: collecting the young generation
    after every chunk anyway, as this did at first, walked the columns of the
    chunk in hand (7 ms a chunk) and never found anything to free (0.3 s of a
    million findings, 1 December 2026).  The objects the process held before
    the import are kept out of the collections (``collector.frozen``).
    """
    runs = 0

    def collect() -> int:
        nonlocal runs
        if gc.get_count()[0] < COLLECT_AFTER_OBJECTS:
            return 0
        runs += 1
        return gc.collect(2 if runs % FULL_COLLECTION_EVERY == 0 else 1)

    with collector.paused(), collector.frozen():
        yield collect
