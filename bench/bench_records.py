"""Minefield-record verification at national scale, against its floor and GeoPandas.

On a database written by ``bench/generate.py`` (every finding and accident,
50,000 hazards and 500 records at scale 1.0) it measures, each in a fresh
subprocess so that its peak memory is its own:

- **verify**: ``verify_records`` over *every* finding and accident (the rules'
  categories widened to all EO categories), as ``mineaction records verify``
  runs it: read, project, join, coverage, nearest record, hazards, clusters.
  It reads each point's id, position, category, quantity and date;
- **floor**: the bare minimum for the same join — read the same points'
  coordinates (two numbers a row, straight into numpy by the same driver
  path the verification uses: ``sqlite3`` rows, or rows packed into bytea
  by PostgreSQL) and the same
  polygons (records and hazards, WKB in one query), and join them with one
  Shapely 2 STRtree (built over the points, queried with each polygon,
  ``intersects``: the faster of the two directions);
- **geopandas**: the same read, then ``geopandas.sjoin`` (intersects);
- **forms** (PostGIS only): "which points lie within 50 m of a hazard" in
  the database, as a LATERAL join driving from the hazards into the points'
  GiST index and in the planner's default form (``NOT EXISTS``, driving from
  the points), and the same join in process (what the verification does).

``--baseline-src DIR`` also runs **verify** with the code in DIR (e.g. a
worktree of main) in the same run.

    python bench/bench_records.py --database sqlite:///national.db --output OUT.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, select, text

from mineaction.domain.vocab import EO_CATEGORY
from mineaction.store.database import Database
from mineaction.store.tables import Accident, Finding, Hazard, MinefieldRecord

MEASURES = ("verify", "floor", "geopandas", "forms")


def peak_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_coordinates(db: Database) -> tuple[np.ndarray, np.ndarray]:
    """Return every finding's and accident's lon/lat, read straight into numpy."""
    xs, ys = [], []
    with db.session() as session:
        for table in ("findings", "accidents"):
            sql = f"SELECT min_x, min_y FROM {table} WHERE min_x IS NOT NULL"
            if db.dialect == "postgresql":
                from mineaction.analytics.spatial.postgis import packed_rows

                rows = packed_rows(session, sql, [("x", ">f8"), ("y", ">f8")])
            else:
                raw = session.connection().connection.driver_connection
                rows = np.fromiter(raw.execute(sql), dtype=[("x", "f8"), ("y", "f8")])
            xs.append(rows["x"].astype(np.float64))
            ys.append(rows["y"].astype(np.float64))
    return np.concatenate(xs), np.concatenate(ys)


def read_polygons(db: Database) -> np.ndarray:
    """Return every record's and hazard's polygon (lon/lat), read as WKB in one query each."""
    column = "ST_AsBinary(geom)" if db.dialect == "postgresql" else "geom"
    blobs: list[bytes] = []
    with db.session() as session:
        for table in ("minefield_records", "hazards"):
            rows = session.execute(text(f"SELECT {column} FROM {table} WHERE geom IS NOT NULL"))
            blobs += [bytes(b) for (b,) in rows]
    return shapely.from_wkb(np.array(blobs, dtype=object))


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = clock()
    return round(now[0] - start[0], 3), round(now[1] - start[1], 3)


def measure_verify(db: Database) -> dict[str, Any]:
    """Run the verification as the command does, every EO category; return its figures."""
    from mineaction.analytics.verification import Rules, verify_records
    from mineaction.domain.vocab import EO_CATEGORY

    rules = Rules(finding_categories=tuple(EO_CATEGORY), accident_devices=tuple(EO_CATEGORY))
    steps: dict[str, list[float]] = {}
    last = [clock()]

    def progress(step: str, done: int, total: int) -> None:
        if done == total:
            wall, cpu = since(last[0])
            steps[step] = [wall, cpu, round(peak_mb())]
            last[0] = clock()

    started = clock()
    with db.session() as session:
        result = verify_records(session, rules=rules, progress=progress)
    wall, cpu = since(started)
    summary = result.summary()
    return {
        "seconds": wall,
        "cpu_s": cpu,
        "steps (wall s, cpu s, peak MB so far)": steps,
        "points": summary["findings"] + summary["accidents"],
        "records": summary["records"],
        "proposed_areas": len(result.proposed),
        "summary": summary,
        "peak_mb": round(peak_mb(), 1),
    }


def measure_forms(db: Database) -> dict[str, Any]:
    """Time "points within 50 m of a hazard" in PostGIS (two forms) and in process."""
    from sqlalchemy import literal_column, select

    from mineaction.analytics.spatial import Metric, PointSet, near_any, postgis
    from mineaction.analytics.verification.spatial import finding_filter, load_findings

    out: dict[str, Any] = {}
    with db.session() as session:
        session.execute(text("SET jit = off"))
        where = finding_filter(tuple(EO_CATEGORY), None, None)
        found = load_findings(session, tuple(EO_CATEGORY), None, None)
        metric = Metric(float(found.lon.mean()), float(found.lat.mean()))
        x, y = metric.xy(found.lon, found.lat)
        points = PointSet(Finding, where, found.ids, found.lon, found.lat, x, y)
        approved = [Hazard.approval == "approved"]
        polygons = str(
            select(Hazard.id.label("id"), literal_column("hazards.geom").label("geom"))
            .where(*approved)
            .compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        )
        lat = float(np.abs(found.lat).max())
        start = clock()
        default = postgis.outside_default_form(session, polygons, points.sql(session), 50.0, lat)
        out["default form (NOT EXISTS), wall/cpu s"] = since(start)
        start = clock()
        lateral = near_any(session, Hazard, approved, points, 50.0, metric)
        out["LATERAL from the hazards, wall/cpu s"] = since(start)
        start = clock()
        here = near_any(session, Hazard, approved, points, 50.0, metric, in_database=False)
        out["in process (point grid), wall/cpu s"] = since(start)
    out["points"] = len(points)
    out["outside, default form"] = len(default)
    out["outside, LATERAL"] = int((~lateral).sum())
    out["outside, in process"] = int((~here).sum())
    out["peak_mb"] = round(peak_mb(), 1)
    return out


def measure(kind: str, url: str) -> dict[str, Any]:
    """Run one measurement in this process and return its figures."""
    db = Database(url)
    if kind == "verify":
        return measure_verify(db)
    if kind == "forms":
        return measure_forms(db)
    start = clock()
    x, y = read_coordinates(db)
    read_points = since(start)
    start = clock()
    polygons = read_polygons(db)
    read_polys = since(start)
    start = clock()
    if kind == "floor":
        points = shapely.points(x, y)
        tree = shapely.STRtree(points)
        pairs = tree.query(polygons, predicate="intersects")
        joined = int(pairs.shape[1])
    else:
        import geopandas as gpd

        left = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
        right = gpd.GeoDataFrame(geometry=polygons, crs=4326)
        joined = len(gpd.sjoin(left, right, predicate="intersects", how="inner"))
    join = since(start)
    return {
        "seconds": round(read_points[0] + read_polys[0] + join[0], 3),
        "cpu_s": round(read_points[1] + read_polys[1] + join[1], 3),
        "read points (wall/cpu s)": read_points,
        "read polygons (wall/cpu s)": read_polys,
        "join (wall/cpu s)": join,
        "points": len(x),
        "polygons": len(polygons),
        "pairs": joined,
        "peak_mb": round(peak_mb(), 1),
    }


def counts(url: str) -> dict[str, int]:
    """Return the rows of each table the verification reads."""
    db = Database(url)
    with db.session() as session:
        return {
            m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Finding, Accident, Hazard, MinefieldRecord)
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database made by bench/generate.py")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    parser.add_argument("--measure", choices=MEASURES, help=argparse.SUPPRESS)
    parser.add_argument(
        "--runs", type=int, default=1, help="rounds of every measure in turn (the median kept)"
    )
    parser.add_argument(
        "--baseline-src", type=Path, help="also run verify with the package in this src folder"
    )
    args = parser.parse_args()
    if args.measure:  # a child: one measurement, figures on stdout
        print(json.dumps(measure(args.measure, args.database)))
        return
    figures: dict[str, Any] = {
        "benchmark": "records-verification",
        "database": Database(args.database).display_url(),
        "rows": counts(args.database),
        "machine": {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "packages": {
                p: metadata.version(p) for p in ("shapely", "numpy", "geopandas", "sqlalchemy")
            },
        },
    }
    figures["load_average"] = {"before": os.getloadavg()}
    jobs = [
        (k, None)
        for k in MEASURES
        if k != "forms" or Database(args.database).dialect == "postgresql"
    ]
    if args.baseline_src:
        jobs.insert(1, ("verify", args.baseline_src))
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.runs):  # each measure once a round, so that drift hits them alike
        for kind, src in jobs:
            env = dict(os.environ)
            if src:
                env["PYTHONPATH"] = str(src)
            out = subprocess.run(
                [sys.executable, __file__, "--database", args.database, "--measure", kind],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            run = json.loads(out.stdout.strip().splitlines()[-1])
            if src:
                run["src"] = str(src)
            name = "baseline_verify" if src else kind
            runs.setdefault(name, []).append(run)
            print(f"{name:16} {json.dumps(run)}", flush=True)
    for name, done in runs.items():
        # The median run (of an even count, the slower of the middle two), with every run's times.
        median = sorted(done, key=lambda r: r.get("seconds", 0))[len(done) // 2]
        median["runs (wall s)"] = [r.get("seconds") for r in done]
        median["runs (cpu s)"] = [r.get("cpu_s") for r in done]
        figures[name] = median
    figures["load_average"]["after"] = os.getloadavg()
    floor = figures["floor"]
    for name in ("verify", "baseline_verify", "geopandas"):
        if name in figures:
            figures[f"{name}_over_floor"] = {
                "wall": round(figures[name]["seconds"] / floor["seconds"], 2),
                "cpu": round(figures[name]["cpu_s"] / floor["cpu_s"], 2),
            }
    figures["verify_s_per_million_points"] = {
        "wall": round(figures["verify"]["seconds"] / (figures["verify"]["points"] / 1e6), 2),
        "cpu": round(figures["verify"]["cpu_s"] / (figures["verify"]["points"] / 1e6), 2),
    }
    print(json.dumps({k: v for k, v in figures.items() if k.endswith(("floor", "points"))}))
    if args.output:
        args.output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
