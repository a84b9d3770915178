"""Property tests: whatever releases arrive, the ledger never counts land twice."""

from __future__ import annotations

import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from mineaction.domain.ledger import HazardLedger, apply_release, polygonal
from mineaction.errors import LedgerError
from mineaction.geo import geodesic_area_m2

# A hazard of roughly 1 km x 1 km in Fuzuli district, in degrees.
HAZARD = box(47.10, 39.55, 47.112, 39.559)
X0, Y0, X1, Y1 = HAZARD.bounds

fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
rectangles = st.tuples(fractions, fractions, fractions, fractions).map(
    lambda f: box(
        X0 + (X1 - X0) * min(f[0], f[2]) - 1e-4,
        Y0 + (Y1 - Y0) * min(f[1], f[3]),
        X0 + (X1 - X0) * max(f[0], f[2]) + 1e-4,
        Y0 + (Y1 - Y0) * max(f[1], f[3]),
    )
)
releases = st.lists(
    st.one_of(
        rectangles.map(lambda r: ("polygon", r)),
        st.floats(min_value=1.0, max_value=400_000.0).map(lambda a: ("area", a)),
    ),
    min_size=1,
    max_size=8,
)


def _run(steps: list[tuple[str, object]]) -> tuple[HazardLedger, list[float], list]:
    area = geodesic_area_m2(HAZARD)
    state = HazardLedger("HA-1", HAZARD, HAZARD, area, 0.0)
    counted: list[float] = []
    shapes = []
    for kind, value in steps:
        clipped = polygonal(shapely.intersection(value, HAZARD)) if kind == "polygon" else None
        try:
            if kind == "polygon":
                outcome = apply_release(state, geom=clipped if not clipped.is_empty else value)
            else:
                outcome = apply_release(state, reported_m2=float(value))  # type: ignore[arg-type]
        except LedgerError:
            continue
        counted.append(outcome.counted_m2)
        if outcome.counted_geom is not None:
            shapes.append(outcome.counted_geom)
        state = HazardLedger("HA-1", HAZARD, outcome.remaining_geom, area, outcome.released_m2)
    return state, counted, shapes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases)
def test_released_land_never_exceeds_the_hazard(steps: list[tuple[str, object]]) -> None:
    state, counted, _ = _run(steps)
    assert sum(counted) <= state.area_m2 * (1 + 1e-9) + 1.0
    assert (
        state.released_m2 == min(sum(counted), state.area_m2)
        or abs(state.released_m2 - sum(counted)) < 1.0
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rectangles, min_size=1, max_size=8))
def test_overlapping_polygons_are_counted_once(rects: list) -> None:
    state, counted, shapes = _run([("polygon", r) for r in rects])
    union = polygonal(shapely.union_all(shapes)) if shapes else polygonal(None)
    # the counted pieces do not overlap: their sum is the area of their union
    # (pieces and their union differ only by geodesic edges vs cuts in degrees: < 0.01%)
    assert abs(sum(counted) - geodesic_area_m2(union)) <= 1e-4 * state.area_m2
    # what remains is the hazard minus everything released
    assert abs(geodesic_area_m2(state.remaining_geom) - (state.area_m2 - sum(counted))) <= (
        1e-4 * state.area_m2
    )


@settings(max_examples=80, deadline=None)
@given(rectangles)
def test_a_release_poking_far_outside_the_hazard_is_refused(rect) -> None:
    outside = shapely.affinity.translate(rect, xoff=(X1 - X0) * 1.5)
    assume(geodesic_area_m2(outside) >= 1.0)  # flat ones are refused for having no area
    state = HazardLedger("HA-1", HAZARD, HAZARD, geodesic_area_m2(HAZARD), 0.0)
    try:
        apply_release(state, geom=outside)
    except LedgerError as exc:
        assert "outside hazard HA-1" in exc.message
    else:
        raise AssertionError("a release wholly outside the hazard was accepted")


def test_a_release_without_area_is_refused_as_such() -> None:
    state = HazardLedger("HA-1", HAZARD, HAZARD, geodesic_area_m2(HAZARD), 0.0)
    flat = box(X0, Y0, X1, Y0)
    try:
        apply_release(state, geom=flat)
    except LedgerError as exc:
        assert "has no area" in exc.message
    else:
        raise AssertionError("a release without area was accepted")
