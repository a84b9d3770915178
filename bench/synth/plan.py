"""How many rows of each kind a data set of a given scale holds."""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Row counts of a national data set (scale 1.0): a country like Azerbaijan after 2020.
NATIONAL: dict[str, int] = {
    "organisations": 20,
    "teams": 400,
    "hazards": 50_000,
    "activities": 100_000,
    "land_releases": 500_000,
    "findings": 2_000_000,
    "accidents": 40_000,
    "victims": 50_000,
    "minefield_records": 500,
    "eore_sessions": 30_000,
    "assistance": 25_000,
    "equipment": 4_000,
    "projects": 1_000,
}

#: Smallest count of each kind, so that a tiny scale still links every table.
MINIMUM: dict[str, int] = {"organisations": 3, "teams": 6, "hazards": 10, "accidents": 5}


@dataclass(frozen=True)
class Plan:
    """Row counts of one synthetic data set."""

    organisations: int
    teams: int
    hazards: int
    activities: int
    land_releases: int
    findings: int
    accidents: int
    victims: int
    minefield_records: int
    eore_sessions: int
    assistance: int
    equipment: int
    projects: int

    @classmethod
    def at_scale(cls, scale: float) -> Plan:
        """Return the plan for ``scale`` (1.0 = national); every kind gets at least one row.

        >>> Plan.at_scale(0.01).findings, Plan.at_scale(0.01).organisations
        (20000, 3)
        """
        if scale <= 0:
            raise ValueError(f"the scale must be positive, not {scale}")
        counts = {kind: max(MINIMUM.get(kind, 1), round(n * scale)) for kind, n in NATIONAL.items()}
        counts["victims"] = max(counts["victims"], counts["accidents"])
        return cls(**counts)

    def as_dict(self) -> dict[str, int]:
        """Return the counts keyed by kind."""
        return asdict(self)
