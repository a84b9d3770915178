"""Hostile requests: schemathesis fuzzes every endpoint of /api/openapi.json, as every role.

The application serves the small national database of tests/api (three
operators, hazards, findings, a release, an accident) and is called in process
(ASGI) with each persona's API token, and as the anonymous public.  Requests
are drawn from the OpenAPI spec, valid and invalid alike; whatever they hold,
the server never answers 500, a response whose status the spec declares
matches the declared schema, and a refused request (4xx) changes no table
(but the count of failed sign-ins, which is kept on purpose).

CI fuzzes every role on SQLite and the IM officer on PostGIS (the roles share
the code; the backend is what differs); ``MINEACTION_FUZZ=figures`` runs every
role on both backends with many more requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import func, select

from mineaction.analytics.reports import REPORTS
from mineaction.api.app import create_app
from mineaction.config import Settings, get_settings
from mineaction.services import auth, users
from mineaction.services.catalogue import KINDS
from mineaction.store.base import Base
from mineaction.store.database import Database
from tests.api.conftest import BY_ROLE, PASSWORD, PERSONAS, World, build_national_data
from tests.conftest import fresh_database
from tests.hardening.profile import FUZZ, PROFILE, TALLY

#: Requests per role: a few per endpoint in CI, many for the figures.
REQUESTS = {"ci": 120, "figures": 600}[PROFILE]
#: Tables a refused request may write to: a failed sign-in is counted on purpose.
REFUSALS_RECORDED = {"login_failures"}
#: Signing out would revoke the token the rest of the run signs in with.
LEFT_OUT = {("DELETE", "/api/session")}
ROLES = sorted(BY_ROLE)
PAIRS = [("sqlite", role) for role in ROLES] + (
    [("postgis", role) for role in ROLES] if PROFILE == "figures" else [("postgis", "im_officer")]
)


def fingerprint(db: Database) -> dict[str, int]:
    """Return the row count of every table but those refusals are recorded in."""
    with db.session() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name not in REFUSALS_RECORDED
        }


@pytest.fixture(scope="module")
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], World]]:
    """Return a builder of the national database and app per backend, each built once."""
    built: dict[str, World] = {}
    closers = []

    def world(backend: str) -> World:
        if backend not in built:
            databases = fresh_database(backend, tmp_path_factory.mktemp("fuzz-api"), request)
            closers.append(databases)
            db = next(databases)
            build_national_data(db)
            tokens = {}
            with db.session(actor="test-setup") as session:
                for name, (role, org) in PERSONAS.items():
                    users.add_user(
                        session=session,
                        username=name,
                        role=role,
                        password=PASSWORD,
                        organisation=org,
                    )
                    tokens[name] = auth.create_token(
                        session=session,
                        username=name,
                        name="fuzz",
                        secret=get_settings().secret_key,
                    )
            app = create_app(db.url, settings=Settings(login_attempts=3))
            built[backend] = World(db=db, app=app, tokens=tokens)
        return built[backend]

    yield world
    for databases in closers:
        databases.close()


#: Path parameters that name things which exist, so that requests reach past the 404.
KNOWN: dict[str, st.SearchStrategy[object]] = {
    "kind": st.sampled_from(sorted(KINDS)),
    "collection_id": st.sampled_from(sorted(KINDS)),
    "name": st.sampled_from(sorted(REPORTS)),
    "record_id": st.integers(1, 30),
    "feature_id": st.integers(1, 30).map(str),
    "step": st.sampled_from(["submit", "approve", "reject"]),
}


def known_names(
    op: schemathesis.APIOperation, mode: GenerationMode
) -> st.SearchStrategy[schemathesis.Case] | None:
    """Return cases of ``op`` whose path names existing kinds, reports and records."""
    names = [p.name for p in op.path_parameters]
    if not names or any(n not in KNOWN for n in names):
        return None
    return st.fixed_dictionaries({n: KNOWN[n] for n in names}).flatmap(
        lambda values: op.as_strategy(generation_mode=mode, path_parameters=values)
    )


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "role"), PAIRS)
def test_no_request_makes_the_server_fail(
    backend: str, role: str, worlds: Callable[[str], World]
) -> None:
    world = worlds(backend)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", world.app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if (result.ok().method.upper(), result.ok().path) not in LEFT_OUT
    ]
    strategies = [
        strategy
        for op in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for strategy in (op.as_strategy(generation_mode=mode), known_names(op, mode))
        if strategy is not None
    ]
    persona = BY_ROLE[role]
    headers = {"Authorization": f"Bearer {world.tokens[persona]}"} if persona else {}

    @settings(FUZZ, max_examples=REQUESTS)
    @given(case=st.one_of(strategies))
    def request(case: schemathesis.Case) -> None:
        before = fingerprint(world.db)
        response = case.call(headers=headers)
        TALLY[f"requests {role}"] += 1
        TALLY[f"requests {backend}"] += 1
        TALLY[f"status {response.status_code}"] += 1
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance], headers=headers
        )
        if response.status_code >= 400:  # a refused request leaves no trace but its refusal
            after = fingerprint(world.db)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{response.status_code} yet tables changed: {changed}"

    request()
