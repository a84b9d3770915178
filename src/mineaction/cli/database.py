"""Commands that create, upgrade, back up and restore the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mineaction.cli.common import (
    DatabaseOption,
    FormatOption,
    check_format,
    cli_actor,
    console,
    err_console,
    open_database,
    print_json,
    progress_bar,
)
from mineaction.services import admin_areas
from mineaction.store import schema


def register(app: typer.Typer) -> None:
    """Add init, db, backup and restore to ``app``."""
    app.command("init")(init)
    db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)
    db_app.command("upgrade")(upgrade)
    db_app.command("current")(current)
    db_app.command("checksums")(checksums)
    db_app.command("rollup")(rollup)
    app.add_typer(db_app, name="db")
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("verify-backup")(verify_backup)


def init(
    database: DatabaseOption = None,
    areas: Annotated[
        bool,
        typer.Option(
            "--areas/--no-areas", help="Load Azerbaijan's districts and cities (from the package)."
        ),
    ] = True,
) -> None:
    """Create the database schema, or upgrade it, and load the administrative areas.

    Safe to run twice: it changes nothing that is already in place.
    """
    db = open_database(database, require_schema=False)
    schema.upgrade(db)
    written = 0
    if areas:
        with db.session(actor=cli_actor(), note="init") as session:
            written = admin_areas.load_azerbaijan(session)
    console.print(
        f"Database ready: {db.display_url()} (schema {schema.head_revision()}, "
        f"{written} administrative areas of Azerbaijan loaded)."
    )
    console.print(f"[dim]{admin_areas.AZE_ATTRIBUTION}[/]")


def upgrade(database: DatabaseOption = None) -> None:
    """Bring the database schema up to this version of mineaction."""
    db = open_database(database, require_schema=False)
    before = schema.current_revision(db)
    schema.upgrade(db)
    after = schema.current_revision(db)
    if before == after:
        console.print(f"Schema already at {after}; nothing to do.")
    else:
        console.print(f"Schema upgraded from {before or 'nothing'} to {after}.")


def current(database: DatabaseOption = None) -> None:
    """Print the database's schema revision and the one this version needs."""
    db = open_database(database, require_schema=False)
    console.print(f"database: {schema.current_revision(db) or 'no schema'}")
    console.print(f"software: {schema.head_revision()}")


def checksums(database: DatabaseOption = None, format: FormatOption = "text") -> None:
    """Print every table's row count and SHA-256, as a backup's manifest records them.

    The digests do not depend on the backend: compare them before a backup
    and after its restore (on SQLite or PostGIS) to prove the round trip.
    """
    from mineaction.services import backup as service

    check_format(format, ("text", "json"))
    db = open_database(database)
    digests = service.checksums(db)
    if format == "json":
        print_json({name: {"rows": d.rows, "sha256": d.sha256} for name, d in digests.items()})
        return
    for name, d in digests.items():
        console.print(f"{name:<28} {d.rows:>12,}  {d.sha256}", highlight=False)


def rollup(
    database: DatabaseOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Make the roll-ups again from the records.")
    ] = False,
    format: FormatOption = "text",
) -> None:
    """Check the report roll-ups against the records (exit 2 if they differ), or rebuild them.

    The database keeps them exact by triggers on every write; a difference
    means someone wrote past the triggers (for example with them dropped).
    """
    from mineaction.services import rollups as service

    check_format(format, ("text", "json"))
    db = open_database(database)
    result = service.rebuild(db=db) if rebuild else service.check(db=db)
    if format == "json":
        print_json({"exact": result.exact, "rows": result.rows, "differing": result.differing})
    else:
        width = max(map(len, result.rows), default=0)
        for table, rows in result.rows.items():
            console.print(f"{table:<{width}} {rows:>10,} rows, {result.differing[table]:,} differ")
        if result.exact:
            console.print("The report roll-ups equal what the records make.")
        else:
            err_console.print(
                "[bold red]The report roll-ups differ from the records.[/] "
                "[yellow]What to do:[/] run `mineaction db rollup --rebuild`, then find out "
                "what wrote to the recorded tables (findings, land releases, EORE sessions, "
                "assistance, accidents or victims) with the triggers set aside.",
                highlight=False,
            )
    if not result.exact:
        raise typer.Exit(2)


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    database: DatabaseOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace FILE if it exists.")
    ] = False,
) -> None:
    """Write a consistent snapshot of the whole database to FILE (works on both backends)."""
    from mineaction.services import backup as service

    db = open_database(database)
    with progress_bar() as progress:
        manifest = service.backup(db, file, overwrite=overwrite, progress=progress)
    rows = sum(count for count, _ in manifest.tables.values())
    console.print(
        f"Backup written to {file}: {len(manifest.tables)} tables, {rows:,} rows, "
        f"schema {manifest.revision}."
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A backup written by `mineaction backup`.")],
    database: DatabaseOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data.")
    ] = False,
) -> None:
    """Restore FILE into the database; a database that holds data needs --force."""
    from mineaction.services import backup as service

    db = open_database(database, require_schema=False)
    with progress_bar() as progress:
        manifest = service.restore(db, file, force=force, progress=progress)
    rows = sum(count for count, _ in manifest.tables.values())
    console.print(
        f"Restored {rows:,} rows from {file} into {db.display_url()}; every table's "
        "checksum matches the backup."
    )


def verify_backup(
    file: Annotated[Path, typer.Argument(help="A backup written by `mineaction backup`.")],
) -> None:
    """Check that FILE is intact: every table's rows match the checksums in its manifest."""
    from mineaction.services import backup as service

    with progress_bar() as progress:
        manifest = service.verify(file, progress=progress)
    rows = sum(count for count, _ in manifest.tables.values())
    console.print(
        f"{file} is intact: {len(manifest.tables)} tables, {rows:,} rows, schema "
        f"{manifest.revision}, taken {manifest.created_at} from {manifest.dialect}."
    )
