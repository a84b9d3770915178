"""A small demo database per backend, built once for this package (a few seconds each)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mineaction.demo import build_demo
from mineaction.store.database import Database
from tests.conftest import BACKENDS, fresh_database


@pytest.fixture(scope="package", params=BACKENDS)
def demo_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """The synthetic demo at scale 0.03 (Karabakh, 2020–2024), on each backend."""
    path = tmp_path_factory.mktemp("plan-demo")
    for db in fresh_database(request.param, path, request):
        build_demo(db, seed=7, scale=0.03)
        yield db
