"""Administrative areas: loading boundaries, name aliases, lookup by name or position.

Azerbaijan's 79 districts and cities ship with the package (geoBoundaries,
CC BY-SA 3.0) and are loaded by ``mineaction init``; any other country's
areas load from a GeoJSON file with ``mineaction admin-areas load``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
import yaml
from shapely.geometry import MultiPolygon, Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.ledger import polygonal
from mineaction.domain.rules import Problems
from mineaction.errors import NotFoundError, Problem, ValidationError
from mineaction.geo import geodesic_area_m2, validate_point, validate_polygon
from mineaction.geo.areas import to_local_metric
from mineaction.services.country import CountryChoice, resolve_country
from mineaction.services.records import apply_fields
from mineaction.store.tables import AdminArea, AdminAreaAlias

#: How far outside its named area a position may lie: boundaries are simplified.
AREA_TOLERANCE_M = 2000.0

AZE_ATTRIBUTION = (
    "Administrative boundaries: geoBoundaries (Runfola et al. 2020), AZE ADM2 2020, "
    "from Wikipedia; licence CC BY-SA 3.0."
)

_FOLD = str.maketrans({"ə": "e", "ı": "i", "ğ": "g", "ş": "s", "ç": "c", "ö": "o", "ü": "u"})
_SUFFIX = re.compile(r"\s+(district|rayonu|rayon|r-nu|район)$")


def normalise_name(name: str) -> str:
    """Return the form of a place name used for matching (case, accents, 'District').

    >>> normalise_name("Ağdam rayonu"), normalise_name("AGDAM District")
    ('agdam', 'agdam')
    """
    text = re.sub(r"[\s_\-]+", " ", name.strip().casefold().translate(_FOLD))
    text = _SUFFIX.sub("", text)  # before accents go: "район" loses its breve below
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).strip()


@dataclass
class AreaSpec:
    """An administrative area to load: its names, level, parent and polygon."""

    code: str
    name: str
    level: str
    geom: MultiPolygon | None
    parent_code: str | None = None
    name_az: str | None = None
    name_ru: str | None = None
    aliases: set[str] = field(default_factory=set)


def load_areas(
    session: Session, specs: Iterable[AreaSpec], *, country: str, attribution: str | None
) -> int:
    """Create or update the areas in ``specs`` (keyed by code); return how many were written."""
    by_code = {a.code: a for a in session.scalars(select(AdminArea))}
    count = 0
    for spec in specs:
        area = by_code.get(spec.code)
        if area is None:
            area = AdminArea(code=spec.code)
            session.add(area)
            by_code[spec.code] = area
        area.name = spec.name
        area.name_az = spec.name_az
        area.name_ru = spec.name_ru
        area.level = spec.level
        area.country = country
        area.attribution = attribution
        if spec.geom is not None and (area.geom is None or not area.geom.equals(spec.geom)):
            area.geom = spec.geom
            area.area_m2 = geodesic_area_m2(spec.geom)
        area.parent = by_code[spec.parent_code] if spec.parent_code else None
        session.flush()
        _set_aliases(session, area, spec)
        count += 1
    return count


def _set_aliases(session: Session, area: AdminArea, spec: AreaSpec) -> None:
    names = {spec.name, *spec.aliases, *(n for n in (spec.name_az, spec.name_ru) if n)}
    wanted = {normalise_name(n) for n in names if n}
    session.execute(delete(AdminAreaAlias).where(AdminAreaAlias.area_id == area.id))
    session.add_all(AdminAreaAlias(area_id=area.id, alias=a) for a in sorted(wanted))


def azerbaijan_specs() -> list[AreaSpec]:
    """Return Azerbaijan's country, two regions and 78 districts/cities from the package."""
    data = json.loads(resources.files("mineaction.data").joinpath("aze_adm2.geojson").read_text())
    extra = yaml.safe_load(
        resources.files("mineaction.data").joinpath("aze_names.yaml").read_text("utf-8")
    )
    parts: dict[str, list[BaseGeometry]] = {}
    for feature in data["features"]:
        parts.setdefault(feature["properties"]["shapeName"], []).append(shape(feature["geometry"]))
    bases = [_base(n) for n in parts]
    region_of = {
        member: key for key, region in extra["regions"].items() for member in region["members"]
    }
    districts: list[AreaSpec] = []
    for full_name, geoms in sorted(parts.items()):
        base = _base(full_name)
        is_city = full_name.endswith(" City")
        names = extra["names"].get(base, {})
        aliases = {full_name}
        if not is_city or bases.count(base) == 1:
            # a bare "Shusha" (or "Susa") means the district, not the city
            aliases.update([base, *names.get("aliases", [])])
        suffix = " şəhəri" if is_city else " rayonu"
        districts.append(
            AreaSpec(
                code=f"AZE.{_slug(full_name)}",
                name=full_name,
                level="district",
                geom=_multipolygon(geoms),
                parent_code=_region_code(region_of.get(full_name) or region_of.get(base)),
                name_az=names["az"] + suffix if "az" in names else None,
                name_ru=(names["ru"] + (" (город)" if is_city else " район"))
                if "ru" in names
                else None,
                aliases=aliases,
            )
        )
    country_geom = _multipolygon([shapely.union_all([d.geom for d in districts])])
    specs = [
        AreaSpec(
            "AZE",
            "Azerbaijan",
            "country",
            country_geom,
            None,
            "Azərbaycan",
            "Азербайджан",
            {"Azerbaijan", "AZE"},
        )
    ]
    for key, region in extra["regions"].items():
        members = [d.geom for d in districts if d.parent_code == _region_code(key)]
        specs.append(
            AreaSpec(
                _region_code(key) or "",
                region["name"],
                "region",
                _multipolygon([shapely.union_all(members)]),
                "AZE",
                region["az"],
                region["ru"],
                {region["name"]},
            )
        )
    for d in districts:
        d.parent_code = d.parent_code or "AZE"
    return specs + districts


def load_azerbaijan(session: Session) -> int:
    """Load Azerbaijan's packaged boundaries; safe to run again (areas keyed by code)."""
    return load_areas(session, azerbaijan_specs(), country="AZE", attribution=AZE_ATTRIBUTION)


def specs_from_geojson(
    path: Path,
    *,
    name_field: str,
    code_field: str | None,
    level: str,
    country: str,
    parent_code: str | None,
) -> list[AreaSpec]:
    """Read areas from a GeoJSON FeatureCollection; refuse with file, feature and field."""
    try:
        data = json.loads(Path(path).read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            f"{path} could not be read as GeoJSON: {exc}.",
            hint="Give a GeoJSON FeatureCollection of polygons in WGS84.",
        ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not features:
        raise ValidationError(
            f"{path} holds no features.", hint="Give a GeoJSON FeatureCollection of polygons."
        )
    grouped: dict[str, AreaSpec] = {}
    for number, feature in enumerate(features, start=1):
        props: dict[str, Any] = feature.get("properties") or {}
        name = props.get(name_field)
        if not name:
            raise ValidationError(
                f"{path}, feature {number}: the name field {name_field!r} is empty or missing.",
                hint=f"Name the field that holds the area's name with --name-field "
                f"(this feature has: {', '.join(sorted(props)) or 'no properties'}).",
            )
        code = str(props.get(code_field) or "") if code_field else ""
        code = code or f"{country}.{_slug(str(name))}"
        geom = polygonal(shape(feature["geometry"])) if feature.get("geometry") else None
        if geom is not None and not geom.is_valid:
            raise ValidationError(
                f"{path}, feature {number} ({name}): the polygon is not valid "
                f"({shapely.is_valid_reason(geom)}).",
                hint="Repair the boundary in a GIS before loading it.",
            )
        if code in grouped and geom is not None:  # one area in several features
            previous = grouped[code].geom
            grouped[code].geom = _multipolygon([g for g in (previous, geom) if g is not None])
        else:
            grouped[code] = AreaSpec(code, str(name), level, geom, parent_code, aliases={str(name)})
    return list(grouped.values())


def find_area(session: Session, name: str) -> AdminArea:
    """Return the area whose name or alias matches ``name``; raise NotFoundError otherwise."""
    key = normalise_name(name)
    ids = session.scalars(select(AdminAreaAlias.area_id).where(AdminAreaAlias.alias == key)).all()
    order = {"settlement": 0, "district": 1, "region": 2, "country": 3}
    areas = sorted(
        (session.get_one(AdminArea, i) for i in set(ids)),
        key=lambda a: (order.get(a.level, 9), a.id),
    )
    if len(areas) > 1 and areas[0].level == areas[1].level:
        raise ValidationError(
            f"The name {name!r} matches several areas: "
            + ", ".join(f"{a.name} ({a.code})" for a in areas)
            + ".",
            hint="Use the full name or the code of the one you mean.",
        )
    if not areas:
        raise NotFoundError(
            f"No administrative area is called {name!r}.",
            hint="Use a district's name as in `mineaction admin-areas list`, or load the "
            "areas with `mineaction admin-areas load FILE`.",
        )
    return areas[0]


def area_at(
    session: Session, lon: float, lat: float, *, level: str = "district"
) -> AdminArea | None:
    """Return the area of ``level`` that contains the position, or None."""
    point = Point(lon, lat)
    candidates = session.scalars(
        select(AdminArea).where(
            AdminArea.level == level,
            AdminArea.min_x <= lon,
            AdminArea.max_x >= lon,
            AdminArea.min_y <= lat,
            AdminArea.max_y >= lat,
        )
    )
    for area in candidates:
        if area.geom is not None and area.geom.covers(point):
            return area
    return None


def ensure_area(
    session: Session,
    *,
    name: str,
    level: str,
    parent: AdminArea | None,
    country: str | None,
    aliases: Iterable[str] = (),
    attribution: str | None = None,
) -> tuple[AdminArea, bool]:
    """Return the area called ``name`` at ``level`` under ``parent``, creating it if missing.

    For registers that name places but give no map: a created area has no
    boundary.  Extra ``aliases`` are added to the area found or created.
    Returns the area and whether it was created.
    """
    wanted = {normalise_name(name), *(normalise_name(a) for a in aliases)}
    query = (
        select(AdminArea)
        .join(AdminArea.aliases)
        .where(AdminAreaAlias.alias == normalise_name(name), AdminArea.level == level)
    )
    if parent is not None:
        query = query.where(AdminArea.parent_id == parent.id)
    elif level != "region":
        query = query.where(AdminArea.parent_id.is_(None))
    if country:
        query = query.where(AdminArea.country == country)
    found = session.scalars(query).first()
    if found is None:  # another spelling of a name created before ("Bogotá, D.C.")
        code = _area_code(name, parent.code if parent is not None else country)
        found = session.scalars(select(AdminArea).where(AdminArea.code == code)).first()
    if found is not None:
        _add_aliases(session, found, wanted)
        return found, False
    area = AdminArea(
        code=_area_code(name, parent.code if parent is not None else country),
        name=name,
        level=level,
        parent=parent,
        country=country,
        attribution=attribution,
    )
    area.aliases = [AdminAreaAlias(alias=a) for a in sorted(wanted)]
    session.add(area)
    session.flush()
    return area, True


def area_fields(
    session: Session,
    *,
    code: str | None,
    name: str | None,
    level: str | None,
    parent: str | None = None,
    country: str | None = None,
    geom: object | None = None,
    name_az: str | None = None,
    name_ru: str | None = None,
    attribution: str | None = None,
    source_id: str | None = None,
    approval: str = "approved",
    record_id: int | None = None,
) -> dict[str, Any]:
    """Check an administrative area and return its columns; raise ValidationError if wrong.

    ``parent`` names the area above it (code, name or alias); the boundary is
    validated as a polygon but not against a country: areas are what countries
    are made of.  ``record_id`` is the area being changed (its own code is no clash).
    """
    problems = Problems()
    if not code or not code.strip():
        problems.add("code", code, "code is required.", "Give a short unique code, e.g. AZE.AGD.")
    else:
        other = session.scalar(select(AdminArea.id).where(AdminArea.code == code.strip()))
        if other is not None and other != record_id:
            problems.add(
                "code",
                code,
                f"An area with the code {code!r} exists already.",
                "Use another code; to change a loaded area's boundary use "
                "`mineaction admin-areas load`.",
            )
    if not name or not name.strip():
        problems.add("name", name, "name is required.")
    problems.code(vocab.ADMIN_LEVEL, level, "level")
    problems.code(vocab.APPROVAL, approval, "approval")
    parent_area = None
    if parent:
        try:
            parent_area = session.scalars(select(AdminArea).where(AdminArea.code == parent)).first()
            parent_area = parent_area or find_area(session, parent)
        except (NotFoundError, ValidationError) as exc:
            problems.add("parent", parent, exc.message, exc.hint)
    problems.raise_if_any(f"administrative area {code or ''}".strip())
    shape = polygonal(validate_polygon(geom)) if geom is not None else None
    assert code and name
    return {
        "code": code.strip(),
        "name": name.strip(),
        "level": level,
        "parent_id": parent_area.id if parent_area else None,
        "country": country or (parent_area.country if parent_area else None),
        "geom": shape,
        "area_m2": geodesic_area_m2(shape) if shape is not None else None,
        "name_az": name_az,
        "name_ru": name_ru,
        "attribution": attribution,
        "source_id": source_id,
        "approval": approval,
    }


def create_area(*, session: Session, aliases: Iterable[str] = (), **values: Any) -> AdminArea:
    """Record an area (the arguments of :func:`area_fields`), findable by every name it has."""
    area = AdminArea(**area_fields(session, **values))
    session.add(area)
    session.flush()
    _add_aliases(session, area, _names_of(area, aliases))
    return area


def update_area(
    *, session: Session, area: AdminArea, aliases: Iterable[str] = (), **values: Any
) -> AdminArea:
    """Give an area that is not approved yet its new state; its names are kept findable."""
    apply_fields(area, area_fields(session, record_id=area.id, **values))
    session.flush()
    _add_aliases(session, area, _names_of(area, aliases))
    return area


def _names_of(area: AdminArea, aliases: Iterable[str]) -> set[str]:
    names = {area.name, area.code, *aliases, *(n for n in (area.name_az, area.name_ru) if n)}
    return {normalise_name(n) for n in names if n and n.strip()}


def local_names(session: Session, lang: str) -> dict[str, str]:
    """Return each area's name in ``lang`` (az or ru) by its English name, where it has one."""
    column = {"az": AdminArea.name_az, "ru": AdminArea.name_ru}.get(lang)
    if column is None:
        return {}
    rows = session.execute(select(AdminArea.name, column).where(column.is_not(None)))
    return {name: local for name, local in rows if local}


def country_area(session: Session, iso3: str) -> AdminArea | None:
    """Return the country-level area ``iso3``, or None when it was never loaded."""
    return session.scalars(
        select(AdminArea).where(AdminArea.code == iso3, AdminArea.level == "country")
    ).first()


def _add_aliases(session: Session, area: AdminArea, aliases: set[str]) -> None:
    known = set(
        session.scalars(select(AdminAreaAlias.alias).where(AdminAreaAlias.area_id == area.id))
    )
    session.add_all(AdminAreaAlias(area_id=area.id, alias=a) for a in sorted(aliases - known))
    session.flush()


def _area_code(name: str, prefix: str | None) -> str:
    slug = _slug(name) or "area"
    return f"{prefix}.{slug}" if prefix else slug


def place_point(
    session: Session,
    lon: float | None,
    lat: float | None,
    admin_area_id: int | None,
    country: CountryChoice,
) -> tuple[Point | None, int | None]:
    """Validate a position and give it its district when none was named.

    Returns the point (None without coordinates) and the district's id.
    """
    if lon is None or lat is None:
        return None, admin_area_id
    point = validate_point(lon, lat, country=resolve_country(session, country), field="lon")
    if admin_area_id is None:
        admin_area_id = district_id_of(session, point)
    else:
        check_point_in_area(session, point, admin_area_id)
    return point, admin_area_id


def check_point_in_area(
    session: Session, point: Point, admin_area_id: int, *, tolerance_m: float = AREA_TOLERANCE_M
) -> None:
    """Refuse a point more than ``tolerance_m`` outside the area a record names.

    Area boundaries are coarse (simplified polygons), so a point just across one
    is accepted; an area without a polygon (created by name) accepts any point.
    """
    area = session.get(AdminArea, admin_area_id)
    if area is None or area.geom is None or area.geom.covers(point):
        return
    local_area, epsg = to_local_metric(area.geom)
    local_point, _ = to_local_metric(point, epsg)
    distance = local_area.distance(local_point)
    if distance <= tolerance_m:
        return
    holder = area_at(session, point.x, point.y, level=area.level)
    where = f"it lies in {holder.name}" if holder else "no area of the database holds it"
    raise ValidationError(
        f"The position ({point.x:.5f}, {point.y:.5f}) is {distance / 1000:,.1f} km outside "
        f"{area.name}, the area named for it ({where}).",
        hint="Check the coordinates (lon and lat swapped?) and the district; leave the "
        "district empty to take it from the position.",
        problems=[
            Problem(
                reason=f"position {distance / 1000:,.1f} km outside {area.name} ({where})",
                field="district",
                value=area.name,
                hint="Check lon/lat and the district; an empty district is taken from the "
                "position.",
            )
        ],
    )


def check_inside(session: Session, area_id: int, geom: BaseGeometry, *, field: str) -> None:
    """Refuse ``geom`` when it does not lie in the area ``area_id`` that the row names.

    The test is the one ``district_id_of`` uses (a point surely inside the
    shape), so a polygon that only touches the boundary is not refused.
    """
    area = session.get_one(AdminArea, area_id)
    where = geom.representative_point()
    if area.geom is None or area.geom.covers(where):
        return
    actual = area_at(session, where.x, where.y)
    lies = f"in {actual.name}" if actual else "outside every district"
    raise ValidationError(
        f"The polygon lies {lies}, not in {area.name}.",
        hint="Leave the district empty to take it from the polygon, or correct the polygon.",
        problems=[
            Problem(
                reason=f"the polygon lies {lies}, not in {area.name}",
                field=field,
                value=area.name,
                hint="Leave the district empty to take it from the polygon, or correct the "
                "polygon.",
            )
        ],
    )


def district_id_of(session: Session, geom: BaseGeometry) -> int | None:
    """Return the id of the district that holds ``geom`` (at a point surely inside it)."""
    where = geom.representative_point()
    area = area_at(session, where.x, where.y)
    return area.id if area else None


def _base(name: str) -> str:
    return re.sub(r" (District|City)$", "", name)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise_name(name)).strip("-")


def _region_code(key: str | None) -> str | None:
    return f"AZE.region.{key}" if key else None


def _multipolygon(geoms: list[BaseGeometry | None]) -> MultiPolygon:
    merged = shapely.union_all([g for g in geoms if g is not None])
    return polygonal(merged)
