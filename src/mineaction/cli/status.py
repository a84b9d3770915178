"""``mineaction status``: one count per kind of record."""

from __future__ import annotations

import typer
from rich.table import Table

from mineaction.cli.common import (
    DatabaseOption,
    FormatOption,
    check_format,
    console,
    open_database,
    print_json,
)
from mineaction.services import status as service


def register(app: typer.Typer) -> None:
    """Add status to ``app``."""
    app.command("status")(status)


def status(database: DatabaseOption = None, format: FormatOption = "text") -> None:
    """Count the records of each kind in the database.

    With --format json it prints one object whose keys are the kinds.
    """
    check_format(format, ("text", "json"))
    db = open_database(database)
    with db.session() as session:
        counts = service.counts(session)
        synthetic = service.is_synthetic(session)
    if format == "json":
        print_json(counts)
        return
    table = Table(title=f"mineaction — {db.display_url()}")
    table.add_column("records")
    table.add_column("count", justify="right")
    for kind, count in counts.items():
        table.add_row(service.KIND_LABELS[kind], f"{count:,}")
    console.print(table)
    if synthetic:
        console.print("[bold yellow]SYNTHETIC DEMO DATA[/] — not real figures.")
