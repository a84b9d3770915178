"""Equipment of every team, with its status history; and the base of destroyed detectors.

The brief: a base was found with dozens of mine detectors deliberately
destroyed.  The demo records them (2021) in the agency's custody, beside the
teams' own detectors, machines, protective gear, vehicles and dogs.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo
from mineaction.demo.timeline import END, random_date
from mineaction.store.tables import Equipment, EquipmentStatusChange, Team

#: Detectors found deliberately destroyed at one base.
DESTROYED_AT_BASE = 38
_BASE_FOUND = dt.date(2021, 2, 17)
# What each kind of team is equipped with: (equipment type, model, how many).
_KIT = {
    "nts": (("vehicle", "Toyota Land Cruiser 79", 1), ("detector", "Vallon VMH4", 2)),
    "ts": (
        ("vehicle", "Toyota Land Cruiser 79", 1),
        ("detector", "Vallon VMH4", 4),
        ("ppe", "Blast vest and visor, NATO level 2", 8),
    ),
    "clearance_manual": (
        ("vehicle", "Ural-4320 crew truck", 1),
        ("detector", "Vallon VMH4", 6),
        ("detector", "Minelab F3", 2),
        ("ppe", "Blast vest and visor", 12),
    ),
    "clearance_mechanical": (
        ("machine", "MV-10 mine clearance machine", 1),
        ("machine", "Bozena 5", 1),
        ("vehicle", "Low-loader truck", 1),
    ),
    "clearance_dogs": (("dog", "Mine detection dog", 4), ("vehicle", "Dog transport van", 1)),
    "bac": (
        ("detector", "Ebinger UPEX 740", 4),
        ("vehicle", "Ural-4320 crew truck", 1),
        ("ppe", "Blast vest and visor", 10),
    ),
    "eod": (
        ("vehicle", "EOD response vehicle", 1),
        ("detector", "Vallon VMH4", 2),
        ("ppe", "EOD bomb suit", 2),
    ),
}


def create_equipment(session: Session, demo: Demo) -> None:
    """Record every team's equipment and its history, and the destroyed detectors of 2021."""
    rng = demo.rng("equipment")
    teams = session.scalars(select(Team).order_by(Team.id)).all()
    items = []
    # Small demos (tests) get a smaller kit; the destroyed detectors stay "dozens".
    share = min(1.0, demo.scale * 4)
    for team in teams:
        numbers: dict[str, int] = {}
        for kind, model, count in _KIT[team.capability]:
            for _ in range(max(1, round(count * share))):
                numbers[kind] = numbers.get(kind, 0) + 1
                serial = f"{team.code}-{kind.upper()}-{numbers[kind]:02d}"
                items.append(
                    _item(rng, kind, model, serial, team.organisation_id, active=team.active)
                )
    anama = demo.orgs["ANAMA"]
    for i in range(1, DESTROYED_AT_BASE + 1):
        note = (
            "Found deliberately destroyed at a former military base in Agdam district (synthetic)"
        )
        items.append(
            Equipment(
                equipment_type="detector",
                model="IMP-2 (found)",
                serial=f"BASE-AGD-{i:03d}",
                organisation_id=anama,
                status="destroyed",
                status_date=_BASE_FOUND,
                notes=note,
                status_history=[
                    EquipmentStatusChange(
                        changed_date=_BASE_FOUND,
                        status="destroyed",
                        organisation_id=anama,
                        note=note,
                    )
                ],
            )
        )
    session.add_all(items)
    demo.progress("equipment", len(items), len(items))


def _item(
    rng: random.Random, kind: str, model: str, serial: str, owner: int, *, active: bool
) -> Equipment:
    bought_by = dt.date(2023, 6, 30) if active else dt.date(2022, 3, 1)
    acquired = random_date(rng.random(), dt.date(2020, 12, 1), bought_by)
    history = [(acquired, "operational", "Received")]
    roll = rng.random()
    if not active:  # the former NGO's kit left with it
        history.append((dt.date(2022, 7, 15), "lost", "Returned to donor when the operator left"))
    elif kind == "machine" and roll < 0.3:
        hit = random_date(rng.random(), acquired, END - dt.timedelta(days=90))
        history += [
            (hit, "damaged", "Detonation of an AT mine under the flail"),
            (hit + dt.timedelta(days=rng.randint(20, 80)), "operational", "Repaired"),
        ]
    elif kind == "detector" and roll < 0.04:
        history.append(
            (
                random_date(rng.random(), acquired, END),
                "destroyed",
                "Destroyed in a detonation during clearance",
            )
        )
    elif roll < 0.03:
        history.append((random_date(rng.random(), acquired, END), "damaged", "Damaged in use"))
    last_day, last_status, _note = history[-1]
    return Equipment(
        equipment_type=kind,
        model=model,
        serial=serial,
        organisation_id=owner,
        status=last_status,
        status_date=last_day,
        acquired_date=acquired,
        status_history=[
            EquipmentStatusChange(changed_date=d, status=s, organisation_id=owner, note=n)
            for d, s, n in history
        ],
    )
