"""Pausing the garbage collector: nested and overlapping pauses, and a collector left off."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from mineaction import collector


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_the_collector_runs_again_only_when_the_last_pause_ends() -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pauses_overlapping_between_threads_end_with_the_collector_on() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector.paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    with collector.paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread's pause goes on after this one ended
    leave.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_and_an_error_still_ends_the_pause() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_objects_from_before_the_freeze_stay_out_of_collections_until_the_last_block_ends() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only a collection frees it

    gc.collect()
    before = Node()
    with collector.frozen():
        assert gc.get_freeze_count() > 0
        with collector.frozen():  # nested: the outer block keeps them frozen
            pass
        assert gc.get_freeze_count() > 0
        made = Node()
        kept, freed = weakref.ref(before), weakref.ref(made)
        del before, made
        gc.collect()
        # The cycle made inside the block is freed; the one from before is not walked.
        assert freed() is None
        assert kept() is not None
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert kept() is None
