"""The kinds of record the API, the map and the pages serve, and what each one is.

One entry per kind: its table, the attributes the list filters use (date,
status, organisation, district, geometry), the import kind that writes it
(when records of it can be created), and whether its records are sensitive
(a live hazard's position, a victim's personal data): those are never public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mineaction.errors import NotFoundError
from mineaction.store.tables import (
    Accident,
    Activity,
    AdminArea,
    Assistance,
    EORESession,
    Equipment,
    Finding,
    Hazard,
    LandRelease,
    MinefieldRecord,
    Organisation,
    Project,
    Victim,
)


@dataclass(frozen=True)
class KindInfo:
    """One kind of record as the HTTP faces serve it."""

    name: str
    model: Any
    label: str
    date: str | None = None
    status: str | None = None
    geometry: str | None = None
    writable: str | None = None  # the import kind that writes it (mineaction.intake.kinds)
    public: bool = False  # readable by anyone, signed in or not

    @property
    def has_organisation(self) -> bool:
        """Tell whether records of this kind name their organisation."""
        return hasattr(self.model, "organisation_id")

    @property
    def rows_name_operator(self) -> bool:
        """Tell whether this kind's import rows have an ``operator`` column."""
        if self.writable is None:
            return False
        from mineaction.intake.kinds import get_kind  # the intake layer sits above this one

        return "operator" in get_kind(self.writable).column_names

    @property
    def has_district(self) -> bool:
        """Tell whether records of this kind name their administrative area."""
        return hasattr(self.model, "admin_area_id")


KINDS: dict[str, KindInfo] = {
    k.name: k
    for k in (
        KindInfo("hazards", Hazard, "Hazardous areas", "recorded_date", "status", "geom"),
        KindInfo("activities", Activity, "Activities", "start_date", "status", "geom"),
        KindInfo(
            "land-releases",
            LandRelease,
            "Land releases",
            "release_date",
            "method",
            "geom",
            writable="land-releases",
        ),
        KindInfo("findings", Finding, "EO findings", "found_date", "category", "geom", "findings"),
        KindInfo(
            "accidents",
            Accident,
            "Accidents",
            "accident_date",
            "accident_type",
            "geom",
            "accidents",
        ),
        KindInfo("victims", Victim, "Victims", None, "outcome", None, "victims"),
        KindInfo(
            "minefield-records",
            MinefieldRecord,
            "Minefield records",
            "received_date",
            "laying_method",
            "geom",
        ),
        KindInfo(
            "eore-sessions", EORESession, "EORE sessions", "session_date", None, "geom", "eore"
        ),
        KindInfo(
            "assistance", Assistance, "Victim assistance", "assistance_date", writable="assistance"
        ),
        KindInfo(
            "equipment", Equipment, "Equipment", "status_date", "status", writable="equipment"
        ),
        KindInfo(
            "projects",
            Project,
            "Development projects",
            "planned_start",
            "project_type",
            "geom",
            "projects",
        ),
        KindInfo(
            "organisations",
            Organisation,
            "Organisations",
            None,
            "type",
            writable="organisations",
        ),
        KindInfo(
            "districts", AdminArea, "Administrative areas", None, "level", "geom", public=True
        ),
    )
}

#: The kind name of each table, for looking a record's kind up from its model.
BY_MODEL: dict[Any, KindInfo] = {k.model: k for k in KINDS.values()}


def get_kind_info(name: str) -> KindInfo:
    """Return the kind called ``name``; refuse with the list of kinds."""
    if name not in KINDS:
        raise NotFoundError(
            f"There is no kind of record called {name!r}.",
            hint=f"Use one of: {', '.join(KINDS)}.",
        )
    return KINDS[name]
