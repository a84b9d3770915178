"""Reading a national-size database after a large import: the pages people open first.

A million imported findings make a database the demo never shows: an audit
log with an entry per record (about 570 MB on SQLite) and a findings table
whose approval column holds one value.  The benchmark imports ``--rows``
generated findings (``bench_import.generate``, as ``mineaction import`` does)
into a fresh database of each backend, then, in this process with the
application in-process (no network), times:

- a record's history: the service call (``approval.history``),
  ``GET /api/records/findings/ID/history`` and the record page
  ``/records/findings/ID``, for ``--records`` findings spread over the table;
- the dashboard (``/dashboard``) and the home page (``/``), each asked
  ``--records`` times;
- the map's findings layer for the whole country with a period filter (a
  view the pre-counted grid cannot answer, so the cells are counted from the
  rows), for five different years (each a first ask: answers are kept);
- ``mineaction export findings`` of every finding to each format of
  ``--exports`` (CSV, GeoPackage, GeoJSON, zipped Shapefile by default;
  ``export_kind``, as the command calls it; one run each).

Medians of the requests after the first (the first of each kind is reported on
its own: it reads pages the import left in the OS cache, not a cold disk).

    python bench/bench_after_import.py --rows 1000000 --output bench/results/after-import-1m.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))

from bench_import import DEFAULT_SERVER, generate, prepare
from mineaction.api.app import create_app
from mineaction.config import get_settings
from mineaction.intake.export.run import export_kind
from mineaction.intake.pipeline import import_file
from mineaction.services import approval, auth, users
from mineaction.services.catalogue import get_kind_info
from mineaction.store.database import Database
from mineaction.store.tables import Finding

USER = "bench-im"
HTML = {"Accept": "text/html"}


def timed(calls: list[Callable[[], Any]]) -> dict[str, float]:
    """Return the first call's seconds and the median of the others'."""
    seconds = []
    for call in calls:
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return {"first_s": round(seconds[0], 4), "median_s": round(statistics.median(seconds[1:]), 4)}


def measure(
    url: str, csv_path: Path, rows: int, records: int, suffixes: list[str]
) -> dict[str, Any]:
    """Import the findings into ``url`` (fresh); time the pages, then exports to ``suffixes``."""
    prepare(url)
    db = Database(url)
    started = time.perf_counter()
    import_file(db, "findings", csv_path, actor="bench", bulk=True, take_database=True)
    imported = time.perf_counter() - started
    secret = get_settings().secret_key
    with db.session(actor="bench") as session:
        users.add_user(session=session, username=USER, role="im_officer", password="B3nch-history!")
    with db.session(actor="bench") as session:
        token = auth.create_token(session=session, username=USER, name="bench", secret=secret)
    step = max(1, rows // records)
    ids = [1 + k * step for k in range(records)]
    info = get_kind_info("findings")

    def service(record_id: int) -> Callable[[], Any]:
        def call() -> Any:
            with db.session() as session:
                found = approval.history(session, info, session.get(Finding, record_id))
                assert len(found) == 1, found
                return found

        return call

    client = TestClient(create_app(url), headers={"Authorization": f"Bearer {token}"})

    def get(
        path: str, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None
    ) -> Callable[[], Any]:
        def call() -> Any:
            answer = client.get(path, headers=headers or {}, params=params)
            assert answer.status_code == 200, answer.text[:300]
            return answer

        return call

    country = {"bbox": "44.7,38.3,50.4,41.9", "zoom": 7}  # Azerbaijan, not one exact tile
    figures = {
        "history_service": timed([service(i) for i in ids]),
        "api_history": timed([get(f"/api/records/findings/{i}/history") for i in ids]),
        "record_page": timed([get(f"/records/findings/{i}", HTML) for i in ids]),
        "dashboard": timed([get("/dashboard", HTML) for _ in ids]),
        "home": timed([get("/", HTML) for _ in ids]),
        "map_country_by_year": timed(
            [get("/api/map/findings", params=country | {"period": str(2021 + k)}) for k in range(5)]
        ),
    }
    exports = {}
    for suffix in suffixes:
        target = csv_path.with_name(f"export.{suffix}")
        started = time.perf_counter()
        written = export_kind(db, "findings", target)
        exports[f"export_{suffix}_s"] = round(time.perf_counter() - started, 2)
        assert written.total == rows, written
        target.unlink()
    db.dispose()
    return {"import_s": round(imported, 2), **figures, **exports}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=21, help="findings whose history is read")
    parser.add_argument("--backends", default="sqlite,postgis")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--exports", default="csv,gpkg,geojson,zip", help="file suffixes exported, comma-separated"
    )
    args = parser.parse_args()
    suffixes = [s for s in args.exports.split(",") if s]
    result: dict[str, Any] = {
        "rows": args.rows,
        "records": args.records,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="bench_after_import_") as tmp:
        csv_path = Path(tmp) / "findings.csv"
        generate(csv_path, args.rows, seed=1)
        for backend in [b for b in args.backends.split(",") if b]:
            name = f"bench_after_import_{uuid.uuid4().hex[:8]}"
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / (name + '.db')}"
            else:
                with psycopg.connect(args.server, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                url = make_url(args.server).set(database=name).render_as_string(hide_password=False)
            try:
                result[backend] = measure(url, csv_path, args.rows, args.records, suffixes)
            finally:
                if backend == "postgis":
                    with psycopg.connect(args.server, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(backend, json.dumps(result[backend]), flush=True)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
