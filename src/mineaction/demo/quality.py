"""Quality management: QA visits and QC sampling, non-conformities, acceptance of released land."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo
from mineaction.demo.plan import Schedule
from mineaction.demo.timeline import END
from mineaction.store.tables import Inspection, LandRelease, NonConformity, ReleaseAcceptance

FULL_SCALE_INSPECTIONS = 120
FULL_SCALE_ACCEPTANCES = 400
_FINDINGS = (
    ("minor", "Marking of the worksite incomplete on the northern boundary"),
    ("minor", "Daily detector check not recorded"),
    ("major", "Lane width exceeded the accredited standard operating procedure"),
    ("major", "QC sampling found a metal fragment in a cleared lane"),
    ("critical", "Missed AP mine found by QC sampling in a cleared area"),
)


def create_quality(session: Session, demo: Demo, schedule: Schedule) -> None:
    """Record inspections of finished work and the acceptance of a sample of releases."""
    rng = demo.rng("quality")
    done = [
        a
        for a in schedule.activities
        if a.status == "completed" and a.releases and a.db_id is not None
    ]
    inspections = []
    for activity in rng.sample(done, min(len(done), demo.count(FULL_SCALE_INSPECTIONS, 5))):
        day = min(activity.releases[-1].day + dt.timedelta(days=rng.randint(1, 20)), END)
        failed = rng.random() < 0.12
        issues = rng.sample(
            _FINDINGS[2:] if failed else _FINDINGS[:2],
            rng.randint(1, 2) if failed else int(rng.random() < 0.25),
        )
        inspections.append(
            Inspection(
                inspection_type=rng.choice(("qa", "qc")),
                inspection_date=day,
                organisation_id=activity.organisation_id,
                activity_id=activity.db_id,
                inspector=f"ANAMA QM officer {rng.randint(1, 6)}",
                result="fail" if failed else "pass",
                nonconformities=[_issue(rng, day, severity, text) for severity, text in issues],
            )
        )
    session.add_all(inspections)
    session.flush()
    by_activity = {i.activity_id: i for i in inspections}
    releases = [
        (row.id, row.release_date, row.activity_id)
        for row in session.execute(
            select(LandRelease.id, LandRelease.release_date, LandRelease.activity_id)
            .where(LandRelease.method != "cancelled")
            .order_by(LandRelease.id)
        )
    ]
    chosen = rng.sample(releases, min(len(releases), demo.count(FULL_SCALE_ACCEPTANCES, 5)))
    acceptances = []
    for release_id, day, activity_id in sorted(chosen):
        inspection = by_activity.get(activity_id)
        accepted = inspection is None or inspection.result == "pass"
        acceptances.append(
            ReleaseAcceptance(
                land_release_id=release_id,
                inspection_id=inspection.id if inspection else None,
                decision_date=min(day + dt.timedelta(days=rng.randint(5, 30)), END),
                accepted=accepted,
                accepted_by="ANAMA quality management (synthetic)",
                notes=None if accepted else "Refused until the non-conformities are closed",
            )
        )
    session.add_all(acceptances)
    demo.progress("quality", len(inspections), len(inspections))


def _issue(rng: random.Random, day: dt.date, severity: str, text: str) -> NonConformity:
    closed = day + dt.timedelta(days=rng.randint(3, 40))
    return NonConformity(
        severity=severity,
        description=text,
        corrective_action="Team retrained; area re-checked",
        closed_date=closed if closed <= END else None,
    )
