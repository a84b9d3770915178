"""``mineaction export``: the national database to CSV, XLSX, GeoJSON, GeoPackage or Shapefile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mineaction.cli.common import (
    DatabaseOption,
    console,
    err_console,
    open_database,
    print_json,
    progress_bar,
)


def register(app: typer.Typer) -> None:
    """Add export to ``app``."""
    app.command("export")(export)


def export(
    kind: Annotated[
        str,
        typer.Argument(
            help="organisations, findings, accidents, victims, land-releases, or all "
            "(one GeoPackage of every kind, the districts and the hazards)."
        ),
    ],
    file: Annotated[Path, typer.Argument(help="File to write; its extension gives the format.")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="csv, xlsx, geojson, gpkg or shp (a zipped Shapefile)."
        ),
    ] = None,
    include_unapproved: Annotated[
        bool,
        typer.Option("--include-unapproved", help="Export draft and submitted records too."),
    ] = False,
    database: DatabaseOption = None,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Export the records of KIND to FILE, with the columns `mineaction import` reads back.

    The format comes from FILE's extension (.csv, .xlsx, .geojson, .gpkg, .zip
    for a zipped Shapefile) unless --format says.  `mineaction export all
    FILE.gpkg` writes one GeoPackage with a layer per kind for QGIS.
    """
    from mineaction.intake.export import export_all, export_kind

    db = open_database(database)
    with progress_bar() as progress:
        if kind == "all":
            if format not in (None, "gpkg"):
                raise typer.BadParameter(
                    f"`export all` writes a GeoPackage, not {format!r}", param_hint="--format"
                )
            report = export_all(db, file, include_unapproved=include_unapproved, progress=progress)
        else:
            report = export_kind(
                db,
                kind,
                file,
                format=format,
                include_unapproved=include_unapproved,
                progress=progress,
            )
    if json:
        print_json(report.as_dict())
        return
    counts = ", ".join(f"{n} {name}" for name, n in report.layers.items())
    console.print(f"{file}: {counts} written ({report.format}).")
    for note in report.notes:
        err_console.print(f"[yellow]Note:[/] {note}")
    if report.synthetic:
        err_console.print("[yellow]Note:[/] this is the synthetic demo data set, not real data.")
