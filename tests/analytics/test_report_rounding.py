"""Hectares and square metres as the reports round them: float noise never moves a figure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mineaction.analytics.reports.base import ha, whole_m2


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
