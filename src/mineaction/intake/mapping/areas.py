"""Administrative areas a mapping creates by name, for registers that name places but give no map.

A row naming a district (and its region) that the database does not know
creates it, without a boundary, as the rows are read, inside the import's
transaction: a refused import or a dry run leaves no area behind.  Each
district also gets the alias "district, region", so that a name repeated in
two regions (Colombia has five municipalities called La Unión) can be named
unambiguously with ``district: {template: "{municipio}, {departamento}"}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from mineaction.intake.mapping.rules import cell_text
from mineaction.intake.readers.base import SourceRow
from mineaction.services import admin_areas
from mineaction.services.admin_areas import normalise_name
from mineaction.store.tables import AdminArea


@dataclass(frozen=True)
class AreaRule:
    """``create_areas``: the source columns of the district and its region, and the country."""

    name: str
    parent: str | None
    country: str | None
    mapping: str

    def sources(self) -> list[str]:
        """Return the source columns the rule reads."""
        return [c for c in (self.name, self.parent) if c]


def qualified_name(name: str, parent: str) -> str:
    """Return the alias that names a district within its region: "La Unión, Nariño"."""
    return f"{name}, {parent}"


@dataclass
class AreaMaker:
    """Creates the areas a file's rows name, once each, in one import's session."""

    rule: AreaRule
    session: Session
    created: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _regions: dict[str, AdminArea] = field(default_factory=dict)

    def ensure(self, row: SourceRow) -> None:
        """Create the district (and region) that ``row`` names, if they do not exist yet."""
        name = cell_text(row.values.get(self.rule.name))
        if name is None:
            return
        parent = cell_text(row.values.get(self.rule.parent)) if self.rule.parent else None
        key = (normalise_name(parent) if parent else "", normalise_name(name))
        if key in self._seen:
            return
        region = self._region(parent) if parent else self._country()
        aliases = [qualified_name(name, parent)] if parent else []
        self._ensure(name, "district", region, aliases)
        self._seen.add(key)

    def _region(self, name: str) -> AdminArea:
        key = normalise_name(name)
        if key not in self._regions:
            self._regions[key] = self._ensure(name, "region", self._country(), [])
        return self._regions[key]

    def _country(self) -> AdminArea | None:
        return (
            admin_areas.country_area(self.session, self.rule.country) if self.rule.country else None
        )

    def _ensure(
        self, name: str, level: str, parent: AdminArea | None, aliases: list[str]
    ) -> AdminArea:
        area, created = admin_areas.ensure_area(
            self.session,
            name=name,
            level=level,
            parent=parent,
            country=self.rule.country,
            aliases=aliases,
            attribution=f"Created by name by the column mapping {self.rule.mapping}; no boundary.",
        )
        self.created += int(created)
        return area
