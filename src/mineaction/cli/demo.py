"""``mineaction demo``: build the synthetic demonstration data set."""

from __future__ import annotations

from typing import Annotated

import typer

from mineaction.cli.common import console, open_database, progress_bar
from mineaction.services import admin_areas
from mineaction.services.status import KIND_LABELS, counts, is_synthetic
from mineaction.store import schema

DEMO_URL = "sqlite:///./mineaction-demo.db"


def register(app: typer.Typer) -> None:
    """Add demo to ``app``."""
    app.command("demo")(demo)


def demo(
    database: Annotated[
        str,
        typer.Option(
            "--database",
            "-d",
            help="Where to build the demo (its own file by "
            "default, so that it never mixes with real data).",
        ),
    ] = DEMO_URL,
    seed: Annotated[
        int, typer.Option(help="Seed of the synthetic data (same seed, same data).")
    ] = 2020,
    scale: Annotated[float, typer.Option(help="1.0 = the magnitudes of the brief.")] = 1.0,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app once the data is built.")
    ] = True,
) -> None:
    """Build a deterministic synthetic data set for Karabakh and East Zangazur, 2020–2024.

    Everything it builds is marked synthetic, and every output says so.  When
    the database already holds the demo, it is reused.
    """
    from mineaction.demo import build_demo
    from mineaction.demo.accounts import ACCOUNTS, DEMO_PASSWORD, create_demo_accounts

    db = open_database(database, require_schema=False)
    schema.upgrade(db)
    with db.session(actor="demo") as session:
        admin_areas.load_azerbaijan(session)
        already = is_synthetic(session)
    if already:
        console.print(f"The demo data set is already in {db.display_url()}; reusing it.")
    else:
        with progress_bar() as progress:
            summary = build_demo(db, seed=seed, scale=scale, progress=progress)
        console.print(
            f"2024, per week: {summary.at_mines_per_week:,.1f} AT mines, "
            f"{summary.ap_mines_per_week:,.1f} AP mines, {summary.uxo_per_week:,.1f} UXO, "
            f"{summary.ha_released_per_week:,.1f} ha released."
        )
    with db.session(actor="demo", note="demo accounts") as session:
        create_demo_accounts(session)
    with db.session() as session:
        totals = counts(session)
    console.print(
        f"[bold yellow]SYNTHETIC DEMO DATA[/] in {db.display_url()}: "
        + ", ".join(f"{v:,} {KIND_LABELS[k]}" for k, v in totals.items() if v)
    )
    names = ", ".join(name for name, _role, _org in ACCOUNTS)
    console.print(f"Sign in as {names} with the password '{DEMO_PASSWORD}' (demo only).")
    if serve:
        from mineaction.cli.serve import serve_app

        serve_app(db.url)
