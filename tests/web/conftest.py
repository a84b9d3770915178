"""The web tests use the API tests' small national database and personas.

The planning and reports pages need a programme with a history (progress
reports, releases, development projects): ``demo_world`` is the synthetic
demo at scale 0.03 with the same personas, built once per backend.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from mineaction.api.app import create_app
from mineaction.config import Settings, get_settings
from mineaction.demo import build_demo
from mineaction.services import auth, users
from tests.api.conftest import PASSWORD, PERSONAS, World, served, world
from tests.conftest import BACKENDS, fresh_database
from tests.web.chromium import launched

__all__ = ["browser", "demo_site", "demo_world", "world"]


@pytest.fixture(scope="package", params=BACKENDS)
def demo_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The demo programme (seed 7, scale 0.03) with Nigar, Elvin, Leyla, Aysel and Rauf."""
    databases = fresh_database(request.param, tmp_path_factory.mktemp("web-demo"), request)
    db = next(databases)
    try:
        build_demo(db, seed=7, scale=0.03)
        secret = get_settings().secret_key
        tokens = {}
        with db.session(actor="test-setup") as session:
            for name, (role, org) in PERSONAS.items():
                users.add_user(
                    session=session, username=name, role=role, password=PASSWORD, organisation=org
                )
                tokens[name] = auth.create_token(
                    session=session, username=name, name="tests", secret=secret
                )
        yield World(db=db, app=create_app(db.url, settings=Settings()), tokens=tokens)
    finally:
        databases.close()


@pytest.fixture(scope="module")
def demo_site(demo_world: World) -> Iterator[str]:
    """The demo world served on a loopback port, for Chromium."""
    with served(demo_world.app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (a module may define its own)."""
    yield from launched()
