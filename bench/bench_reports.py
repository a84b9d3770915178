"""Reports benchmark: the weekly and full-history reports against DuckDB over the same rows.

For each backend (a fresh SQLite file, a fresh PostgreSQL+PostGIS database)
it loads ``bench/generate.py`` at ``--scale``, then times, as the median of
``--runs`` runs after one warm-up, each in its own session:

- the ``operations`` report of one ISO week (the busiest of the data set)
  and every report's full history (operations, casualties, land-release,
  eore, assistance, equipment, operators, article7, landmine-monitor) — the whole
  report function (SQL
  aggregation, folding, names);
- DuckDB running each report's aggregations (the same groupings over the same
  filtered rows, results fetched; ``MEASURES``) on the rows exported to
  Parquet in the same run, and checks that both give the same totals;
- rendering the weekly report to HTML, XLSX and PDF.

    python bench/bench_reports.py --scale 0.1 --output bench/results/reports-0.1.json
    python bench/bench_reports.py --database sqlite:///copy-of-national.db --runs 5

``--database URL`` (once per backend) times an existing database as it is,
e.g. a copy of one ``bench/generate.py`` wrote, instead of loading one.
``--only eore_history,assistance_history`` times only those measures (labels
of ``MEASURES``), exports only the tables their DuckDB queries read and
renders nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
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
BENEFICIARIES = "female_child, male_child, female_adult, male_adult, female_elderly, male_elderly"
EXPORTS = {
    "findings": "category, eo_model_id, organisation_id, admin_area_id, found_date, quantity, "
    "approval",
    "land_releases": "method, organisation_id, admin_area_id, hazard_id, release_date, area_m2, "
    "approval",
    "hazards": "id, admin_area_id, status, area_m2, recorded_date, approval, contamination",
    "accidents": "id, accident_date, device_category, admin_area_id, approval",
    "victims": "accident_id, victim_group, sex, age_band, outcome, approval",
    "eore_sessions": f"id, admin_area_id, organisation_id, method, session_date, approval, "
    f"{BENEFICIARIES}",
    "assistance": f"id, admin_area_id, organisation_id, assistance_type, assistance_date, "
    f"approval, {BENEFICIARIES}",
    "equipment": "id, organisation_id, equipment_type, status, status_date, acquired_date, "
    "approval",
    "equipment_status_changes": "id, equipment_id, status, changed_date",
    "activities": "id, organisation_id, activity_type, approval",
    "progress_reports": "activity_id, report_date, area_m2, team_days, approval",
}
OPERATIONS_SQL = (
    """SELECT category, eo_model_id, organisation_id, admin_area_id, sum(quantity)
       FROM findings WHERE found_date BETWEEN $start AND $until AND approval = 'approved'
       GROUP BY ALL""",
    """SELECT method, organisation_id, admin_area_id, sum(area_m2)
       FROM land_releases WHERE release_date BETWEEN $start AND $until AND approval = 'approved'
       GROUP BY ALL""",
)
#: The casualties report's aggregation as the report makes it: three small
#: groupings of the period's victims (see analytics/reports/casualty_counts.py).
CASUALTIES_SQL = (
    """SELECT count(*) FROM accidents
       WHERE accident_date BETWEEN $start AND $until AND approval = 'approved'""",
    """SELECT v.victim_group, v.sex, v.age_band, a.device_category, a.admin_area_id,
              a.accident_date, v.outcome, count(*)
       FROM victims v JOIN accidents a ON a.id = v.accident_id
       WHERE a.accident_date BETWEEN $start AND $until AND a.approval = 'approved'
         AND v.approval = 'approved'
       GROUP BY GROUPING SETS ((v.victim_group, v.sex, v.age_band, v.outcome),
                               (a.device_category, a.admin_area_id, v.outcome),
                               (a.accident_date, v.outcome))""",
)
#: The same counts grouped by all eight columns at once (the report's former
#: query), kept as a second, slower reference.
CASUALTIES_8_SQL = (
    CASUALTIES_SQL[0],
    """SELECT v.victim_group, v.sex, v.age_band, a.device_category, a.admin_area_id,
              year(a.accident_date), month(a.accident_date), v.outcome, count(*)
       FROM victims v JOIN accidents a ON a.id = v.accident_id
       WHERE a.accident_date BETWEEN $start AND $until AND a.approval = 'approved'
         AND v.approval = 'approved'
       GROUP BY ALL""",
)
_RELEASED_BY_HAZARD = """(SELECT hazard_id, sum(area_m2) AS m2 FROM land_releases
       WHERE hazard_id IS NOT NULL AND {when} AND approval = 'approved' GROUP BY hazard_id)"""
LAND_RELEASE_SQL = (
    """SELECT admin_area_id, method, sum(area_m2) FROM land_releases
       WHERE release_date BETWEEN $start AND $until AND approval = 'approved' GROUP BY ALL""",
    """SELECT admin_area_id, sum(area_m2) FROM land_releases
       WHERE release_date <= $until AND approval = 'approved' GROUP BY ALL""",
    f"""SELECT h.admin_area_id, h.status, count(*), sum(h.area_m2),
              sum(greatest(h.area_m2 - coalesce(r.m2, 0), 0))
       FROM hazards h LEFT JOIN {_RELEASED_BY_HAZARD.format(when="release_date <= $until")} r
         ON r.hazard_id = h.id
       WHERE h.recorded_date <= $until AND h.approval = 'approved' GROUP BY ALL""",
    f"""SELECT h.id, h.status, h.area_m2, n.m2, t.m2
       FROM hazards h
       JOIN {_RELEASED_BY_HAZARD.format(when="release_date BETWEEN $start AND $until")} n
         ON n.hazard_id = h.id
       LEFT JOIN {_RELEASED_BY_HAZARD.format(when="release_date <= $until")} t ON t.hazard_id = h.id
       WHERE h.approval = 'approved' ORDER BY n.m2 DESC, h.id""",
)

#: Article 7: releases (count, area) and items destroyed per district, and the
#: AP-mined hazards still holding area at the period's end.
ARTICLE7_SQL = (
    """SELECT admin_area_id, method, count(*), sum(area_m2) FROM land_releases
       WHERE release_date BETWEEN $start AND $until AND approval = 'approved' GROUP BY ALL""",
    """SELECT admin_area_id, category, sum(quantity) FROM findings
       WHERE found_date BETWEEN $start AND $until AND approval = 'approved' GROUP BY ALL""",
    f"""SELECT h.admin_area_id, count(*), sum(h.area_m2 - coalesce(r.m2, 0))
       FROM hazards h LEFT JOIN {_RELEASED_BY_HAZARD.format(when="release_date <= $until")} r
         ON r.hazard_id = h.id
       WHERE h.recorded_date <= $until AND h.approval = 'approved'
         AND h.contamination IN ('ap_mines', 'mixed_mines')
         AND h.area_m2 - coalesce(r.m2, 0) > 0
       GROUP BY ALL""",
)

#: The Landmine Monitor table: victims by year, status, age band, sex and outcome.
LANDMINE_MONITOR_SQL = (
    """SELECT year(a.accident_date), v.victim_group, v.age_band, v.sex, v.outcome, count(*)
       FROM victims v JOIN accidents a ON a.id = v.accident_id
       WHERE a.accident_date BETWEEN $start AND $until AND a.approval = 'approved'
         AND v.approval = 'approved'
       GROUP BY ALL""",
)


def _beneficiaries_sql(table: str, kind: str, date: str) -> tuple[str, ...]:
    sums = ", ".join(f"sum({c.strip()})" for c in BENEFICIARIES.split(","))
    return (
        f"""SELECT admin_area_id, organisation_id, {kind}, count(*), {sums} FROM {table}
            WHERE {date} BETWEEN $start AND $until AND approval = 'approved' GROUP BY ALL""",
    )


EORE_SQL = _beneficiaries_sql("eore_sessions", "method", "session_date")
ASSISTANCE_SQL = _beneficiaries_sql("assistance", "assistance_type", "assistance_date")
EQUIPMENT_SQL = (
    """WITH last AS (
         SELECT equipment_id, status FROM (
           SELECT equipment_id, status, row_number() OVER (
             PARTITION BY equipment_id ORDER BY changed_date DESC, id DESC) AS rank
           FROM equipment_status_changes WHERE changed_date <= $until) WHERE rank = 1)
       SELECT e.organisation_id, e.equipment_type, coalesce(l.status, e.status), count(*)
       FROM equipment e LEFT JOIN last l ON l.equipment_id = e.id
       WHERE e.approval = 'approved'
         AND (l.status IS NOT NULL OR coalesce(e.acquired_date, e.status_date) <= $until)
       GROUP BY ALL""",
    """SELECT e.organisation_id, e.equipment_type, c.status, count(*)
       FROM equipment_status_changes c JOIN equipment e ON e.id = c.equipment_id
       WHERE c.changed_date BETWEEN $start AND $until
         AND c.status IN ('damaged', 'destroyed', 'lost')
         AND e.approval = 'approved'
       GROUP BY ALL""",
)
OPERATORS_SQL = (
    """SELECT a.organisation_id, a.activity_type, sum(p.area_m2), sum(p.team_days)
       FROM progress_reports p JOIN activities a ON a.id = p.activity_id
       WHERE p.report_date BETWEEN $start AND $until AND p.approval = 'approved'
         AND a.approval = 'approved'
       GROUP BY ALL""",
    """SELECT organisation_id, sum(area_m2) FROM land_releases
       WHERE release_date BETWEEN $start AND $until AND approval = 'approved' GROUP BY ALL""",
    """SELECT organisation_id, sum(quantity) FROM findings
       WHERE found_date BETWEEN $start AND $until AND approval = 'approved' GROUP BY ALL""",
)
#: The measures: label, report, period ("week" or "history"), DuckDB's queries.
MEASURES = (
    ("operations_week", "operations", "week", OPERATIONS_SQL),
    ("operations_history", "operations", "history", OPERATIONS_SQL),
    ("casualties_history", "casualties", "history", CASUALTIES_SQL),
    ("land-release_history", "land-release", "history", LAND_RELEASE_SQL),
    ("eore_history", "eore", "history", EORE_SQL),
    ("assistance_history", "assistance", "history", ASSISTANCE_SQL),
    ("equipment_history", "equipment", "history", EQUIPMENT_SQL),
    ("operators_history", "operators", "history", OPERATORS_SQL),
    ("article7_history", "article7", "history", ARTICLE7_SQL),
    ("landmine-monitor_history", "landmine-monitor", "history", LANDMINE_MONITOR_SQL),
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


def export_parquet(db: Database, folder: Path, tables: set[str]) -> dict[str, int]:
    """Write the columns the reports read of ``tables`` to Parquet; return row counts."""
    counts = {}
    with db.engine.connect() as conn:
        for table, columns in EXPORTS.items():
            if table not in tables:
                continue
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
            else:  # no rows: an empty file, so that DuckDB's views still open
                empty = pa.table([pa.array([], type=pa.null()) for _ in names], names=names)
                pq.write_table(empty, folder / f"{table}.parquet")
            counts[table] = batches
    return counts


def duckdb_runner(folder: Path, queries: tuple[str, ...], params: ReportParams) -> Any:
    """Return a function running ``queries`` in DuckDB over the Parquet files."""
    conn = duckdb.connect()
    for table in EXPORTS:
        path = folder / f"{table}.parquet"
        if not path.exists():  # not exported: no measure asked for reads it
            continue
        conn.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    args = {"start": params.date_from, "until": params.date_to}
    # DuckDB refuses a parameter that a query does not use.
    given = [{k: v for k, v in args.items() if f"${k}" in q} for q in queries]

    def run() -> list[list[Any]]:
        return [conn.execute(q, a).fetchall() for q, a in zip(queries, given, strict=True)]

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
            measures = chosen(args.only)
            week = busiest_week(db)
            exported = export_parquet(db, folder, read_by(measures))
            result: dict[str, Any] = {
                "load_s": load_s,
                "rows": exported,
                "week": [week.date_from.isoformat(), week.date_to.isoformat()],
                "history": [first.isoformat(), last.isoformat()],
            }
            periods = {"week": week, "history": history}
            for label, name, span, queries in measures:
                params = periods[span]
                console.print(f"{backend}: {label}")
                mine = time_report(db, name, params, args.runs)
                duck = duckdb_runner(folder, queries, params)
                ours = timed_runs(duck, args.runs)
                result[label] = {
                    "report": {k: v for k, v in mine.items() if k != "totals"},
                    "duckdb": ours,
                    "ratio": round(mine["median_s"] / ours["median_s"], 2),
                    "cpu_ratio": round(mine["cpu_median_s"] / ours["cpu_median_s"], 2),
                    "totals": mine["totals"],
                    "same_totals": _same(name, mine["totals"], duck()),
                }
            result["render_week"] = {}
            if args.only:
                return result
            # The casualties' former eight-column query in DuckDB, for reference.
            eight = timed_runs(duckdb_runner(folder, CASUALTIES_8_SQL, history), args.runs)
            result["casualties_history"]["duckdb_eight_columns"] = eight
            for fmt in ("html", "xlsx", "pdf"):

                def render(fmt: str = fmt) -> None:
                    with db.session() as s:
                        render_report(session=s, name="operations", params=week, fmt=fmt)

                result["render_week"][fmt] = timed_runs(render, max(1, args.runs // 2))
            return result
        finally:
            db.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def chosen(only: str | None) -> tuple[Any, ...]:
    """Return the measures ``--only`` names (labels, comma-separated), or all of them."""
    if not only:
        return MEASURES
    labels = [x.strip() for x in only.split(",") if x.strip()]
    known = {m[0] for m in MEASURES}
    unknown = [x for x in labels if x not in known]
    if unknown:
        raise SystemExit(f"--only: no measure {', '.join(unknown)}; choose from {sorted(known)}")
    return tuple(m for m in MEASURES if m[0] in labels)


def read_by(measures: tuple[Any, ...]) -> set[str]:
    """Return the tables the DuckDB queries of ``measures`` read."""
    sql = " ".join(q for *_rest, queries in measures for q in queries)
    return {t for t in EXPORTS if re.search(rf"\b{t}\b", sql)}


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
    if name == "casualties":
        victims = sum(int(r[-1]) for r in rows[1] if r[0] is not None)
        return bool(rows[0][0][0] == totals["accidents"] and victims == totals["victims"])
    if name == "land-release":
        released = sum(float(r[-1] or 0) for r in rows[0]) / 10_000
        hazards = sum(int(r[2]) for r in rows[2])
        left = sum(float(r[4] or 0) for r in rows[2]) / 10_000
        return bool(
            abs(released - totals["released_ha"]) <= 0.2
            and hazards == totals["hazards"]
            and abs(left - totals["remaining_ha"]) <= 0.2
        )
    if name in ("eore", "assistance"):
        count = "sessions" if name == "eore" else "records"
        people = sum(int(v or 0) for r in rows[0] for v in r[4:])
        n = sum(int(r[3]) for r in rows[0])
        return bool(n == totals[count] and people == totals["beneficiaries"])
    if name == "equipment":
        return bool(sum(int(r[-1]) for r in rows[0]) == totals["items"])
    if name == "operators":
        m2 = sum(float(r[-1] or 0) for r in rows[1])
        items = sum(int(r[-1] or 0) for r in rows[2])
        return bool(
            items == totals["items"] and abs(round(m2 / 10_000, 1) - totals["released_ha"]) <= 0.2
        )
    if name == "article7":
        areas = sum(int(r[2]) for r in rows[0])
        items = sum(int(r[-1] or 0) for r in rows[1])
        left = sum(int(r[1]) for r in rows[2])
        reported = sum(totals[f"{m}_areas"] for m in ("cancelled", "reduced", "cleared"))
        destroyed = totals["ap_mines"] + totals["at_mines"] + totals["other_items"]
        return bool(areas == reported and items == destroyed and left == totals["remaining_areas"])
    if name == "landmine-monitor":
        return bool(sum(int(r[-1]) for r in rows[0]) == totals["casualties"])
    raise ValueError(f"no DuckDB check for the {name} report")


def show(results: dict[str, Any]) -> None:
    """Print one row per backend and report: report median, DuckDB median, ratio."""
    table = Table(title=f"reports benchmark, scale {results['scale']}")
    for column in (
        "backend", "report", "ours ms", "DuckDB ms", "ratio", "ours CPU ms", "DuckDB CPU ms",
        "same totals",
    ):  # fmt: skip
        table.add_column(column, justify="left" if column in ("backend", "report") else "right")
    for backend, r in results["backends"].items():
        for label, *_rest in MEASURES:
            if label not in r:
                continue
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
    parser.add_argument(
        "--only",
        metavar="LABELS",
        help="time only these measures, comma-separated (e.g. eore_history,assistance_history); "
        "no rendering",
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
