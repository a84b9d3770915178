"""Administrative areas a mapping creates by name, for registers that name places but give no map.

A row naming a district (and its region) that the database does not know
creates it, without a boundary, as the rows are read, inside the import's
transaction: a refused import or a dry run leaves no area behind.  Each
district also gets the alias "district, region", so that a name repeated in
two regions (Colombia has five municipalities called La Unión) can be named
unambiguously with ``district: {template: "{municipio}, {departamento}"}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.intake.mapping.rules import cell_text
from mineaction.intake.readers.base import SourceRow
from mineaction.services.admin_areas import normalise_name
from mineaction.store.tables import AdminArea, AdminAreaAlias


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
        self._district(name, parent, region)
        self._seen.add(key)

    def _region(self, name: str) -> AdminArea:
        key = normalise_name(name)
        if key not in self._regions:
            query = (
                select(AdminArea)
                .join(AdminArea.aliases)
                .where(AdminAreaAlias.alias == key, AdminArea.level == "region")
            )
            if self.rule.country:
                query = query.where(AdminArea.country == self.rule.country)
            found = self.session.scalars(query).first()
            self._regions[key] = found or self._create(
                self._code(name), name, "region", self._country(), {key}
            )
        return self._regions[key]

    def _district(self, name: str, parent: str | None, region: AdminArea | None) -> AdminArea:
        aliases = {normalise_name(name)}
        if parent:
            aliases.add(normalise_name(qualified_name(name, parent)))
        parent_filter = (
            AdminArea.parent_id == region.id
            if region is not None
            else AdminArea.parent_id.is_(None)
        )
        found = self.session.scalars(
            select(AdminArea)
            .join(AdminArea.aliases)
            .where(
                AdminAreaAlias.alias == normalise_name(name),
                AdminArea.level == "district",
                parent_filter,
            )
        ).first()
        if found is not None:
            self._add_aliases(found, aliases)
            return found
        return self._create(self._code(name, region), name, "district", region, aliases)

    def _country(self) -> AdminArea | None:
        if not self.rule.country:
            return None
        return self.session.scalars(
            select(AdminArea).where(
                AdminArea.code == self.rule.country, AdminArea.level == "country"
            )
        ).first()

    def _code(self, name: str, region: AdminArea | None = None) -> str:
        prefix = region.code if region is not None else self.rule.country
        slug = re.sub(r"[^a-z0-9]+", "-", normalise_name(name)).strip("-") or "area"
        return f"{prefix}.{slug}" if prefix else slug

    def _create(
        self, code: str, name: str, level: str, parent: AdminArea | None, aliases: set[str]
    ) -> AdminArea:
        existing = self.session.scalars(select(AdminArea).where(AdminArea.code == code)).first()
        if existing is not None:  # another spelling of a name created before ("Bogotá, D.C.")
            self._add_aliases(existing, aliases)
            return existing
        area = AdminArea(
            code=code,
            name=name,
            level=level,
            parent=parent,
            country=self.rule.country,
            attribution=f"Created by name by the column mapping {self.rule.mapping}; no boundary.",
        )
        area.aliases = [AdminAreaAlias(alias=a) for a in sorted(aliases)]
        self.session.add(area)
        self.session.flush()
        self.created += 1
        return area

    def _add_aliases(self, area: AdminArea, aliases: set[str]) -> None:
        known = set(
            self.session.scalars(
                select(AdminAreaAlias.alias).where(AdminAreaAlias.area_id == area.id)
            )
        )
        self.session.add_all(
            AdminAreaAlias(area_id=area.id, alias=a) for a in sorted(aliases - known)
        )
        self.session.flush()
