"""Fixtures for the geo tests: a stand-in for Azerbaijan that is a plain box."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from mineaction.geo import Country

# Azerbaijan's extent, as a box. Every latitude in it (38.3–41.9) is below every
# longitude (44.7–50.4), so any position in it, swapped, falls outside it.
AZ_BOX = (44.7, 38.3, 50.4, 41.9)


@pytest.fixture(scope="session")
def azerbaijan() -> Country:
    return Country(name="Azerbaijan", iso3="AZE", geometry=box(*AZ_BOX))
