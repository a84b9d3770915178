"""Hectares and square metres as the reports round them: float noise never moves a figure."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mineaction.analytics.reports.base import ha, ha_list, tenths_list, whole_m2

#: Areas in m² and percentages, with the exact halves and near-halves where rounding turns.
AREAS = st.one_of(
    st.floats(0, 1e12, allow_nan=False),
    st.integers(0, 10**13).map(lambda cents: cents / 100),
    st.integers(0, 10**8).map(lambda n: n * 500 + 0.0),
    st.integers(1, 10**8).map(lambda n: n * 500 - 1e-7),
    st.integers(0, 10**8).map(lambda n: n * 500 + 1e-7),
)
PERCENTS = st.one_of(
    st.floats(0, 100, allow_nan=False),
    st.integers(0, 2000).map(lambda n: n / 20),
    st.integers(0, 2000).map(lambda n: n / 20 + 1e-13),
    st.integers(0, 2000).map(lambda n: n / 20 - 1e-13),
    st.integers(1, 10**6).flatmap(lambda m2: st.integers(0, m2).map(lambda d: 100 * (d / m2))),
)


@given(st.integers(0, 10**9), st.floats(-1e-6, 1e-6))
def test_float_noise_below_a_hundredth_of_a_square_metre_changes_nothing(
    cents: int, noise: float
) -> None:
    exact = cents / 100
    assert ha(exact + noise) == ha(exact)
    assert whole_m2(exact + noise) == whole_m2(exact)


def test_an_exact_half_goes_to_the_even_tenth_or_metre() -> None:
    assert [ha(53_500), ha(54_500), ha(20_463_000)] == [5.4, 5.4, 2046.3]
    assert [whole_m2(881_147.5), whole_m2(881_148.5)] == [881_148, 881_148]


@given(st.lists(AREAS, max_size=50))
def test_a_column_of_hectares_is_ha_of_each(areas: list[float]) -> None:
    assert ha_list(np.array(areas, dtype=np.float64)) == [ha(m2) for m2 in areas]


@given(st.lists(PERCENTS, max_size=50))
def test_a_column_of_tenths_is_round_of_each(percents: list[float]) -> None:
    assert tenths_list(np.array(percents, dtype=np.float64)) == [round(p, 1) for p in percents]


def test_the_columns_turn_the_exact_halves_to_the_even_tenth() -> None:
    assert ha_list(np.array([53_500.0, 54_500.0, 20_463_000.0, 53_499.999_999_9])) == [
        5.4,
        5.4,
        2046.3,
        5.4,
    ]
    assert tenths_list(np.array([0.25, 0.75, 12.35, 99.95])) == [
        round(0.25, 1),
        round(0.75, 1),
        round(12.35, 1),
        round(99.95, 1),
    ]
