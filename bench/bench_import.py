"""Import benchmark: 1,000,000 EO findings from CSV, against pyogrio writing a GeoPackage.

It writes a CSV of realistic findings (deterministic seed, in a temporary
directory): positions uniformly in the districts of the Karabakh and East
Zangazur regions in proportion to their areas, a quarter of the rows naming
their district, six operators, the IMAS categories with typical models,
dates over four years.  Then, in the same run:

- ``import findings`` on SQLite and on PostgreSQL+PostGIS, through
  ``pipeline.import_file`` (the function ``mineaction import`` calls), with
  full validation, each in a fresh database and in its own process, so that
  its peak memory (max RSS) is its own;
- pyogrio writing the same rows (points plus the same columns) to a
  GeoPackage, from arrays already in memory ("write"), and GDAL converting
  the CSV to a GeoPackage ("CSV to GPKG": read with GDAL's CSV driver, write);

and reports seconds, rows/s, peak memory and the ratio of each import to the
pyogrio write.  With ``--repeats N`` every measurement is repeated, in rounds
(pyogrio, GDAL, the imports, then again), and the medians reported, with
each round's own ratio.  Every measurement starts with the disk settled
(``os.sync``): the gigabyte a run leaves for the kernel to write back would
otherwise be written during the next run, and counted in its time.  Each
import's SQLite file is deleted after it is measured, as each pyogrio run
replaces its GeoPackage: with the files of earlier imports kept on disk,
each import was slower than the one before it (11.1, 12.3, 13.7 s; with
them deleted 11.8, 11.3, 11.3 s, on 1 December 2026).

With ``--baseline REVISION`` every round also imports the CSV with that
revision's code (its tree written out with ``git archive``), into a fresh
database its own code prepares, the two versions in turn (the baseline first
in odd rounds, this tree first in even ones): on a machine whose speed drifts
from minute to minute, only such pairs tell a change from the noise.  Each
round's difference is reported, with their median and how many rounds this
tree was the quicker.

    python bench/bench_import.py --rows 100000                 # a quick run
    python bench/bench_import.py --output bench/results/import-1m.json
    python bench/bench_import.py --scale 0.05 --backends sqlite
    python bench/bench_import.py --rows 20000 --per-row        # the bulk and the per-row path
    python bench/bench_import.py --repeats 5 --baseline fcea72c   # this tree against fcea72c
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pyogrio
import pyogrio.raw
import shapely
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url

from baseline_tree import commit_of, export

BACKENDS = ("sqlite", "postgis")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
FULL_ROWS = 1_000_000
REGIONS = ("AZE.region.karabakh", "AZE.region.east_zangazur")
OPERATORS = {
    "ANAMA": ("Azerbaijan National Agency for Mine Action", "national_authority"),
    "MOD": ("Ministry of Defence", "military"),
    "MES": ("Ministry of Emergency Situations", "civil_protection"),
    "SBS": ("State Border Service", "military"),
    "HALO": ("The HALO Trust", "international_ngo"),
    "AZTC": ("Azerbaijan demining company", "commercial"),
}
#: Categories with their share of the finds and typical models ("" for none written).
CATEGORIES = {
    "uxo": (0.55, ["122 mm shell", "82 mm mortar", "RPG-7 rocket", "hand grenade F-1", ""]),
    "ap_mine": (0.2, ["PMN-2", "PMN", "OZM-72", "POMZ-2M"]),
    "at_mine": (0.12, ["TM-62M", "TM-57", "TM-62P"]),
    "submunition": (0.06, ["9N235", "M77"]),
    "abandoned_ordnance": (0.04, ["", "small arms ammunition"]),
    "ied": (0.01, [""]),
    "other": (0.02, [""]),
}
HEADER = ["id", "date", "operator", "district", "category", "model", "quantity", "lon", "lat"]
HEADER += ["activity_id", "date_precision"]

console = Console()


def districts() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the names, polygons and area weights of the regions' districts."""
    from mineaction.geo import geodesic_area_m2
    from mineaction.services.admin_areas import azerbaijan_specs

    specs = [s for s in azerbaijan_specs() if s.level == "district" and s.parent_code in REGIONS]
    geoms = np.array([s.geom for s in specs], dtype=object)
    areas = np.array([geodesic_area_m2(g) for g in geoms])
    return [s.name for s in specs], geoms, areas / areas.sum()


def generate(path: Path, rows: int, seed: int) -> dict[str, np.ndarray]:
    """Write ``rows`` findings to the CSV ``path``; return the columns for pyogrio."""
    rng = np.random.default_rng(seed)
    names, geoms, weights = districts()
    shapely.prepare(geoms)
    which = rng.choice(len(names), size=rows, p=weights)
    x, y = np.empty(rows), np.empty(rows)
    for d in range(len(names)):
        slots = np.flatnonzero(which == d)
        minx, miny, maxx, maxy = geoms[d].bounds
        got = 0
        while got < len(slots):
            n = 2 * (len(slots) - got) + 16
            cx, cy = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
            keep = shapely.contains_xy(geoms[d], cx, cy)
            take = min(int(keep.sum()), len(slots) - got)
            x[slots[got : got + take]] = cx[keep][:take]
            y[slots[got : got + take]] = cy[keep][:take]
            got += take
    x, y = np.round(x, 6), np.round(y, 6)
    cats = list(CATEGORIES)
    category = rng.choice(len(cats), size=rows, p=[CATEGORIES[c][0] for c in cats])
    model_pick = rng.integers(0, 1000, size=rows)
    start = np.datetime64("2021-01-01")
    days = (np.datetime64(dt.date.today()) - start).astype(int)
    date = (start + rng.integers(0, days, size=rows)).astype(str)
    quantity = np.where(rng.random(rows) < 0.8, 1, rng.integers(2, 40, size=rows))
    operator = rng.choice(sorted(OPERATORS), size=rows)
    named = rng.random(rows) < 0.25
    precision = np.where(rng.random(rows) < 0.1, "month", "")
    columns: dict[str, Any] = {
        "id": np.array([f"F-{seed}-{i:07d}" for i in range(rows)], dtype=object),
        "date": date.astype(object),
        "operator": operator.astype(object),
        "district": np.array([names[w] if n else "" for w, n in zip(which, named, strict=True)]),
        "category": np.array([cats[c] for c in category], dtype=object),
        "model": np.array(
            [
                CATEGORIES[cats[c]][1][m % len(CATEGORIES[cats[c]][1])]
                for c, m in zip(category, model_pick, strict=True)
            ],
            dtype=object,
        ),
        "quantity": quantity.astype(np.int32),
        "lon": x,
        "lat": y,
        "activity_id": np.full(rows, "", dtype=object),
        "date_precision": precision.astype(object),
    }
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(zip(*(columns[h].tolist() for h in HEADER), strict=True))
    return columns


def pyogrio_write(columns: dict[str, Any], target: Path) -> tuple[float, float]:
    """Write the rows as points with their columns to a GeoPackage; return wall and CPU s."""
    target.unlink(missing_ok=True)
    os.sync()
    started, cpu = time.perf_counter(), time.process_time()
    wkb = shapely.to_wkb(shapely.points(columns["lon"], columns["lat"]))
    fields = [h for h in HEADER if h not in ("lon", "lat")]
    data = [columns[f] for f in fields]
    pyogrio.raw.write(
        str(target), wkb, data, fields, driver="GPKG", geometry_type="Point", crs="EPSG:4326"
    )
    return time.perf_counter() - started, time.process_time() - cpu


def gdal_convert(csv_path: Path, target: Path) -> tuple[float, float]:
    """Read the CSV with GDAL (lon/lat as the point), write a GeoPackage; return wall, CPU s."""
    target.unlink(missing_ok=True)
    os.sync()
    started, cpu = time.perf_counter(), time.process_time()
    meta, _fids, geometry, field_data = pyogrio.raw.read(
        str(csv_path), X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat", KEEP_GEOM_COLUMNS="NO"
    )
    pyogrio.raw.write(
        str(target),
        geometry,
        field_data,
        list(meta["fields"]),
        driver="GPKG",
        geometry_type="Point",
        crs="EPSG:4326",
    )
    return time.perf_counter() - started, time.process_time() - cpu


def prepare(url: str) -> None:
    """Create the schema, Azerbaijan's areas and the operators in a fresh database."""
    from mineaction.services.admin_areas import load_azerbaijan
    from mineaction.store import schema
    from mineaction.store.database import Database
    from mineaction.store.tables import Organisation

    db = Database(url)
    schema.upgrade(db)
    with db.session(actor="bench") as session:
        load_azerbaijan(session)
        session.add_all(
            Organisation(code=code, name=name, type=kind)
            for code, (name, kind) in OPERATORS.items()
        )
    db.dispose()


def peak_rss_bytes() -> int:
    """Return this process's peak resident memory since it started (VmHWM).

    Not ``getrusage``: after fork and exec, its ``ru_maxrss`` keeps the parent's
    peak, so a child started by a large parent would report the parent's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_import(url: str, csv_path: str, path: str = "bulk") -> None:
    """Run one import in this process and print its seconds, counts and peak memory as JSON.

    ``path`` is "bulk" (what ``mineaction import`` does) or "per-row" (the row-by-row path).
    """
    import mineaction
    from mineaction.intake.pipeline import import_file
    from mineaction.store.database import Database

    db = Database(url)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_file(  # as ``mineaction import`` calls it
        db, "findings", Path(csv_path), actor="bench", bulk=path == "bulk", take_database=True
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_bytes()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_s": cpu,
                "created": report.created,
                "peak_bytes": peak,
                "code": mineaction.__file__,
            }
        )
    )


def run_import(
    backend: str,
    csv_path: Path,
    workdir: Path,
    server: str,
    path: str = "bulk",
    src: Path | None = None,
) -> dict[str, Any]:
    """Import the CSV into a fresh database of ``backend`` in a child process.

    With ``src``, the code under that folder prepares the database and imports (the
    child's ``mineaction`` is checked to come from there); else this process's code.
    """
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite:///{workdir / (name + '.db')}"
    else:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        paths = ([str(src)] if src is not None else []) + sys.path
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        if src is None:
            prepare(url)
        else:  # its own schema and areas
            subprocess.run([sys.executable, __file__, "--child-prepare", url], env=env, check=True)
        os.sync()
        out = subprocess.run(
            [sys.executable, __file__, "--child-import", url, str(csv_path), path],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        figures = dict(json.loads(out.strip().splitlines()[-1]))
        if src is not None and not Path(figures["code"]).is_relative_to(src):
            raise RuntimeError(f"the import ran {figures['code']}, not the code in {src}")
        return figures
    finally:
        if backend == "postgis":
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:  # as pyogrio's file is replaced (see the top of this file)
            for file in workdir.glob(f"{name}.db*"):
                file.unlink()


def median_of(values: list[float]) -> float:
    return float(statistics.median(values))


def against(base: list[dict[str, Any]], runs: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    """Return the baseline's figures and each round's difference, this tree minus it."""
    assert all(r["created"] == rows for r in base), base
    differences = [r["seconds"] - b["seconds"] for r, b in zip(runs, base, strict=True)]
    return {
        "import_s": median_of([b["seconds"] for b in base]),
        "import_cpu_s": median_of([b["cpu_s"] for b in base]),
        "runs_s": [round(b["seconds"], 2) for b in base],
        "peak_mib": max(b["peak_bytes"] for b in base) / 2**20,
        "differences_s": [round(d, 2) for d in differences],
        "median_difference_s": round(median_of(differences), 2),
        "rounds_faster": sum(d < 0 for d in differences),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows (default 1,000,000)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 rows")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each measurement")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--per-row", action="store_true", help="also time the row-by-row path (small runs only)"
    )
    parser.add_argument(
        "--baseline", help="git revision also imported in every round, in turn with this tree"
    )
    parser.add_argument("--child-import", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-prepare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(*args.child_import)
        return
    if args.child_prepare:
        prepare(args.child_prepare)
        return
    rows = args.rows or round(FULL_ROWS * args.scale)
    backends = [b for b in args.backends.split(",") if b]
    results: dict[str, Any] = {
        "rows": rows,
        "seed": args.seed,
        "repeats": args.repeats,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }
    if args.baseline:
        results["baseline"] = commit_of(args.baseline)
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        workdir = Path(tmp)
        base_src = None
        if args.baseline:
            base_src = export(results["baseline"], workdir / "baseline") / "src"
        csv_path = workdir / "findings.csv"
        started = time.perf_counter()
        columns = generate(csv_path, rows, args.seed)
        results["generate_s"] = time.perf_counter() - started
        results["csv_bytes"] = csv_path.stat().st_size
        console.print(f"{rows:,} findings written to CSV in {results['generate_s']:.1f} s")
        # Rounds of every measurement in turn, so that a machine that speeds up or slows
        # down during the run weighs on the baseline and on the imports alike.
        writes: list[tuple[float, float]] = []
        converts: list[tuple[float, float]] = []
        imports: dict[str, list[dict[str, Any]]] = {backend: [] for backend in backends}
        base_imports: dict[str, list[dict[str, Any]]] = {backend: [] for backend in backends}
        for round_ in range(args.repeats):
            writes.append(pyogrio_write(columns, workdir / "w.gpkg"))
            converts.append(gdal_convert(csv_path, workdir / "c.gpkg"))
            for backend in backends:
                sides = [(imports, None, "this tree")]
                if base_src is not None:
                    sides.insert(round_ % 2, (base_imports, base_src, "baseline"))
                for runs, src, label in sides:
                    runs[backend].append(
                        run_import(backend, csv_path, workdir, args.server, src=src)
                    )
                    seconds = runs[backend][-1]["seconds"]
                    console.print(f"round {round_ + 1}, {backend}, {label}: {seconds:.1f} s")
        results["pyogrio_write_s"] = median_of([w for w, _ in writes])
        results["pyogrio_write_cpu_s"] = median_of([c for _, c in writes])
        results["pyogrio_write_runs_s"] = [round(w, 2) for w, _ in writes]
        results["gdal_csv_to_gpkg_s"] = median_of([w for w, _ in converts])
        results["gdal_csv_to_gpkg_cpu_s"] = median_of([c for _, c in converts])
        del columns
        for backend in backends:
            runs = imports[backend]
            assert all(r["created"] == rows for r in runs), runs
            results[backend] = {
                "import_s": median_of([r["seconds"] for r in runs]),
                "import_cpu_s": median_of([r["cpu_s"] for r in runs]),
                "runs_s": [round(r["seconds"], 2) for r in runs],
                # each round's import over that round's pyogrio write
                "round_ratios": [
                    round(r["seconds"] / w, 2) for r, (w, _) in zip(runs, writes, strict=True)
                ],
                "peak_mib": max(r["peak_bytes"] for r in runs) / 2**20,
            }
            if base_src is not None:
                results[backend]["baseline"] = against(base_imports[backend], runs, rows)
            if args.per_row:
                slow = run_import(backend, csv_path, workdir, args.server, "per-row")
                results[backend]["per_row_s"] = slow["seconds"]
                results[backend]["per_row_cpu_s"] = slow["cpu_s"]
                console.print(f"{backend}, row by row: {slow['seconds']:.1f} s")
    report(results, backends)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n")


def report(results: dict[str, Any], backends: list[str]) -> None:
    """Print the figures as a table (CPU: this process's, not the PostgreSQL server's)."""
    rows, write = results["rows"], results["pyogrio_write_s"]
    table = Table(title=f"Importing {rows:,} findings (median of {results['repeats']})")
    for column in ("what", "wall s", "CPU s", "rows/s", "× pyogrio write", "peak memory"):
        table.add_column(column, justify="right" if column != "what" else "left")
    lines = [
        ("pyogrio write to GeoPackage", write, results["pyogrio_write_cpu_s"], ""),
        (
            "GDAL CSV to GeoPackage",
            results["gdal_csv_to_gpkg_s"],
            results["gdal_csv_to_gpkg_cpu_s"],
            "",
        ),
    ]
    for backend in backends:
        r = results[backend]
        memory = f"{r['peak_mib']:,.0f} MiB"
        lines.append((f"import findings, {backend}", r["import_s"], r["import_cpu_s"], memory))
        if "baseline" in r:
            b = r["baseline"]
            what = f"  baseline {results['baseline'][:7]}, {backend}"
            lines.append((what, b["import_s"], b["import_cpu_s"], f"{b['peak_mib']:,.0f} MiB"))
        if "per_row_s" in r:
            lines.append((f"  row by row, {backend}", r["per_row_s"], r["per_row_cpu_s"], ""))
    for what, wall, cpu, memory in lines:
        table.add_row(
            what, f"{wall:.1f}", f"{cpu:.1f}", f"{rows / wall:,.0f}", f"{wall / write:.1f}", memory
        )
    console.print(table)
    for backend in backends:
        if "baseline" in results[backend]:
            b = results[backend]["baseline"]
            console.print(
                f"{backend}: this tree minus the baseline, round by round "
                f"{b['differences_s']} s, median {b['median_difference_s']:+.2f} s, "
                f"quicker in {b['rounds_faster']} of {len(b['differences_s'])} rounds"
            )


if __name__ == "__main__":
    main()
