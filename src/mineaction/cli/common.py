"""What every command shares: consoles, the --database option, opening the database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from mineaction.config import get_settings
from mineaction.errors import DatabaseError
from mineaction.store.database import Database
from mineaction.store.schema import current_revision, head_revision

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="Database URL (sqlite:///file.db or postgresql://user@host/db). "
        "Default: MINEACTION_DATABASE_URL, then sqlite:///./mineaction.db.",
        show_default=False,
    ),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Output format: text or json.")]


def database_url(explicit: str | None) -> str:
    """Return the database URL: the explicit option, else the settings (env or default)."""
    return explicit or get_settings().database_url


def cli_actor() -> str:
    """Return the name recorded in the history for changes made here (MINEACTION_ACTOR)."""
    return get_settings().actor


def open_database(explicit: str | None, *, require_schema: bool = True) -> Database:
    """Open the database the user named; refuse one whose schema is missing or old."""
    db = Database(database_url(explicit))
    path = db.sqlite_path()
    if require_schema and path is not None and not path.exists():
        raise DatabaseError(
            f"The database file {path} does not exist.",
            hint="Check the path, or create the database with `mineaction init`.",
        )
    db.check_connection()
    if require_schema:
        revision = current_revision(db)
        if revision is None:
            raise DatabaseError(
                f"{db.display_url()} has no mineaction schema yet.",
                hint="Run `mineaction init` (with the same --database) first.",
            )
        if revision != head_revision():
            raise DatabaseError(
                f"{db.display_url()} is at schema revision {revision}; this version of "
                f"mineaction needs {head_revision()}.",
                hint="Back it up with `mineaction backup FILE`, then run `mineaction db upgrade`.",
            )
    return db


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output (no colour, no wrapping)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise stop with a usage error."""
    if value not in allowed:
        raise typer.BadParameter(
            f"{value!r} is not one of: {', '.join(allowed)}", param_hint="--format"
        )
    return value


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """Yield a ``progress(step, done, total)`` callback that draws one bar per step."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield progress
