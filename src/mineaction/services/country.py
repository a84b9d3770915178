"""The configured country's boundary, for "is this position in the country?" checks."""

from __future__ import annotations

from threading import Lock
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.errors import ConfigurationError
from mineaction.geo import Country
from mineaction.store.tables import AdminArea

#: How a service is told which country positions must lie in: the configured
#: country (the default), a given one, or None for no check at all (data from a
#: country whose outline is not loaded).
CountryChoice = Country | None | Literal["configured"]
CONFIGURED: Literal["configured"] = "configured"

_cache: dict[tuple[str, str, int], Country] = {}
_lock = Lock()


def current_country(session: Session, iso3: str) -> Country | None:
    """Return the country ``iso3`` as loaded in the database, or None when it has no boundary.

    Cached per database and country version, so a reloaded boundary is picked up.
    """
    row = session.execute(
        select(AdminArea.id, AdminArea.version).where(
            AdminArea.level == "country", AdminArea.code == iso3, AdminArea.geom.is_not(None)
        )
    ).one_or_none()
    if row is None:
        return None
    key = (str(session.get_bind().engine.url), iso3, row.version)
    with _lock:
        cached = _cache.get(key)
    if cached is None:  # only now load the (large) boundary
        area = session.get_one(AdminArea, row.id)
        cached = Country(name=area.name, iso3=iso3, geometry=area.geom)
        with _lock:
            _cache[key] = cached
    return cached


def configured_country(session: Session) -> Country | None:
    """Return the country of the settings (MINEACTION_COUNTRY) if its boundary is loaded."""
    from mineaction.config import get_settings

    return current_country(session, get_settings().country)


def resolve_country(session: Session, choice: CountryChoice) -> Country | None:
    """Return the country to check against for ``choice`` (see CountryChoice)."""
    return configured_country(session) if isinstance(choice, str) else choice


def require_country(session: Session, iso3: str) -> Country:
    """Return the country ``iso3``; raise ConfigurationError when it was never loaded."""
    country = current_country(session, iso3)
    if country is None:
        raise ConfigurationError(
            f"The boundary of the country {iso3!r} is not in the database.",
            hint="Run `mineaction init` (Azerbaijan) or `mineaction admin-areas load FILE "
            "--country ISO3`, or set MINEACTION_COUNTRY to a loaded country.",
        )
    return country
