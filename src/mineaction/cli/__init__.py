"""The ``mineaction`` command: thin Typer commands over the service layer.

Each command parses its options, calls one service and formats the answer.
A user's mistake (a bad URL, a missing file, invalid data) is printed as a
sentence with a hint and exits non-zero; it never shows a traceback.
"""

from __future__ import annotations

import sys

import typer

from mineaction.cli import (
    admin_areas,
    audit,
    database,
    demo,
    export,
    forms,
    intake,
    plan,
    records,
    report,
    risk,
    serve,
    status,
)
from mineaction.cli import users as users_cli
from mineaction.cli.common import console, err_console
from mineaction.errors import MineActionError

app = typer.Typer(
    name="mineaction",
    help="Information management for humanitarian mine action.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
database.register(app)
status.register(app)
demo.register(app)
serve.register(app)
intake.register(app)
export.register(app)
report.register(app)
app.add_typer(admin_areas.app, name="admin-areas")
app.add_typer(forms.app, name="forms")
app.add_typer(records.app, name="records")
app.add_typer(plan.app, name="plan")
app.add_typer(risk.app, name="risk")
app.add_typer(users_cli.app, name="users")
app.add_typer(audit.app, name="audit")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn the system's own errors into a message and an exit code."""
    try:
        # Without standalone mode click returns a command's typer.Exit code instead of raising.
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except MineActionError as exc:
        err_console.print(f"[bold red]Error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]What to do:[/] {exc.hint}", highlight=False)
        problems = getattr(exc, "problems", [])
        for problem in problems[:20]:
            where = ", ".join(
                part
                for part in (
                    problem.source,
                    f"row {problem.row}" if problem.row else None,
                    f"column {problem.field}" if problem.field else None,
                )
                if part
            )
            err_console.print(f"  - {where}: {problem.reason}", highlight=False)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("Interrupted: nothing more was written.")
        sys.exit(130)
    except Exception as exc:
        # Usage errors (unknown option, bad value): click's exceptions know how to
        # show themselves.  Anything else is a bug and keeps its traceback.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise


__all__ = ["app", "console", "main"]
