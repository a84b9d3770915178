"""``mineaction users``: add, list, disable users, reset passwords, give API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from mineaction.cli.common import (
    DatabaseOption,
    FormatOption,
    check_format,
    cli_actor,
    console,
    open_database,
    print_json,
)
from mineaction.config import get_settings
from mineaction.errors import ValidationError
from mineaction.services import auth, users
from mineaction.services.policy import USER_ROLES

app = typer.Typer(help="User accounts, roles and API tokens.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (never an argument, "
        "which other users could see in the process list).",
    ),
]


def _read_password(from_stdin: bool) -> str:
    if not from_stdin:
        raise ValidationError(
            "The password must come from standard input.",
            hint="Add --password-stdin and pipe it in, e.g. `printf '%s' \"$PW\" | mineaction "
            "users add ana --role viewer --password-stdin`.",
        )
    return sys.stdin.readline().rstrip("\r\n")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name used to sign in.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(USER_ROLES)}.")],
    organisation: Annotated[
        str | None,
        typer.Option(help="Organisation code (required for operator_officer)."),
    ] = None,
    full_name: Annotated[str | None, typer.Option(help="The person's name.")] = None,
    password_stdin: PasswordStdin = False,
    database: DatabaseOption = None,
) -> None:
    """Add a user with a role; the password is read from standard input."""
    password = _read_password(password_stdin)
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"add user {name}") as session:
        user = users.add_user(
            session=session,
            username=name,
            role=role,
            password=password,
            organisation=organisation,
            full_name=full_name,
        )
        console.print(f"Added {user.username} ({user.role}).")


@app.command("list")
def list_(database: DatabaseOption = None, format: FormatOption = "text") -> None:
    """List the users: name, role, organisation and whether disabled."""
    check_format(format, ("text", "json"))
    db = open_database(database)
    with db.session() as session:
        rows = users.list_users(session)
    if format == "json":
        print_json(rows)
        return
    table = Table(title="users")
    for column in ("user", "role", "organisation", "state"):
        table.add_column(column)
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        table.add_row(row["username"], row["role"], row["organisation"] or "", state)
    console.print(table)


@app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="User name.")], database: DatabaseOption = None
) -> None:
    """Disable a user: they are signed out and their API tokens stop working."""
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"disable user {name}") as session:
        users.disable_user(session=session, username=name)
    console.print(f"Disabled {name}; their sessions and API tokens no longer work.")


@app.command("enable")
def enable(
    name: Annotated[str, typer.Argument(help="User name.")], database: DatabaseOption = None
) -> None:
    """Let a disabled user sign in again (the API tokens revoked on disabling stay revoked)."""
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"enable user {name}") as session:
        users.enable_user(session=session, username=name)
    console.print(f"Enabled {name}; they may sign in again (give them a new token if needed).")


@app.command("reset-password")
def reset_password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
    database: DatabaseOption = None,
) -> None:
    """Give a user a new password, read from standard input; their sessions end."""
    password = _read_password(password_stdin)
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"reset password of {name}") as session:
        users.reset_password(session=session, username=name, password=password)
    console.print(f"The password of {name} was changed; they must sign in again.")


@app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="User name the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    database: DatabaseOption = None,
) -> None:
    """Print a new API token for a user (shown once; send it as `Authorization: Bearer`)."""
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"API token for {name}") as session:
        value = auth.create_token(
            session=session, username=name, name=label, secret=get_settings().secret_key
        )
    typer.echo(value)
