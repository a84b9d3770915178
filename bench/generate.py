"""Generate a national-scale synthetic data set straight into a mineaction database.

At scale 1.0 the data set has 50,000 hazards, 100,000 activities, 500,000
land releases, 2,000,000 EO findings, 40,000 accidents with 50,000 victims,
and proportionate reference data, minefield records, EORE sessions,
assistance, equipment and projects, all inside the districts of Azerbaijan's
Karabakh and East Zangazur regions.  The same seed gives the same data.

This is load data, not user edits: rows are written in bulk (SQLAlchemy Core
executemany on SQLite, COPY on PostgreSQL), bypassing the ORM and so, on
purpose, the per-record history (audit log) that every user edit gets.
Every record is written as version 1, approved, with its bounding box, and
the land-release ledger already applied (released_m2, remaining_geom and
status of each hazard agree with its releases).  The data set is marked
synthetic, so every output of the system says so.

    python bench/generate.py --database sqlite:///national.db --scale 0.1 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select

from mineaction.services.admin_areas import load_azerbaijan
from mineaction.services.status import SYNTHETIC_FACT, set_fact
from mineaction.store import schema
from mineaction.store.database import Database
from mineaction.store.tables import AdminArea, Base, Hazard
from synth import operations, people, records, reference
from synth.plan import Plan
from synth.sink import Batch, Sink, make_sink
from synth.space import Districts
from synth.world import World

#: The regions whose districts hold the synthetic records.
REGIONS = ("AZE.region.karabakh", "AZE.region.east_zangazur")

Builder = Callable[[World], Iterator[Batch]]

#: Builders in the order their tables are written (referenced rows first).
BUILDERS: tuple[Builder, ...] = (
    reference.eo_models,
    reference.organisations,
    reference.accreditations,
    reference.teams,
    operations.hazards,
    operations.blockages,
    operations.activities,
    operations.land_releases,
    operations.findings,
    people.accidents,
    people.victims,
    people.assistance,
    records.minefield_records,
    records.record_mine_types,
    people.eore_sessions,
    reference.equipment,
    records.projects,
)


@dataclass
class TableLoad:
    """How long one table took to build (numpy, Shapely) and to write (driver, database)."""

    table: str
    rows: int = 0
    build_s: float = 0.0
    write_s: float = 0.0

    @property
    def total_s(self) -> float:
        """Return build plus write time, in seconds."""
        return self.build_s + self.write_s

    @property
    def rows_per_s(self) -> float:
        """Return rows loaded per second of build plus write time."""
        return self.rows / self.total_s if self.total_s else 0.0


@dataclass
class LoadReport:
    """What a generation run wrote and how long each part took."""

    scale: float
    seed: int
    backend: str
    prepare_s: float = 0.0
    finish_s: float = 0.0
    tables: dict[str, TableLoad] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Return the rows written, all tables together."""
        return sum(t.rows for t in self.tables.values())

    @property
    def load_s(self) -> float:
        """Return the time spent building and writing rows, all tables together."""
        return sum(t.total_s for t in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "scale": self.scale,
            "seed": self.seed,
            "backend": self.backend,
            "prepare_s": round(self.prepare_s, 3),
            "load_s": round(self.load_s, 3),
            "finish_s": round(self.finish_s, 3),
            "rows": self.rows,
            "rows_per_s": round(self.rows / self.load_s) if self.load_s else 0,
            "tables": {
                t.table: {
                    "rows": t.rows,
                    "build_s": round(t.build_s, 3),
                    "write_s": round(t.write_s, 3),
                    "total_s": round(t.total_s, 3),
                    "rows_per_s": round(t.rows_per_s),
                }
                for t in self.tables.values()
            },
        }


def generate(
    url: str,
    *,
    scale: float,
    seed: int = 1,
    progress: Callable[[TableLoad], None] | None = None,
) -> LoadReport:
    """Create the schema and Azerbaijan's areas in ``url`` if needed, then load the data set.

    Returns the rows and times per table.  Refuses a database that holds hazards already.
    """
    db = Database(url)
    try:
        report = LoadReport(scale=scale, seed=seed, backend=db.dialect)
        started = time.perf_counter()
        prepare(db)
        report.prepare_s = time.perf_counter() - started
        sink = make_sink(db.engine)
        world = World(
            rng=np.random.default_rng(seed),
            plan=Plan.at_scale(scale),
            districts=load_districts(db),
            loaded_at=dt.datetime.now(dt.UTC),
            next_ids={t: sink.next_id(t) for t in _tables_with_ids()},
        )
        for builder in BUILDERS:
            for load in run(builder, world, sink):
                report.tables[load.table] = load
                if progress:
                    progress(load)
        started = time.perf_counter()
        sink.finish()
        with db.session(actor="bench/generate.py") as session:
            set_fact(session, SYNTHETIC_FACT, "true")
            set_fact(session, "synthetic_source", f"bench/generate.py scale={scale} seed={seed}")
        report.finish_s = time.perf_counter() - started
        return report
    finally:
        db.dispose()


def prepare(db: Database) -> None:
    """Create or upgrade the schema and load Azerbaijan's areas; refuse a loaded database."""
    schema.upgrade(db)
    with db.session(actor="bench/generate.py") as session:
        if session.scalar(select(func.count()).select_from(Hazard)):
            raise SystemExit(
                f"{db.display_url()} already holds hazards; generate into an empty database."
            )
        if not session.scalar(select(func.count()).select_from(AdminArea)):
            load_azerbaijan(session)


def load_districts(db: Database) -> Districts:
    """Return the districts of the Karabakh and East Zangazur regions, weighted by area."""
    with db.session() as session:
        parents = select(AdminArea.id).where(AdminArea.code.in_(REGIONS))
        areas = session.scalars(
            select(AdminArea)
            .where(AdminArea.level == "district", AdminArea.parent_id.in_(parents))
            .order_by(AdminArea.code)
        ).all()
        if not areas:
            raise SystemExit(f"{db.display_url()} has no districts in {', '.join(REGIONS)}.")
        weights = np.array([a.area_m2 or 0.0 for a in areas])
        return Districts(
            ids=np.array([a.id for a in areas], dtype=np.int64),
            names=[a.name for a in areas],
            geoms=np.array([a.geom for a in areas], dtype=object),
            weights=weights / weights.sum(),
        )


def run(builder: Builder, world: World, sink: Sink) -> Iterator[TableLoad]:
    """Build and write every batch of ``builder``; yield each table's load once it is done."""
    loads: dict[str, TableLoad] = {}
    batches = builder(world)
    while True:
        started = time.perf_counter()
        batch = next(batches, None)
        built = time.perf_counter()
        if batch is None:
            break
        sink.write(batch)
        load = loads.setdefault(batch.table, TableLoad(batch.table))
        load.rows += batch.rows
        load.build_s += built - started
        load.write_s += time.perf_counter() - built
    yield from loads.values()


def _tables_with_ids() -> list[str]:
    return [name for name, table in Base.metadata.tables.items() if "id" in table.c]


def _print_load(load: TableLoad) -> None:
    print(
        f"{load.table:<20} {load.rows:>10,} rows  build {load.build_s:7.1f} s  "
        f"write {load.write_s:7.1f} s  {load.rows_per_s:>9,.0f} rows/s",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="sqlite:///file.db or postgresql://…")
    parser.add_argument("--scale", type=float, default=0.01, help="1.0 = national (default 0.01)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    report = generate(args.database, scale=args.scale, seed=args.seed, progress=_print_load)
    print(
        f"{report.rows:,} rows in {report.load_s:.1f} s "
        f"(schema and areas {report.prepare_s:.1f} s, finishing {report.finish_s:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
