"""``mineaction forms``: XLSForms for ODK Collect and KoboToolbox field teams."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mineaction.cli.common import console

app = typer.Typer(
    help="Field forms (XLSForm) for ODK Collect and KoboToolbox.", no_args_is_help=True
)


@app.command("build")
def build(
    kind: Annotated[str, typer.Argument(help="nts, clearance_progress, finding, accident, eore")],
    lang: Annotated[
        str, typer.Option("--lang", help="Languages, the first is the default.")
    ] = "en,az,ru",
    operator: Annotated[str | None, typer.Option(help="Fix the operator code in the form.")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="An .xlsx file or a folder (default: this folder)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Also convert it to an XForm (pyxform) to prove it valid."),
    ] = False,
) -> None:
    """Write the XLSForm of KIND; its submissions import with `mineaction import`."""
    from mineaction.intake.forms import build_xlsform, xform_of

    path = build_xlsform(kind, output or Path.cwd(), languages=lang, operator_code=operator)
    if check:
        xform_of(path)
    console.print(f"Form written to {path}" + (" (valid XForm)." if check else "."))


@app.command("list")
def list_forms() -> None:
    """List the field forms and the columns their exports have."""
    from mineaction.intake.forms import FORMS, form_columns

    for name in FORMS:
        console.print(f"[bold]{name}[/]: {', '.join(form_columns(name))}")
