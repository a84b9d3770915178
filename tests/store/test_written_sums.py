"""The bulk writer's roll-up sums: figures summed by key in arrays, as a dictionary would sum them.

Story: a season of a million findings reaches the roll-up in one upsert per
roll-up row; the sums that lead to it are made with NumPy, chunk by chunk,
and summed together again.  Whatever the keys (a district's small id or a
model id past 2^40), each key must get exactly the total and count of its rows.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from mineaction.store.rollup_ddl import _Sums


def batch(rng: np.random.Generator, n: int, member_high: int) -> _Sums:
    keys = (
        rng.integers(0, 40, n),  # span
        rng.integers(0, 2, n),  # approval
        rng.integers(0, 3, n),  # dimension
        rng.integers(0, 7, n),  # kind
        rng.integers(0, member_high, n),  # member
    )
    return _Sums(tuple(keys), rng.integers(1, 50, n), np.ones(n, dtype=np.int64))


def entries(sums: _Sums) -> list[tuple[tuple[int, ...], int, int]]:
    columns = [k.tolist() for k in sums.keys]
    rows = zip(*columns, sums.totals.tolist(), sums.counts.tolist(), strict=True)
    return [(tuple(key), total, count) for *key, total, count in rows]


def by_dictionary(parts: list[_Sums]) -> dict[tuple[int, ...], tuple[int, int]]:
    sums: dict[tuple[int, ...], list[int]] = defaultdict(lambda: [0, 0])
    for part in parts:
        for key, total, count in entries(part):
            sums[key][0] += total
            sums[key][1] += count
    return {k: (t, c) for k, (t, c) in sums.items()}


# Small member ids make one whole number of the key; ids near 2^62 do not fit and take
# the sort by parts.
@pytest.mark.parametrize("member_high", [15, 2**40, 2**62])
def test_batches_are_summed_by_key_as_a_dictionary_sums_them(member_high: int) -> None:
    rng = np.random.default_rng(member_high % 1000)
    parts = [batch(rng, n, member_high) for n in (1, 700, 3000)]
    summed = _Sums.of(parts)
    got = entries(summed)
    assert {key: (t, c) for key, t, c in got} == by_dictionary(parts)
    assert len({key for key, _, _ in got}) == len(got)  # one entry per key
    assert [key for key, _, _ in got] == sorted(key for key, _, _ in got)
    again = _Sums.of([summed, parts[0]])  # sums of sums, as the writer compacts them
    assert by_dictionary([again]) == by_dictionary([*parts, parts[0]])
