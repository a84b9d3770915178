"""A module-scoped database per backend, for report tests that build their data once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mineaction.store.database import Database
from tests.conftest import BACKENDS, fresh_database


@pytest.fixture(scope="module", params=BACKENDS)
def module_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A fresh database (schema + Azerbaijan's districts) shared by one module's tests."""
    yield from fresh_database(request.param, tmp_path_factory.mktemp("reports"), request)
