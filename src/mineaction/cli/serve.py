"""``mineaction serve``: run the web application and API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from mineaction.cli.common import DatabaseOption, console, database_url, open_database


def register(app: typer.Typer) -> None:
    """Add serve to ``app``."""
    app.command("serve")(serve)


def serve(
    database: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the web application and the API on HOST:PORT."""
    open_database(database)  # refuse early, with a sentence, if it is not ready
    serve_app(database_url(database), host=host, port=port, workers=workers)


def serve_app(url: str, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run uvicorn on the application for database ``url`` until interrupted."""
    import os

    import uvicorn

    from mineaction.config import get_settings

    # The app (in this process or in worker processes) reads the URL from the settings.
    os.environ["MINEACTION_DATABASE_URL"] = url
    get_settings.cache_clear()
    console.print(f"Serving mineaction on http://{host}:{port}/ — press Ctrl+C to stop.")
    uvicorn.run(
        "mineaction.api.asgi:app", host=host, port=port, workers=workers, log_level="warning"
    )
