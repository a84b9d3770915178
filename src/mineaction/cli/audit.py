"""``mineaction audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import typer

from mineaction.cli.common import (
    DatabaseOption,
    FormatOption,
    check_format,
    console,
    err_console,
    open_database,
    print_json,
)
from mineaction.services import audit as service

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify(database: DatabaseOption = None, format: FormatOption = "text") -> None:
    """Walk the audit log's hash chain and report the first entry that breaks it.

    Exits 0 when every entry is intact and 2 when one is not.  Keep the
    printed head hash somewhere else: it also shows later whether entries
    were cut off the end.
    """
    check_format(format, ("text", "json"))
    db = open_database(database)
    report = service.verify_chain(db)
    if format == "json":
        print_json(
            {
                "intact": report.intact,
                "entries": report.entries,
                "last_id": report.last_id,
                "head": report.head if report.intact else None,
                "broken_at": report.broken_at,
                "reason": report.reason,
            }
        )
    elif report.intact:
        console.print(
            f"The audit log is intact: {report.entries:,} entries chained, "
            f"last entry {report.last_id or 'none'}, head hash {report.head}."
        )
    else:
        err_console.print(
            f"[bold red]The audit log has been tampered with:[/] entry {report.broken_at} "
            f"breaks the chain ({report.reason}). The {report.entries - 1:,} entries before "
            "it are intact.",
            highlight=False,
        )
        err_console.print(
            "[yellow]What to do:[/] keep this database as evidence, compare the entry with "
            "the latest backup that verifies (`mineaction restore` into a scratch database, "
            "then `mineaction audit verify` there), and find out who had direct write access.",
            highlight=False,
        )
    if not report.intact:
        raise typer.Exit(2)
