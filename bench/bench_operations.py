"""Import speed of hazards, progress reports and NTS form submissions, through the services.

    python bench/bench_operations.py --rows 2000
    python bench/bench_operations.py --rows 2000 --postgis postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a fresh database (schema and Azerbaijan's areas), records one operator
and the survey tasks, writes three files of ``--rows`` rows each (a hazards
CSV with WKT polygons, a clearance-progress CSV and an ODK Central export of
the NTS form with geoshapes) and times ``import_file`` on each: every row is
checked and written through the service that owns its rules, as
``mineaction import`` does.  Prints a table; ``--output`` writes JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url

from mineaction.intake.pipeline import import_file
from mineaction.services import activities, admin_areas, organisations
from mineaction.store import schema
from mineaction.store.database import Database

console = Console()
CENTRE = (46.93, 39.99)  # Agdam District
TASKS_PER_100_ROWS = 10
FIRST_DAY = dt.date(2023, 1, 2)


def box(rng: random.Random, size_m: float) -> list[tuple[float, float]]:
    """Return the corners (lon, lat) of a square of ``size_m`` near the centre, closed."""
    lon = CENTRE[0] + rng.uniform(-0.02, 0.02)
    lat = CENTRE[1] + rng.uniform(-0.02, 0.02)
    d_lon, d_lat = size_m / 85_300, size_m / 111_100
    return [
        (lon, lat),
        (lon + d_lon, lat),
        (lon + d_lon, lat + d_lat),
        (lon, lat + d_lat),
        (lon, lat),
    ]


def wkt(corners: list[tuple[float, float]]) -> str:
    return "POLYGON((" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in corners) + "))"


def geoshape(corners: list[tuple[float, float]]) -> str:
    return ";".join(f"{y:.7f} {x:.7f} 0 4.0" for x, y in corners)


def write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def prepare(db: Database, rows: int) -> list[str]:
    """Record the operator and the NTS and clearance tasks; return the tasks' references."""
    schema.upgrade(db)
    with db.session(actor="bench") as s:
        admin_areas.load_azerbaijan(s)
        halo = organisations.create_organisation(session=s, code="HALO", name="HALO", type="ngo")
        s.flush()
        references = []
        for n in range(max(1, rows * TASKS_PER_100_ROWS // 100)):
            for kind in ("nts", "clearance_manual"):
                reference = f"{kind[:3].upper()}-{n:05d}"
                activities.create_activity(
                    session=s,
                    reference=reference,
                    activity_type=kind,
                    organisation_id=halo.id,
                    start_date=FIRST_DAY,
                )
                references.append(reference)
    return references


def files(folder: Path, rows: int, references: list[str], seed: int) -> dict[str, Path]:
    rng = random.Random(seed)
    nts_tasks = [r for r in references if r.startswith("NTS")]
    clearance_tasks = [r for r in references if r.startswith("CLE")]
    hazards = [
        [
            f"H-{n}",
            "",
            "",
            "cha",
            "ap_mines",
            "",
            "direct",
            "2022-05-01",
            "HALO",
            "",
            "",
            "road agriculture",
            wkt(box(rng, rng.uniform(50, 400))),
        ]
        for n in range(rows)
    ]
    progress = []
    for n in range(rows):
        task = clearance_tasks[n % len(clearance_tasks)]
        day = FIRST_DAY + dt.timedelta(days=n // len(clearance_tasks))
        lon, lat = box(rng, 1)[0]
        progress.append(
            [
                f"P-{n}",
                task,
                day.isoformat(),
                rng.uniform(200, 2000),
                1,
                "ongoing",
                "",
                13,
                rng.randint(0, 3),
                f"{lon:.7f}",
                f"{lat:.7f}",
            ]
        )
    nts = []
    for n in range(rows):
        task = nts_tasks[n % len(nts_tasks)]
        day = FIRST_DAY + dt.timedelta(days=n // len(nts_tasks))
        corners = box(rng, rng.uniform(50, 400))
        lon, lat = corners[0]
        nts.append(
            [
                "2024-05-03T07:12:44.000Z",
                str(uuid.UUID(int=rng.getrandbits(128))),
                task,
                "HALO",
                "NTS-03",
                day.isoformat(),
                "sha",
                "ap_mines",
                "informant",
                "agriculture",
                50,
                f"{lat} {lon} 0 4",
                lon,
                lat,
                geoshape(corners),
                250000,
                180000,
                1,
                f"uuid:{n}",
            ]
        )
    return {
        "hazards": write(
            folder / "hazards.csv",
            [
                "id",
                "reference",
                "name",
                "hazard_type",
                "contamination",
                "status",
                "evidence",
                "recorded_date",
                "operator",
                "district",
                "expected_beneficiaries",
                "blockages",
                "geometry",
            ],
            hazards,
        ),
        "progress": write(
            folder / "progress.csv",
            [
                "id",
                "activity_id",
                "date",
                "area_m2",
                "team_days",
                "status",
                "notes",
                "depth_cm",
                "eo_found",
                "lon",
                "lat",
            ],
            progress,
        ),
        "nts": write(
            folder / "nts.csv",
            [
                "SubmissionDate",
                "id",
                "g-activity_id",
                "g-operator",
                "g-team",
                "g-date",
                "h-hazard_type",
                "h-contamination",
                "h-evidence",
                "h-blockages",
                "h-expected_beneficiaries",
                "position",
                "lon",
                "lat",
                "boundary",
                "surveyed_m2",
                "cancelled_m2",
                "team_days",
                "KEY",
            ],
            nts,
        ),
    }


@contextlib.contextmanager
def database(postgis: str | None) -> Iterator[Database]:
    if postgis is None:
        folder = Path(tempfile.mkdtemp(prefix="bench_operations_"))
        db = Database(f"sqlite:///{folder / 'bench.db'}")
        try:
            yield db
        finally:
            db.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"bench_operations_{os.getpid()}"
    admin = make_url(postgis).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    db = Database(make_url(postgis).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(rows: int, seed: int, postgis: str | None) -> dict[str, Any]:
    results: dict[str, Any] = {"backend": "postgis" if postgis else "sqlite", "rows": rows}
    with database(postgis) as db, tempfile.TemporaryDirectory() as tmp:
        references = prepare(db, rows)
        paths = files(Path(tmp), rows, references, seed)
        for kind in ("hazards", "progress", "nts"):
            start = time.perf_counter()
            report = import_file(db, kind, paths[kind], actor="bench")
            seconds = time.perf_counter() - start
            assert report.created == rows, (kind, report.created)
            results[kind] = {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds, 1)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows of each file (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgis", help="a PostgreSQL server URL: also run on PostGIS")
    parser.add_argument("--output", type=Path, help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    results = [run(args.rows, args.seed, None)]
    if args.postgis:
        results.append(run(args.rows, args.seed, args.postgis))
    table = Table(title=f"Import of {args.rows:,} rows per file")
    for column in ("backend", "hazards", "progress", "nts (3 records each)"):
        table.add_column(column, justify="right")
    for r in results:
        cells = [
            f"{r[k]['seconds']} s ({r[k]['rows_per_s']:,.0f}/s)"
            for k in ("hazards", "progress", "nts")
        ]
        table.add_row(r["backend"], *cells)
    console.print(table)
    if args.output:
        args.output.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
