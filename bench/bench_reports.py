"""Reports benchmark: the weekly and full-history reports against DuckDB over the same rows.

For each backend (a fresh SQLite file, a fresh PostgreSQL+PostGIS database)
it loads ``bench/generate.py`` at ``--scale``, then times, as the median of
``--runs`` runs after one warm-up, each in its own session:

- the ``operations`` report of one ISO week (the busiest of the data set)
  and of the full history, and the full-history ``casualties`` report —
  the whole report function (SQL aggregation, folding, names);
- DuckDB running the same aggregations (the same GROUP BY over the same
  filtered rows, results fetched) on the rows exported to Parquet in the
  same run, and checks that both give the same totals;
- rendering the weekly report to HTML, XLSX and PDF.

    python bench/bench_reports.py --scale 0.1 --output bench/results/reports-0.1.json
    python bench/bench_reports.py --database sqlite:///copy-of-national.db --runs 5

``--database URL`` (once per backend) times an existing database as it is,
e.g. a copy of one ``bench/generate.py`` wrote, instead of loading one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from rich.table import Table
from sqlalchemy import func, select

from bench_foundation import (
    BACKENDS,
    DEFAULT_SERVER,
    console,
    machine,
    postgis_target,
    sqlite_target,
)
from generate import generate
from mineaction.analytics.reports import ReportParams, compute_report, render_report
from mineaction.store import schema
from mineaction.store.database import Database
from mineaction.store.tables import Base, Finding

#: Columns exported to Parquet: what the aggregations read.
EXPORTS = {
    "findings": "category, eo_model_id, organisation_id, admin_area_id, found_date, quantity, "
    "approval",
    "land_releases": "method, organisation_id, admin_area_id, release_date, area_m2, approval",
    "accidents": "id, accident_date, device_category, admin_area_id, approval",
    "victims": "accident_id, victim_group, sex, age_band, outcome, approval",
}
OPERATIONS_SQL = (
    """SELECT category, eo_model_id, organisation_id, admin_area_id, sum(quantity)
       FROM findings WHERE found_date BETWEEN ? AND ? AND approval = 'approved'
       GROUP BY ALL""",
    """SELECT method, organisation_id, admin_area_id, sum(area_m2)
       FROM land_releases WHERE release_date BETWEEN ? AND ? AND approval = 'approved'
       GROUP BY ALL""",
)
CASUALTIES_SQL = (
    """SELECT count(*) FROM accidents
       WHERE accident_date BETWEEN ? AND ? AND approval = 'approved'""",
    """SELECT v.victim_group, v.sex, v.age_band, a.device_category, a.admin_area_id,
              year(a.accident_date), month(a.accident_date), v.outcome, count(*)
       FROM victims v JOIN accidents a ON a.id = v.accident_id
       WHERE a.accident_date BETWEEN ? AND ? AND a.approval = 'approved'
         AND v.approval = 'approved'
       GROUP BY ALL""",
)


def timed_runs(action: Callable[[], Any], runs: int) -> dict[str, Any]:
    """Run ``action`` once to warm up, then ``runs`` times; return wall and CPU medians.

    CPU time is this process's (all its threads): for SQLite and DuckDB, which
    run in-process, it shows the work done even when other jobs share the CPU.
    """
    action()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {
        "runs_s": [round(t, 4) for t in wall],
        "median_s": round(statistics.median(wall), 4),
        "cpu_median_s": round(statistics.median(cpu), 4),
    }


def export_parquet(db: Database, folder: Path) -> dict[str, int]:
    """Write the columns the reports read, table by table, to Parquet; return row counts."""
    counts = {}
    with db.engine.connect() as conn:
        for table, columns in EXPORTS.items():
            model = Base.metadata.tables[table]
            # Typed columns, so that SQLite's dates arrive as dates, not text.
            query = select(*(model.c[c.strip()] for c in columns.split(",")))
            result = conn.execution_options(stream_results=True).execute(query)
            names = list(result.keys())
            batches, writer = 0, None
            while chunk := result.fetchmany(200_000):
                arrays = [pa.array([row[i] for row in chunk]) for i in range(len(names))]
                batch = pa.table(arrays, names=names)
                if writer is None:
                    writer = pq.ParquetWriter(folder / f"{table}.parquet", batch.schema)
                writer.write_table(batch)
                batches += len(chunk)
            if writer is not None:
                writer.close()
            counts[table] = batches
    return counts


def duckdb_runner(folder: Path, queries: tuple[str, ...], params: ReportParams) -> Any:
    """Return a function running ``queries`` in DuckDB over the Parquet files."""
    conn = duckdb.connect()
    for table in EXPORTS:
        path = folder / f"{table}.parquet"
        conn.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    args = [params.date_from, params.date_to]

    def run() -> list[list[Any]]:
        return [conn.execute(q, args).fetchall() for q in queries]

    return run


def busiest_week(db: Database) -> ReportParams:
    """Return the ISO week with most findings (the heaviest weekly report)."""
    with db.session() as s:
        days = s.execute(
            select(Finding.found_date, func.count()).group_by(Finding.found_date)
        ).all()
    weeks: dict[tuple[int, int], int] = {}
    for day, n in days:
        year, week, _ = day.isocalendar()
        weeks[(year, week)] = weeks.get((year, week), 0) + n
    (year, week), _n = max(weeks.items(), key=lambda kv: kv[1])
    return ReportParams.for_week(f"{year}-W{week:02d}")


def time_report(db: Database, name: str, params: ReportParams, runs: int) -> dict[str, Any]:
    """Time one report function, one session per run; keep its totals."""
    out: dict[str, Any] = {}

    def once() -> None:
        with db.session() as s:
            out["data"] = compute_report(session=s, name=name, params=params)

    return {**timed_runs(once, runs), "totals": out["data"]["totals"]}


def run_backend(backend: str, args: argparse.Namespace, given: str | None) -> dict[str, Any]:
    """Load one backend (or take the database given), export to Parquet, time reports and DuckDB."""
    target: Any
    if given:
        target = contextlib.nullcontext((given, None))
    elif backend == "sqlite":
        target = sqlite_target(args.keep)
    else:
        target = postgis_target(args.server, args.keep)
    with target as (url, _size):
        load_s = None
        if given:
            console.rule(f"{backend}: {Database(url).display_url()} as it is")
            _require_head(url)
        else:
            console.rule(f"{backend}: loading scale {args.scale}")
            load_s = round(generate(url, scale=args.scale, seed=args.seed).load_s, 1)
        db = Database(url)
        folder = Path(tempfile.mkdtemp(prefix="bench_reports_"))
        try:
            with db.session() as s:
                first, last = s.execute(
                    select(func.min(Finding.found_date), func.max(Finding.found_date))
                ).one()
            history = ReportParams(first, last)
            week = busiest_week(db)
            exported = export_parquet(db, folder)
            result: dict[str, Any] = {
                "load_s": load_s,
                "rows": exported,
                "week": [week.date_from.isoformat(), week.date_to.isoformat()],
                "history": [first.isoformat(), last.isoformat()],
            }
            for label, name, params, queries in (
                ("operations_week", "operations", week, OPERATIONS_SQL),
                ("operations_history", "operations", history, OPERATIONS_SQL),
                ("casualties_history", "casualties", history, CASUALTIES_SQL),
            ):
                console.print(f"{backend}: {label}")
                mine = time_report(db, name, params, args.runs)
                duck = duckdb_runner(folder, queries, params)
                ours = timed_runs(duck, args.runs)
                result[label] = {
                    "report": {k: v for k, v in mine.items() if k != "totals"},
                    "duckdb": ours,
                    "ratio": round(mine["median_s"] / ours["median_s"], 2),
                    "totals": mine["totals"],
                    "same_totals": _same(name, mine["totals"], duck()),
                }
            result["render_week"] = {}
            for fmt in ("html", "xlsx", "pdf"):

                def render(fmt: str = fmt) -> None:
                    with db.session() as s:
                        render_report(session=s, name="operations", params=week, fmt=fmt)

                result["render_week"][fmt] = timed_runs(render, max(1, args.runs // 2))
            return result
        finally:
            db.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def _require_head(url: str) -> None:
    db = Database(url)
    try:
        if schema.current_revision(db) != schema.head_revision():
            raise SystemExit(
                f"{db.display_url()} is not at schema {schema.head_revision()}: "
                "run `mineaction db upgrade` on it (or on a copy) first."
            )
    finally:
        db.dispose()


def _same(name: str, totals: dict[str, Any], rows: list[list[Any]]) -> bool:
    """Tell whether DuckDB's aggregation gives the report's totals."""
    if name == "operations":
        items = sum(int(r[-1] or 0) for r in rows[0])
        m2 = sum(float(r[-1] or 0) for r in rows[1])
        return bool(
            items == totals["items_total"]
            and abs(round(m2 / 10_000, 1) - totals["area_released_ha"]) <= 0.2
        )
    victims = sum(int(r[-1]) for r in rows[1])
    return bool(rows[0][0][0] == totals["accidents"] and victims == totals["victims"])


def show(results: dict[str, Any]) -> None:
    """Print one row per backend and report: report median, DuckDB median, ratio."""
    table = Table(title=f"reports benchmark, scale {results['scale']}")
    for column in (
        "backend", "report", "ours ms", "DuckDB ms", "ratio", "ours CPU ms", "DuckDB CPU ms",
        "same totals",
    ):  # fmt: skip
        table.add_column(column, justify="left" if column in ("backend", "report") else "right")
    for backend, r in results["backends"].items():
        for label in ("operations_week", "operations_history", "casualties_history"):
            x = r[label]
            table.add_row(
                backend,
                label,
                f"{x['report']['median_s'] * 1000:,.1f}",
                f"{x['duckdb']['median_s'] * 1000:,.1f}",
                f"{x['ratio']:.1f}×",
                f"{x['report']['cpu_median_s'] * 1000:,.1f}",
                f"{x['duckdb']['cpu_median_s'] * 1000:,.1f}",
                "yes" if x["same_totals"] else "NO",
            )
        for fmt, t in r["render_week"].items():
            table.add_row(
                backend, f"render week {fmt}", f"{t['median_s'] * 1000:,.0f}", "", "", "", "", ""
            )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on each backend asked for; print and save the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = national (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measure (default 7)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgis")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server")
    parser.add_argument("--output", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--database",
        action="append",
        default=[],
        metavar="URL",
        help="time this existing database (at the schema head) instead of loading one; "
        "once per backend",
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "benchmark": "reports",
        "scale": args.scale,
        "seed": args.seed,
        "runs": args.runs,
        "machine": {**machine(), "duckdb": duckdb.__version__},
        "backends": {},
    }
    given = {("sqlite" if u.startswith("sqlite") else "postgis"): u for u in args.database}
    backends = list(given) or [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in backends:
        results["backends"][backend] = run_backend(backend, args, given.get(backend))
    show(results)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
        console.print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
