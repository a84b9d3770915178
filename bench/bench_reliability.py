"""Reliability figures: imports killed at random moments, and many writers on the same records.

The scenarios of ``tests/hardening`` at larger counts, on SQLite and on
PostgreSQL+PostGIS, each in a fresh database:

- **crashes**: ``mineaction import`` SIGKILLed ``--kills`` times on the
  per-row path (accidents) and as many on the bulk path (findings), at
  random moments of a run; after every kill the database is checked whole
  (integrity, foreign keys, all of the file or none, one history row per
  record), and at the end the same import runs to completion;
- **writers**: ``--api-writers`` threads through a real uvicorn server and
  ``--cli-writers`` processes running ``mineaction import`` change the same
  ``--records`` draft findings at once, each with the version it read.

It prints, per backend: kills survived, runs that left nothing and runs that
left everything, damage found; writers, accepted changes, conflicts, errors
that reached a user, and updates lost.

    python bench/bench_reliability.py --kills 10 --api-rounds 5   # a quick run
    python bench/bench_reliability.py --output bench/results/reliability.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reliability.crashes import PATHS, finish, kill_loop, zygote
from bench.reliability.writers import officer_with_drafts, run_writers, serve
from mineaction.api.app import create_app
from mineaction.config import Settings
from mineaction.services.admin_areas import load_azerbaijan
from mineaction.store import schema
from mineaction.store.database import Database

BACKENDS = ("sqlite", "postgis")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Rows per file: an import of one to two seconds, so kills spread over its phases.
ROWS = {"per-row": 60, "bulk": 3000}

console = Console()


def fresh_database(backend: str, workdir: Path, server: str) -> tuple[Database, str | None]:
    """Create a database with the schema and Azerbaijan's areas; return it and its PG name."""
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'reliability-{uuid.uuid4().hex[:6]}.db'}"
    else:
        name = f"bench_reliability_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    schema.upgrade(db)
    with db.session(actor="bench") as session:
        load_azerbaijan(session)
    return db, name


def drop(db: Database, name: str | None, server: str) -> None:
    """Close the database and drop it when it is a PostgreSQL one made here."""
    db.dispose()
    if name:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def crashes(backend: str, args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    """Run the kill loop on both paths in a fresh database; return the figures of each."""
    out = []
    for path in PATHS:
        db, name = fresh_database(backend, workdir, args.server)
        folder = workdir / f"{backend}-{path}"
        folder.mkdir()
        try:
            started = time.perf_counter()
            with zygote() as zyg:
                figures = kill_loop(
                    db, zyg, folder, path=path, rows=ROWS[path], kills=args.kills, seed=args.seed
                )
            finish(db, folder, path=path, rows=ROWS[path], seed=args.seed)
            row = figures.as_dict() | {
                "reimport_completed": True,
                "seconds": time.perf_counter() - started,
            }
            out.append(row)
            console.print(
                f"{backend} {path}: {figures.kills} kills, {figures.none_written} left nothing, "
                f"{figures.all_written} left everything, {figures.broken} broken"
            )
        finally:
            drop(db, name, args.server)
    return out


def writers(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run the concurrent writers in a fresh database; return their figures."""
    db, name = fresh_database(backend, workdir, args.server)
    try:
        token, ids = officer_with_drafts(db, args.records)
        with serve(create_app(db.url, settings=Settings())) as base_url:
            figures, outcome, wrong = run_writers(
                db,
                base_url,
                token,
                ids,
                api_writers=args.api_writers,
                cli_writers=args.cli_writers,
                api_rounds=args.api_rounds,
                cli_rounds=args.cli_rounds,
            )
        row = figures.as_dict() | {
            "errors_seen": outcome.failures[:10],
            "wrong": wrong[:10],
            "conflict_example": outcome.conflicts[0].message if outcome.conflicts else None,
        }
        console.print(
            f"{backend}: {figures.api_writers + figures.cli_writers} writers, "
            f"{figures.accepted} accepted, {figures.conflicts} conflicts, "
            f"{figures.failures} errors, {figures.lost} lost"
        )
        return row
    finally:
        drop(db, name, args.server)


def main() -> None:
    """Run the scenarios, print the figures, and write them as JSON with --output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kills per path and backend")
    parser.add_argument("--api-writers", type=int, default=12)
    parser.add_argument("--cli-writers", type=int, default=4)
    parser.add_argument("--records", type=int, default=3, help="records they all change")
    parser.add_argument("--api-rounds", type=int, default=20, help="changes per API writer")
    parser.add_argument("--cli-rounds", type=int, default=8, help="imports per CLI writer")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(10**6)
    backends = [b for b in args.backends.split(",") if b]
    results: dict[str, Any] = {
        "seed": args.seed,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "load_average_before": os.getloadavg(),
        "rows": ROWS,
        "crashes": [],
        "writers": [],
    }
    console.print(f"seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="bench_reliability_") as tmp:
        for backend in backends:
            results["crashes"] += crashes(backend, args, Path(tmp))
            results["writers"].append(writers(backend, args, Path(tmp)))
    results["load_average_after"] = os.getloadavg()
    report(results)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n")


def report(results: dict[str, Any]) -> None:
    """Print the figures as two tables."""
    kills = Table(title=f"Imports killed (seed {results['seed']})")
    for column in ("backend", "path", "rows", "kills", "left nothing", "left all", "broken"):
        kills.add_column(column, justify="left" if column in ("backend", "path") else "right")
    kills.add_column("re-import")
    for r in results["crashes"]:
        kills.add_row(
            r["backend"],
            r["path"],
            f"{r['rows']:,}",
            str(r["kills"]),
            str(r["none_written"]),
            str(r["all_written"]),
            str(r["broken"]),
            "completed" if r["reimport_completed"] else "FAILED",
        )
    console.print(kills)
    table = Table(title="Concurrent writers on the same records")
    columns = ("backend", "API", "CLI", "records", "accepted", "by CLI", "conflicts", "errors")
    columns += ("lost",)
    for column in columns:
        table.add_column(column, justify="left" if column == "backend" else "right")
    table.add_column("s", justify="right")
    for r in results["writers"]:
        table.add_row(
            r["backend"],
            str(r["api_writers"]),
            str(r["cli_writers"]),
            str(r["records"]),
            str(r["accepted"]),
            str(r["cli_accepted"]),
            str(r["conflicts"]),
            str(r["failures"]),
            str(r["lost"]),
            f"{r['seconds']:.1f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
