"""Development projects waiting for land: roads, power lines, solar and wind sites, settlements.

Planning asks which open hazards block each project; a project is drawn as a
point, a line or an area, and its planned start may lie in the future.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.rules import Problems
from mineaction.geo import validate_geometry
from mineaction.services.country import CONFIGURED, CountryChoice, resolve_country
from mineaction.services.records import apply_fields
from mineaction.store.tables import Project

#: Priorities run from 1 (most urgent) to 5.
PRIORITIES = range(1, 6)


def project_fields(
    session: Session,
    *,
    name: str | None,
    project_type: str | None,
    geom: object,
    priority: int | None = 3,
    planned_start: dt.date | None = None,
    owner: str | None = None,
    notes: str | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
) -> dict[str, Any]:
    """Check a project and return its columns; raise ValidationError listing what is wrong."""
    problems = Problems()
    if not name or not name.strip():
        problems.add(
            "name", name, "name is required.", "Name the project, e.g. Fuzuli–Shusha road."
        )
    problems.code(vocab.PROJECT_TYPE, project_type, "project_type")
    problems.code(vocab.APPROVAL, approval, "approval")
    if priority is None:
        priority = 3
    if priority not in PRIORITIES:
        problems.add("priority", priority, "priority must be 1 (most urgent) to 5.")
    if geom is None:
        problems.add("geometry", None, "geometry is required.", "Draw the project's route or site.")
    problems.raise_if_any(f"project {name or ''}".strip())
    shape = validate_geometry(geom, country=resolve_country(session, country), field="geometry")
    assert name is not None
    return {
        "name": name.strip(),
        "project_type": project_type,
        "owner": owner,
        "priority": priority,
        "planned_start": planned_start,
        "geom": shape,
        "notes": notes,
        "source_id": source_id,
        "approval": approval,
    }


def create_project(*, session: Session, **values: Any) -> Project:
    """Validate and record a project (the arguments of :func:`project_fields`)."""
    project = Project(**project_fields(session, **values))
    session.add(project)
    return project


def update_project(*, session: Session, project: Project, **values: Any) -> Project:
    """Give a project that is not approved yet its new state; the change is versioned."""
    apply_fields(project, project_fields(session, **values))
    session.flush()
    return project
