"""Explosive ordnance risk education sessions, beneficiaries by sex × age band."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from mineaction.demo.context import Demo
from mineaction.demo.reference import NGO_WITHDRAWN
from mineaction.demo.shapes import point_in
from mineaction.demo.timeline import END, random_date
from mineaction.store.tables import EORESession

FULL_SCALE_SESSIONS = 800
# Who attends each kind of session: shares of the six beneficiary columns.
_AUDIENCE = {
    "school": {"female_child": 0.48, "male_child": 0.48, "female_adult": 0.03, "male_adult": 0.01},
    "session": {
        "female_child": 0.05,
        "male_child": 0.1,
        "female_adult": 0.25,
        "male_adult": 0.45,
        "female_elderly": 0.05,
        "male_elderly": 0.1,
    },
    "community": {
        "female_child": 0.1,
        "male_child": 0.1,
        "female_adult": 0.25,
        "male_adult": 0.3,
        "female_elderly": 0.12,
        "male_elderly": 0.13,
    },
    "media": {
        "female_child": 0.1,
        "male_child": 0.1,
        "female_adult": 0.3,
        "male_adult": 0.3,
        "female_elderly": 0.1,
        "male_elderly": 0.1,
    },
}
_SIZE = {"school": (20, 120), "session": (8, 40), "community": (15, 80), "media": (200, 2_000)}
_PLACES = {
    "school": "School",
    "session": "Reconstruction site",
    "community": "Returnee settlement",
    "media": "Regional broadcast",
}


def create_eore(session: Session, demo: Demo) -> None:
    """Record EORE sessions across the districts, more of them as people returned."""
    rng = demo.rng("eore")
    total = demo.count(FULL_SCALE_SESSIONS)
    rows = []
    for _ in range(total):
        # sqrt of a uniform draw: sessions grow in number over time, as returns did.
        day = random_date(rng.random() ** 0.5, dt.date(2021, 1, 15), END)
        method = rng.choices(list(_AUDIENCE), weights=[0.4, 0.3, 0.25, 0.05])[0]
        weights = {"ANAMA": 0.6, "MES": 0.25, "FORMER-NGO": 0.15 if day < NGO_WITHDRAWN else 0}
        operator = rng.choices(list(weights), weights=list(weights.values()))[0]
        district = demo.district(rng)
        place = None if method == "media" else point_in(rng, district.geom)
        rows.append(
            EORESession(
                session_date=day,
                organisation_id=demo.orgs[operator],
                admin_area_id=district.id,
                method=method,
                location=f"{_PLACES[method]}, {district.name}",
                geom=place,
                **_beneficiaries(rng, method),
            )
        )
    session.add_all(rows)
    demo.progress("EORE sessions", total, total)


def _beneficiaries(rng: random.Random, method: str) -> dict[str, int]:
    low, high = _SIZE[method]
    size = rng.randint(low, high)
    return {
        column: round(size * share * rng.uniform(0.7, 1.3))
        for column, share in _AUDIENCE[method].items()
    }
