"""``mineaction import`` and ``mineaction template``: files in, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mineaction.cli.common import (
    DatabaseOption,
    cli_actor,
    console,
    err_console,
    open_database,
    print_json,
    progress_bar,
)


def register(app: typer.Typer) -> None:
    """Add import and template to ``app``."""
    app.command("import")(import_)
    app.command("template")(template)


def import_(
    kind: Annotated[
        str,
        typer.Argument(
            help="organisations, admin-areas, hazards, activities, progress, nts, findings, "
            "accidents, victims, land-releases, eore, assistance, equipment, projects"
        ),
    ],
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile.")
    ],
    database: DatabaseOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row, write nothing.")
    ] = False,
    status: Annotated[
        str,
        typer.Option(
            "--status", help="Approval state of the records: draft, submitted or approved."
        ),
    ] = "approved",
    errors: Annotated[
        Path | None, typer.Option("--errors", help="Write every problem to this CSV file.")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage or zip.")] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS of a file that declares none, e.g. EPSG:32638.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="A YAML column mapping for a foreign file (docs/import-formats.md)."
        ),
    ] = None,
) -> None:
    """Import FILE as records of KIND: every row is checked, then all are written or none.

    A bad row stops the whole file: the problems are listed with their row and
    column, and the database is unchanged.  Rows imported before (same id) are
    left as they are.
    """
    from mineaction.intake.pipeline import ImportRefused, import_file, write_errors

    db = open_database(database)
    mapper = None
    if mapping is not None:
        from mineaction.intake.mapping import load_mapping

        mapper = load_mapping(mapping)
    try:
        with progress_bar() as progress:
            report = import_file(
                db,
                kind,
                file,
                approval=status,
                dry_run=dry_run,
                actor=cli_actor(),
                layer=layer,
                crs=crs,
                progress=progress,
                mapping=mapper,
                take_database=True,  # a large import writes once when it has the file alone
            )
    except ImportRefused as refused:
        _print_problems(refused.report.problems, refused.report.problem_count)
        if errors:
            write_errors(refused.report.problems, errors)
            err_console.print(f"All problems written to {errors}.")
        raise
    if json:
        print_json(report.as_dict())
        return
    verb = "would be imported (dry run: nothing written)" if dry_run else "imported"
    updated = f"{report.updated} updated (new versions); " if report.updated else ""
    console.print(
        f"{report.source}: {report.rows} rows checked; {report.created} {kind} "
        f"{verb}; {updated}{report.unchanged} unchanged (imported before)."
    )
    if report.warnings:
        _print_rows(report.warnings, len(report.warnings), "warning(s) — written, worth a look")


def _print_problems(problems: list, count: int) -> None:
    _print_rows(problems, count, "problem(s) — nothing was written")


def _print_rows(problems: list, count: int, title: str) -> None:
    table = Table(title=f"{count} {title}", show_lines=False)
    for column in ("file", "row", "column", "value", "reason", "hint"):
        table.add_column(column, overflow="fold")
    for p in problems[:50]:
        table.add_row(
            p.source or "",
            str(p.row or ""),
            p.field or "",
            "" if p.value is None else str(p.value)[:40],
            p.reason,
            p.hint or "",
        )
    err_console.print(table)
    if count > 50:
        err_console.print(f"… and {count - 50} more (use --errors FILE.csv for all of them).")


def template(
    kind: Annotated[str, typer.Argument(help="The kind of record.")],
    format: Annotated[str, typer.Option("--format", "-f", help="csv or xlsx.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: KIND-template.FORMAT)."),
    ] = None,
) -> None:
    """Write an empty import template for KIND: the canonical columns and an example row."""
    from mineaction.intake.kinds import get_kind
    from mineaction.intake.templates import write_template

    spec = get_kind(kind)
    path = write_template(spec, output or Path(f"{kind}-template.{format}"), format)
    console.print(f"Template written to {path} (delete the example row before importing).")
