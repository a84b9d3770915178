"""What every step of the demo build shares: the seed, the scale, districts, ids made so far."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree
from sqlalchemy.orm import Session

from mineaction.errors import NotFoundError
from mineaction.geo import Country
from mineaction.services import admin_areas

#: progress(stage, done, total): told how far each stage of the build has gone.
Progress = Callable[[str, int, int], None]

# The liberated districts: (name as find_area knows it, short code, hazard weight, on the
# state border).  Weights favour the former line of contact (Aghdam, Fuzuli, Jabrayil,
# Tartar) and are multiplied by each district's area.
DISTRICTS: tuple[tuple[str, str, float, bool], ...] = (
    ("Agdam", "AGD", 1.6, False),
    ("Fuzuli", "FZL", 1.5, True),
    ("Jabrayil", "JBR", 1.4, True),
    ("Zangilan", "ZNG", 1.0, True),
    ("Qubadli", "QBD", 1.0, True),
    ("Lachin", "LCN", 0.8, True),
    ("Kalbajar", "KLB", 0.6, True),
    ("Shusha", "SHS", 1.0, False),
    ("Khojavend", "KHV", 1.1, False),
    ("Khojaly", "KHJ", 1.0, False),
    ("Tartar", "TRT", 0.8, False),
    ("Goranboy", "GRB", 0.5, False),
    ("Khankendi City", "KHK", 0.3, False),
)


@dataclass
class District:
    """A liberated district: its id, name, polygon and share of the hazards."""

    id: int
    name: str
    code: str
    geom: BaseGeometry
    area_m2: float
    weight: float
    border: bool


@dataclass
class HazardInfo:
    """What later steps need to know about a hazard created by the demo."""

    id: int
    reference: str
    district: District
    hazard_type: str
    contamination: str
    geom: BaseGeometry
    area_m2: float
    recorded_date: dt.date
    priority: float


@dataclass
class Demo:
    """The state of one demo build, passed from step to step."""

    seed: int
    scale: float
    progress: Progress
    districts: list[District]
    orgs: dict[str, int] = field(default_factory=dict)
    teams: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    eo_models: dict[str, dict[str, int]] = field(default_factory=dict)
    hazards: list[HazardInfo] = field(default_factory=list)
    country: Country | None = None
    _hazard_tree: STRtree | None = None

    def rng(self, stage: str) -> random.Random:
        """Return the random generator of one stage.

        Each stage draws from its own generator, seeded from the seed and the
        stage's name, so a change in one stage leaves the others' data as it was.
        """
        return random.Random(f"{self.seed}:{stage}")

    def count(self, full_scale: float, minimum: int = 1) -> int:
        """Return ``full_scale`` shrunk by the build's scale, at least ``minimum``."""
        return max(minimum, round(full_scale * self.scale))

    def district(self, rng: random.Random) -> District:
        """Return a district drawn by hazard weight."""
        return rng.choices(self.districts, weights=[d.weight for d in self.districts])[0]

    def in_any_hazard(self, geom: BaseGeometry) -> bool:
        """Tell whether ``geom`` touches any hazard the demo recorded."""
        if self._hazard_tree is None:
            self._hazard_tree = STRtree([h.geom for h in self.hazards])
        return len(self._hazard_tree.query(geom, predicate="intersects")) > 0


def load_districts(session: Session) -> list[District]:
    """Return the liberated districts with their polygons; refuse when they are not loaded."""
    found = []
    for name, code, weight, border in DISTRICTS:
        try:
            area = admin_areas.find_area(session, name)
        except NotFoundError as exc:
            raise NotFoundError(
                f"The district {name!r} is not in the database, so the demo cannot place its data.",
                hint="Create the database with `mineaction init`, which loads Azerbaijan's "
                "districts, then run the demo again.",
            ) from exc
        if area.geom is None:
            raise NotFoundError(
                f"The district {name!r} has no boundary in the database.",
                hint="Reload the districts with `mineaction init`.",
            )
        geom = area.geom
        shapely.prepare(geom)
        found.append(
            District(
                area.id,
                area.name,
                code,
                geom,
                float(area.area_m2 or 0.0),
                weight * float(area.area_m2 or 0.0),
                border,
            )
        )
    return found
