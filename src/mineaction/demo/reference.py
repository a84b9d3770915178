"""Reference data: operators, their accreditation and teams, and the EO catalogue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from mineaction.demo.context import Demo
from mineaction.store.tables import Accreditation, EOModel, Organisation, Team

#: (code, name, type, team counts by capability).  About 60 teams in all, the agency
#: largest; the former NGO stopped work when its accreditation was withdrawn.
OPERATORS: tuple[tuple[str, str, str, dict[str, int]], ...] = (
    (
        "ANAMA",
        "Mine Action Agency of the Republic of Azerbaijan (ANAMA)",
        "national_authority",
        {
            "nts": 3,
            "ts": 4,
            "clearance_manual": 7,
            "clearance_mechanical": 4,
            "clearance_dogs": 3,
            "bac": 2,
            "eod": 3,
        },
    ),
    (
        "MOD",
        "Ministry of Defence",
        "military",
        {"nts": 1, "ts": 2, "clearance_manual": 4, "clearance_mechanical": 3, "bac": 2, "eod": 2},
    ),
    (
        "MES",
        "Ministry of Emergency Situations",
        "civil_protection",
        {"nts": 1, "ts": 1, "clearance_manual": 3, "clearance_mechanical": 2, "bac": 1, "eod": 2},
    ),
    (
        "SBS",
        "State Border Service",
        "border_service",
        {"nts": 1, "ts": 1, "clearance_manual": 2, "clearance_mechanical": 1, "eod": 1},
    ),
    (
        "FORMER-NGO",
        "Former NGO operator (fictional)",
        "ngo",
        {"nts": 1, "ts": 1, "clearance_manual": 1, "clearance_dogs": 1},
    ),
)

#: The day the former NGO's accreditation was withdrawn.
NGO_WITHDRAWN = dt.date(2022, 6, 30)

_ACCREDITED = dt.date(2020, 12, 1)
_TEAM_SIZE = {
    "nts": 4,
    "ts": 8,
    "clearance_manual": 12,
    "clearance_mechanical": 6,
    "clearance_dogs": 6,
    "bac": 10,
    "eod": 5,
}

#: (category, model, description, origin) of the EO catalogue.
EO_CATALOGUE: tuple[tuple[str, str, str, str], ...] = (
    ("ap_mine", "PMN-2", "Blast anti-personnel mine", "USSR"),
    ("ap_mine", "PMN-4", "Blast anti-personnel mine", "Russia"),
    ("ap_mine", "OZM-72", "Bounding fragmentation anti-personnel mine", "USSR"),
    ("ap_mine", "POM-2", "Remotely delivered fragmentation anti-personnel mine", "USSR"),
    ("at_mine", "TM-62M", "Blast anti-tank mine, metal case", "USSR"),
    ("at_mine", "TM-57", "Blast anti-tank mine", "USSR"),
    ("at_mine", "TM-62P", "Blast anti-tank mine, plastic case", "USSR"),
    ("uxo", "122 mm shell", "122 mm HE artillery projectile", "USSR"),
    ("uxo", "152 mm shell", "152 mm HE artillery projectile", "USSR"),
    ("uxo", "BM-21 rocket", "122 mm Grad rocket", "USSR"),
    ("uxo", "Mortar bomb 82 mm", "82 mm HE mortar bomb", "USSR"),
    ("uxo", "RGD-5 grenade", "Hand grenade", "USSR"),
    ("submunition", "M095", "DPICM submunition", "Israel"),
    ("ied", "IED", "Improvised explosive device", "Unknown"),
    ("abandoned_ordnance", "Small-arms ammunition cache", "Abandoned ammunition", "Unknown"),
)


def create_reference(session: Session, demo: Demo) -> None:
    """Record the operators, their accreditations and teams, and the EO catalogue.

    Fills ``demo.orgs`` (code → id), ``demo.teams`` (organisation id →
    capability → team ids) and ``demo.eo_models`` (category → model → id).
    """
    for code, name, type_, teams in OPERATORS:
        ngo = type_ == "ngo"
        org = Organisation(code=code, name=name, type=type_, country="AZE", active=not ngo)
        session.add(org)
        session.flush()
        demo.orgs[code] = org.id
        by_capability: dict[str, list[Team]] = {}
        for capability, number in teams.items():
            session.add(
                Accreditation(
                    organisation_id=org.id,
                    activity_type=capability,
                    status="withdrawn" if ngo else "granted",
                    valid_from=_ACCREDITED,
                    valid_to=NGO_WITHDRAWN if ngo else None,
                    reference=f"ACC-{code}-{capability.upper()}",
                )
            )
            for i in range(1, number + 1):
                team = Team(
                    organisation_id=org.id,
                    code=f"{code}-{capability.upper()}-{i:02d}",
                    name=f"{code} {capability.replace('_', ' ')} team {i}",
                    capability=capability,
                    size=_TEAM_SIZE[capability],
                    active=not ngo,
                )
                session.add(team)
                by_capability.setdefault(capability, []).append(team)
        session.flush()
        demo.teams[org.id] = {c: [t.id for t in ts] for c, ts in by_capability.items()}
    for category, model, description, origin in EO_CATALOGUE:
        entry = EOModel(category=category, model=model, description=description, origin=origin)
        session.add(entry)
        session.flush()
        demo.eo_models.setdefault(category, {})[model] = entry.id


def team_for(demo: Demo, rng_choice: float, organisation_id: int, activity_type: str) -> int:
    """Return a team of the organisation able to do ``activity_type`` (manual as fallback)."""
    teams = demo.teams[organisation_id]
    pool = teams.get(activity_type) or teams.get("clearance_manual") or next(iter(teams.values()))
    return pool[min(int(rng_choice * len(pool)), len(pool) - 1)]
