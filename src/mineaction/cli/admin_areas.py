"""``mineaction admin-areas``: load and list administrative areas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from mineaction.cli.common import (
    DatabaseOption,
    FormatOption,
    check_format,
    cli_actor,
    console,
    open_database,
    print_json,
)
from mineaction.domain.vocab import ADMIN_LEVEL
from mineaction.errors import NotFoundError, ValidationError
from mineaction.services import admin_areas as service
from mineaction.store.tables import AdminArea

app = typer.Typer(help="Administrative areas (country, regions, districts).", no_args_is_help=True)


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of polygons (WGS84).")],
    name_field: Annotated[
        str, typer.Option(help="Property holding the area's name.")
    ] = "shapeName",
    code_field: Annotated[str | None, typer.Option(help="Property holding a unique code.")] = None,
    level: Annotated[
        str, typer.Option(help="country, region, district or settlement.")
    ] = "district",
    country: Annotated[str, typer.Option(help="ISO3 code of the country.")] = "AZE",
    parent: Annotated[str | None, typer.Option(help="Name or code of the parent area.")] = None,
    attribution: Annotated[str | None, typer.Option(help="Source and licence of the file.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Load (or update) administrative areas from FILE; areas are matched by code."""
    if level not in ADMIN_LEVEL:
        raise ValidationError(
            f"{level!r} is not an administrative level.",
            hint=f"Use one of: {', '.join(ADMIN_LEVEL)}.",
        )
    if not file.is_file():
        raise NotFoundError(f"{file} does not exist.", hint="Check the path of the file.")
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"admin-areas load {file.name}") as session:
        parent_code = service.find_area(session, parent).code if parent else None
        specs = service.specs_from_geojson(
            file,
            name_field=name_field,
            code_field=code_field,
            level=level,
            country=country,
            parent_code=parent_code,
        )
        count = service.load_areas(session, specs, country=country, attribution=attribution)
    console.print(f"{count} administrative areas loaded from {file}.")


@app.command("list")
def list_areas(
    level: Annotated[str | None, typer.Option(help="Only this level.")] = None,
    format: FormatOption = "text",
    database: DatabaseOption = None,
) -> None:
    """List the administrative areas with their level, parent and area in km²."""
    check_format(format, ("text", "json"))
    db = open_database(database)
    with db.session() as session:
        query = select(AdminArea).order_by(AdminArea.level, AdminArea.name)
        if level:
            query = query.where(AdminArea.level == level)
        rows = [
            {
                "code": a.code,
                "name": a.name,
                "name_az": a.name_az,
                "name_ru": a.name_ru,
                "level": a.level,
                "parent": a.parent.code if a.parent else None,
                "area_km2": round((a.area_m2 or 0) / 1e6, 1),
            }
            for a in session.scalars(query)
        ]
    if format == "json":
        print_json(rows)
        return
    table = Table()
    for column in ("code", "name", "name_az", "level", "parent", "area_km2"):
        table.add_column(column, justify="right" if column == "area_km2" else "left")
    for row in rows:
        table.add_row(
            *(str(row[c] or "") for c in ("code", "name", "name_az", "level", "parent", "area_km2"))
        )
    console.print(table)
