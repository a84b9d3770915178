"""The docs cover every command, setting and endpoint; a new one without docs fails here."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command

from mineaction.api.app import create_app
from mineaction.cli import app
from mineaction.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(group: typer.Typer) -> list[str]:
    names: list[str] = []

    def walk(command, prefix: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            names.append(prefix)

    walk(get_command(group), "")
    return names


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _commands(app)
    assert len(commands) >= 10
    missing = [c for c in commands if f"`mineaction {c}" not in text]
    assert missing == [], f"docs/cli.md does not document: {missing}"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [
        f"MINEACTION_{n.upper()}"
        for n in Settings.model_fields
        if f"MINEACTION_{n.upper()}" not in text
    ]
    assert missing == [], f"docs/configuration.md does not document: {missing}"


def test_every_endpoint_is_documented(tmp_path: Path) -> None:
    text = (DOCS / "api.md").read_text()

    def flat(routes):  # FastAPI keeps included routers as one entry each
        for r in routes:
            inner = getattr(r, "original_router", None)
            yield from flat(inner.routes) if inner is not None else [r]

    routes = [
        r.path
        for r in flat(create_app(f"sqlite:///{tmp_path}/x.db").routes)
        if getattr(r, "methods", None) and not r.path.startswith("/static")
    ]
    missing = [p for p in routes if f"`{p}`" not in text]
    assert missing == [], f"docs/api.md does not document: {missing}"


def test_the_readme_quick_start_is_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert "mineaction demo" in commands[0] and "scripts/test.sh" in commands[1]
    ci = (DOCS.parent / ".ci" / "run").read_text()
    assert "./scripts/test.sh" in ci


def test_every_import_column_is_documented() -> None:
    from mineaction.intake.kinds import KINDS

    text = (DOCS / "import-formats.md").read_text()
    for kind in KINDS.values():
        section = text.split(f"### {kind.name}\n", 1)
        assert len(section) == 2, f"docs/import-formats.md has no section for {kind.name}"
        body = section[1].split("###", 1)[0]
        missing = [c for c in kind.column_names if f"`{c}`" not in body]
        assert missing == [], f"{kind.name}: columns not documented: {missing}"
