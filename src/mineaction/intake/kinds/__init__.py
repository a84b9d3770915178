"""The kinds of record an import file can hold: their columns and how a row is written.

Each kind is a ``Kind`` (kinds/base.py): its canonical columns
(docs/import-formats.md), a ``write`` that turns one parsed row into one call
of the service that owns the rule, and a ``row_of`` that reads a stored record
back as a row (so a re-imported row can be compared with what is stored).
One module per family of kinds; this registry lists them in import order.
"""

from __future__ import annotations

from mineaction.errors import ValidationError
from mineaction.intake.kinds.admin_areas import ADMIN_AREAS
from mineaction.intake.kinds.assets import EQUIPMENT, PROJECTS
from mineaction.intake.kinds.base import Context, Kind
from mineaction.intake.kinds.casualties import ACCIDENTS, VICTIMS
from mineaction.intake.kinds.findings import FINDINGS
from mineaction.intake.kinds.land_releases import LAND_RELEASES
from mineaction.intake.kinds.organisations import ORGANISATIONS
from mineaction.intake.kinds.programmes import ASSISTANCE, EORE

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        ORGANISATIONS,
        ADMIN_AREAS,
        FINDINGS,
        ACCIDENTS,
        VICTIMS,
        LAND_RELEASES,
        EORE,
        ASSISTANCE,
        EQUIPMENT,
        PROJECTS,
    )
}


def get_kind(name: str, *, purpose: str = "imported", hint: str = "") -> Kind:
    """Return the kind called ``name``; refuse with the list of kinds.

    ``purpose`` ("imported", "exported") and ``hint`` only shape the message.
    """
    if name not in KINDS:
        raise ValidationError(
            f"{name!r} is not a kind of record that can be {purpose}.",
            hint=f"Use one of: {', '.join(KINDS)}{hint}.",
        )
    return KINDS[name]


__all__ = ["KINDS", "Context", "Kind", "get_kind"]
