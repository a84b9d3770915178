"""Minefield-record verification at national scale, against its floor and GeoPandas.

On a database written by ``bench/generate.py`` (every finding and accident,
50,000 hazards and 500 records at scale 1.0) it measures, each in a fresh
subprocess so that its peak memory is its own:

- **verify**: ``verify_records`` over *every* finding and accident (the rules'
  categories widened to all EO categories), as ``mineaction records verify``
  runs it: read, project, join, coverage, nearest record, hazards, clusters;
- **floor**: the bare minimum for the same join — read the same points (ids and
  coordinates) and the same polygons (records and hazards) and join them with
  one Shapely 2 STRtree (``intersects``);
- **geopandas**: the same read, then ``geopandas.sjoin`` (intersects).

    python bench/bench_records.py --database sqlite:///national.db --output OUT.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
from sqlalchemy import func, select

from mineaction.analytics.verification import Rules, verify_records
from mineaction.domain.vocab import EO_CATEGORY
from mineaction.store.database import Database
from mineaction.store.tables import Accident, Finding, Hazard, MinefieldRecord

MEASURES = ("verify", "floor", "geopandas")


def peak_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_inputs(db: Database) -> tuple[np.ndarray, np.ndarray, list[Any], float]:
    """Return every finding's and accident's coordinates, records + hazards, and the time."""
    started = time.perf_counter()
    with db.session() as session:
        xs, ys = [], []
        for model in (Finding, Accident):
            query = select(model.min_x, model.min_y).where(model.min_x.is_not(None))
            result = session.connection().execute(query.execution_options(yield_per=100_000))
            for batch in result.partitions():
                x, y = zip(*batch, strict=True)
                xs.append(np.fromiter(x, np.float64, len(batch)))
                ys.append(np.fromiter(y, np.float64, len(batch)))
        polygons = [g for (g,) in session.execute(select(MinefieldRecord.geom))]
        polygons += [
            g for (g,) in session.execute(select(Hazard.geom).execution_options(yield_per=5000))
        ]
    return np.concatenate(xs), np.concatenate(ys), polygons, time.perf_counter() - started


def measure(kind: str, url: str) -> dict[str, Any]:
    """Run one measurement in this process and return its figures."""
    db = Database(url)
    if kind == "verify":
        rules = Rules(finding_categories=tuple(EO_CATEGORY), accident_devices=tuple(EO_CATEGORY))
        steps: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(step: str, done: int, total: int) -> None:
            if done == total:
                now = time.perf_counter()
                steps[step] = round(steps.get(step, 0.0) + now - last[0], 3)
                last[0] = now

        started = time.perf_counter()
        with db.session() as session:
            result = verify_records(session, rules=rules, progress=progress)
        seconds = time.perf_counter() - started
        summary = result.summary()
        return {
            "seconds": round(seconds, 3),
            "steps": steps,
            "points": summary["findings"] + summary["accidents"],
            "records": summary["records"],
            "proposed_areas": len(result.proposed),
            "summary": summary,
            "peak_mb": round(peak_mb(), 1),
        }
    x, y, polygons, read_s = read_inputs(db)
    started = time.perf_counter()
    if kind == "floor":
        points = shapely.points(x, y)
        tree = shapely.STRtree(polygons)
        pairs = tree.query(points, predicate="intersects")
        joined = int(pairs.shape[1])
    else:
        import geopandas as gpd

        left = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
        right = gpd.GeoDataFrame(geometry=polygons, crs=4326)
        joined = len(gpd.sjoin(left, right, predicate="intersects", how="inner"))
    join_s = time.perf_counter() - started
    return {
        "seconds": round(read_s + join_s, 3),
        "read_s": round(read_s, 3),
        "join_s": round(join_s, 3),
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
    parser.add_argument("--runs", type=int, default=1, help="runs of each measure (best kept)")
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
    for kind in MEASURES:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--database", args.database, "--measure", kind],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = min(runs, key=lambda r: r["seconds"])
        figures[kind] = best
        print(f"{kind:10} {best['seconds']:8.2f} s  peak {best['peak_mb']:7.1f} MB", flush=True)
    floor = figures["floor"]["seconds"]
    figures["verify_over_floor"] = round(figures["verify"]["seconds"] / floor, 2)
    figures["geopandas_over_floor"] = round(figures["geopandas"]["seconds"] / floor, 2)
    figures["verify_s_per_million_points"] = round(
        figures["verify"]["seconds"] / (figures["verify"]["points"] / 1e6), 2
    )
    print(json.dumps({k: v for k, v in figures.items() if k.endswith(("floor", "points"))}))
    if args.output:
        args.output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
