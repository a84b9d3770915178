"""Foundation benchmark: load a national data set, measure its size, time ``status``.

For each backend (an SQLite file in a temporary directory, a fresh PostgreSQL
database with PostGIS) it measures:

- the load of ``bench/generate.py`` at ``--scale``: rows, seconds and rows/s per
  table and in total;
- the database's size on disk (SQLite: file + WAL + shared memory file;
  PostgreSQL: ``pg_database_size`` after VACUUM ANALYZE);
- ``services.status.counts`` (what ``mineaction status`` runs): the median of
  five runs after one warm-up, each in its own session;
- the wall time of the real command ``mineaction status --database URL --format
  json`` as a subprocess (median of five after a warm-up), when the CLI works.

    python bench/bench_foundation.py --scale 0.1 --output bench/results/foundation-0.1.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url

from generate import TableLoad, generate
from mineaction.services.status import counts
from mineaction.store.database import Database

BACKENDS = ("sqlite", "postgis")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RUNS = 5
ROOT = Path(__file__).resolve().parent.parent

console = Console()


def timed_runs(action: Callable[[], Any], runs: int = RUNS) -> dict[str, Any]:
    """Run ``action`` once to warm up, then ``runs`` times; return the times and their median."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return {"runs_s": [round(t, 4) for t in times], "median_s": round(statistics.median(times), 4)}


def time_status(url: str) -> dict[str, Any]:
    """Time services.status.counts on ``url``, one session per run; return times and counts."""
    db = Database(url)
    try:
        result: dict[str, Any] = {}

        def once() -> None:
            with db.session() as session:
                result["counts"] = counts(session)

        return {**timed_runs(once), "counts": result["counts"]}
    finally:
        db.dispose()


def time_cli_status(url: str) -> dict[str, Any]:
    """Time the real ``mineaction status --format json`` command; say why when it cannot run."""
    exe = shutil.which("mineaction", path=str(Path(sys.executable).parent)) or shutil.which(
        "mineaction"
    )
    if exe is None:
        return {"skipped": "no `mineaction` command is installed"}
    command = [exe, "status", "--database", url, "--format", "json"]
    probe = subprocess.run(command, capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        last = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"skipped": f"`mineaction status` failed (exit {probe.returncode}): {last[0]}"}
    return timed_runs(lambda: subprocess.run(command, capture_output=True, check=True))


def sqlite_size(path: Path) -> dict[str, int]:
    """Return the bytes of an SQLite database: main file, WAL and shared-memory file."""
    sizes = {
        part: (path.parent / (path.name + suffix)).stat().st_size
        for part, suffix in (("file", ""), ("wal", "-wal"), ("shm", "-shm"))
        if (path.parent / (path.name + suffix)).exists()
    }
    return {**sizes, "total": sum(sizes.values())}


def postgres_size(url: str) -> dict[str, int]:
    """Return pg_database_size of the database at ``url``, in bytes."""
    with psycopg.connect(_libpq(url)) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return {"total": int(row[0]) if row else 0}


@contextlib.contextmanager
def sqlite_target(keep: bool) -> Iterator[tuple[str, Callable[[], dict[str, int]]]]:
    """Yield a fresh SQLite URL in a temporary directory and the function that sizes it."""
    folder = Path(tempfile.mkdtemp(prefix="bench_foundation_"))
    path = folder / "national.db"
    try:
        yield f"sqlite:///{path}", lambda: sqlite_size(path)
    finally:
        if keep:
            console.print(f"kept {path}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgis_target(server: str, keep: bool) -> Iterator[tuple[str, Callable[[], dict[str, int]]]]:
    """Create a fresh bench_* database on ``server``; yield its URL and sizer; drop it after."""
    name = f"bench_foundation_{os.getpid()}"
    admin = _libpq(server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url, lambda: postgres_size(url)
    finally:
        if keep:
            console.print(f"kept database {name}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Load, size and time one backend; return its results."""
    target = (
        sqlite_target(args.keep) if backend == "sqlite" else postgis_target(args.server, args.keep)
    )
    with target as (url, size):
        console.rule(f"{backend}: loading scale {args.scale}")
        report = generate(url, scale=args.scale, seed=args.seed, progress=_print_load)
        result: dict[str, Any] = {"load": report.as_dict(), "size_bytes": size()}
        result["versions"] = server_versions(url) if backend == "postgis" else {}
        console.print(f"{backend}: timing status")
        result["status"] = time_status(url)
        result["cli_status"] = time_cli_status(url)
        if "skipped" in result["cli_status"]:
            console.print(f"[yellow]note:[/] CLI timing skipped: {result['cli_status']['skipped']}")
        return result


def server_versions(url: str) -> dict[str, str]:
    """Return the PostgreSQL and PostGIS versions of the server at ``url``."""
    with psycopg.connect(_libpq(url)) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
        gis = conn.execute("SELECT postgis_lib_version()").fetchone()
    return {"postgresql": str(pg[0]) if pg else "?", "postgis": str(gis[0]) if gis else "?"}


def machine() -> dict[str, Any]:
    """Return facts about this machine and the software measured."""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": round(_memory_bytes() / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {p: metadata.version(p) for p in ("sqlalchemy", "psycopg", "shapely", "numpy")},
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain")),
    }


def show(results: dict[str, Any]) -> None:
    """Print each backend's per-table load and a summary table."""
    for backend, result in results["backends"].items():
        table = Table(title=f"{backend}: load at scale {results['scale']}")
        for column in ("table", "rows", "build s", "write s", "total s", "rows/s"):
            table.add_column(column, justify="left" if column == "table" else "right")
        for name, t in result["load"]["tables"].items():
            table.add_row(
                name,
                f"{t['rows']:,}",
                f"{t['build_s']:.1f}",
                f"{t['write_s']:.1f}",
                f"{t['total_s']:.1f}",
                f"{t['rows_per_s']:,}",
            )
        console.print(table)
    console.print(summary(results))


def summary(results: dict[str, Any]) -> Table:
    """Return one row per backend: rows, load time, rows/s, size and status timings."""
    table = Table(title=f"foundation benchmark, scale {results['scale']}")
    for column in (
        "backend",
        "rows",
        "load s",
        "rows/s",
        "size MB",
        "status median ms",
        "CLI status median ms",
    ):
        table.add_column(column, justify="left" if column == "backend" else "right")
    for backend, r in results["backends"].items():
        cli = r["cli_status"]
        table.add_row(
            backend,
            f"{r['load']['rows']:,}",
            f"{r['load']['load_s']:.1f}",
            f"{r['load']['rows_per_s']:,}",
            f"{r['size_bytes']['total'] / 2**20:,.0f}",
            f"{r['status']['median_s'] * 1000:,.1f}",
            "skipped" if "skipped" in cli else f"{cli['median_s'] * 1000:,.0f}",
        )
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on each backend asked for; print and save the results."""
    args = _parser().parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown:
        raise SystemExit(f"unknown backend(s) {', '.join(unknown)}; use {', '.join(BACKENDS)}")
    results: dict[str, Any] = {
        "benchmark": "foundation",
        "scale": args.scale,
        "seed": args.seed,
        "machine": machine(),
        "backends": {},
    }
    for backend in backends:
        results["backends"][backend] = run_backend(backend, args)
    show(results)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n")
        console.print(f"results written to {args.output}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = national (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated: sqlite,postgis (default both)",
    )
    parser.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help=f"PostgreSQL server to create the database on ({DEFAULT_SERVER})",
    )
    parser.add_argument("--output", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    return parser


def _print_load(load: TableLoad) -> None:
    console.print(
        f"  {load.table:<20} {load.rows:>10,} rows  {load.total_s:7.1f} s  "
        f"{load.rows_per_s:>9,.0f} rows/s"
    )


def _libpq(url: str) -> str:
    """Return a SQLAlchemy PostgreSQL URL as a libpq connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_bytes() -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
