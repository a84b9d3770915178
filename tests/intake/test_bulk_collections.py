"""The bulk import runs the garbage collector between chunks only when they leave objects behind.

Story: a million clean findings leave nothing for the collector to free,
so it is not run after every chunk for nothing; a file whose rows make
reference cycles (as the per-row code's objects may) still has them freed
as the import goes, so memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from mineaction.intake.bulk import run as bulk_run


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generations the collector runs on, in order, while the test runs."""
    runs: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(seen)
    yield runs
    gc.callbacks.remove(seen)


def cycles(n: int) -> None:
    """Make ``n`` pairs of lists that refer to each other, and drop them."""
    for _ in range(n):
        a: list[Any] = []
        b: list[Any] = [a]
        a.append(b)


def test_chunks_that_leave_little_behind_do_not_run_the_collector(
    collections: list[int],
) -> None:
    kept = []
    with bulk_run._collections_between_chunks() as collect:
        for _ in range(30):
            kept.append([object() for _ in range(100)])  # a chunk's few survivors
            assert collect() == 0
    assert collections == []


def test_cycles_left_by_chunks_are_freed_as_the_import_goes(collections: list[int]) -> None:
    freed = []
    with bulk_run._collections_between_chunks() as collect:
        for _ in range(2 * bulk_run.FULL_COLLECTION_EVERY):
            cycles(bulk_run.COLLECT_AFTER_OBJECTS)  # two lists each, left for the collector
            freed.append(collect())
            assert gc.get_count()[0] < bulk_run.COLLECT_AFTER_OBJECTS
    assert all(n >= 2 * bulk_run.COLLECT_AFTER_OBJECTS for n in freed)
    # The young generations after each chunk, every generation every tenth time.
    every = bulk_run.FULL_COLLECTION_EVERY
    assert collections == ([1] * (every - 1) + [2]) * 2
