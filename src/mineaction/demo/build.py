"""Building the synthetic demo data set, step by step, one transaction per step or year."""

from __future__ import annotations

from sqlalchemy import func, select

from mineaction.demo.casualties import create_casualties
from mineaction.demo.context import Demo, Progress, load_districts
from mineaction.demo.equipment import create_equipment
from mineaction.demo.findings import plan_findings
from mineaction.demo.hazards import create_hazards
from mineaction.demo.operations import write_operations
from mineaction.demo.plan import plan_releases
from mineaction.demo.programmes import create_eore
from mineaction.demo.projects import create_projects
from mineaction.demo.quality import create_quality
from mineaction.demo.records import create_records
from mineaction.demo.reference import create_reference
from mineaction.demo.summary import DemoSummary, summarise
from mineaction.errors import ConflictError, ValidationError
from mineaction.services import status
from mineaction.services.country import require_country
from mineaction.store.database import Database
from mineaction.store.tables import Hazard

SYNTHETIC_NOTE = (
    "Synthetic demo data made by `mineaction demo` for the liberated territories of "
    "Azerbaijan, November 2020 to December 2024, at the magnitudes of ANAMA's public reports. "
    "Every record is invented: these are not ANAMA's figures."
)


def _quiet(stage: str, done: int, total: int) -> None:
    """Report nothing (the default progress callback)."""


def build_demo(
    db: Database, *, seed: int = 2020, scale: float = 1.0, progress: Progress | None = None
) -> DemoSummary:
    """Fill an empty database with the synthetic demo data set; return what was built.

    The same ``seed`` and ``scale`` always build the same data.  ``scale``
    shrinks the number of hazards, releases, finds and casualties (1.0 is the
    full data set of the brief; 0.05 builds in seconds for tests).  Raises
    ConflictError when the database already holds hazards.
    """
    if not 0 < scale <= 2:
        raise ValidationError(
            f"The demo scale {scale} is out of range.",
            hint="Give a scale greater than 0 and at most 2 (1 is full size).",
        )
    report = progress or _quiet
    with db.session(actor="demo") as session:
        existing = session.scalar(select(func.count()).select_from(Hazard)) or 0
        if existing:
            raise ConflictError(
                f"The database {db.display_url()} already holds {existing} hazards; the demo "
                "is only built into a database without operational data.",
                hint="Build the demo in a new database file: mineaction demo --database "
                "sqlite:///demo.db.",
            )
        demo = Demo(
            seed=seed,
            scale=scale,
            progress=report,
            districts=load_districts(session),
            country=require_country(session, "AZE"),
        )
        # Flag the data as synthetic first, so that even a half-built demo says so.
        status.set_fact(session, status.SYNTHETIC_FACT, "true")
        status.set_fact(session, "synthetic_note", SYNTHETIC_NOTE)
        status.set_fact(session, "demo_seed", str(seed))
        status.set_fact(session, "demo_scale", f"{scale:g}")
        create_reference(session, demo)
    with db.session(actor="demo") as session:
        create_hazards(session, demo)
    schedule = plan_releases(demo)
    finds = plan_findings(demo, schedule)
    write_operations(db, demo, schedule, finds)
    with db.session(actor="demo") as session:
        records = create_records(session, demo, finds)
        create_casualties(session, demo, schedule, records)
    with db.session(actor="demo") as session:
        create_eore(session, demo)
        create_equipment(session, demo)
        create_quality(session, demo, schedule)
        create_projects(session, demo)
    with db.session(actor="demo") as session:
        return summarise(session, seed=seed, scale=scale)
