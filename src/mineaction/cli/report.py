"""``mineaction report NAME``: official statistics as JSON, CSV, XLSX, HTML, PDF or a statement."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from mineaction.cli.common import DatabaseOption, err_console, open_database

REPORT_NAMES = (
    "operations, land-release, casualties, eore, assistance, equipment, operators, "
    "landmine-monitor, article7"
)


def register(app: typer.Typer) -> None:
    """Add report to ``app``."""
    app.command("report")(report)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD.", param_hint=option
        ) from None


def report(
    name: Annotated[str, typer.Argument(help=f"The report: {REPORT_NAMES}.")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day of the period, included (YYYY-MM-DD).")
    ] = None,
    week: Annotated[
        str | None,
        typer.Option("--week", help="An ISO week instead of --from/--to, e.g. 2024-W18."),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option("--group-by", help="operator, district, week or month (where it applies)."),
    ] = None,
    format: Annotated[
        str,
        typer.Option("--format", "-f", help="json, csv, xlsx, html, pdf or text (a statement)."),
    ] = "json",
    lang: Annotated[str, typer.Option("--lang", help="Language of labels: en, az or ru.")] = "en",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
    include_unapproved: Annotated[
        bool,
        typer.Option(
            "--include-unapproved",
            help="Count draft and submitted records too (the output says so).",
        ),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Produce report NAME for a period: official statistics over approved records.

    Dates are inclusive.  Give --from and --to, or --week.  JSON is the
    report's data object; csv, xlsx, html and pdf render the same figures;
    text is the press statement.  Binary formats (xlsx, pdf, a zip of CSVs)
    need --output.
    """
    from mineaction.analytics.reports import ReportParams, render_report

    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    if week is not None:
        if first or last:
            raise typer.BadParameter("give either --week or --from/--to", param_hint="--week")
        params = ReportParams.for_week(
            week, group_by=group_by, include_unapproved=include_unapproved
        )
    else:
        if first is None or last is None:
            raise typer.BadParameter(
                "the period needs both --from and --to (or --week)", param_hint="--from/--to"
            )
        params = ReportParams(first, last, group_by, include_unapproved)
    db = open_database(database)
    with db.session() as session:
        out = render_report(session=session, name=name, params=params, fmt=format, lang=lang)
    if output is not None:
        output.write_bytes(out.content)
        err_console.print(f"{output}: {name} report written ({len(out.content):,} bytes).")
    elif out.media_type.startswith(("text/", "application/json")):
        sys.stdout.buffer.write(out.content)
        sys.stdout.flush()
    else:
        raise typer.BadParameter(
            f"{format} output is binary; write it to a file with --output {out.filename}",
            param_hint="--output",
        )
    if include_unapproved:
        err_console.print("[yellow]Note:[/] includes unapproved records: not official statistics.")
