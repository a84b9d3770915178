"""Numpy's huge-page advice is off inside ``ordinary_pages`` and back after the last block."""

from __future__ import annotations

import threading

import numpy as np

from mineaction.analytics.spatial import pages


def _advice() -> bool:
    """Return numpy's huge-page advice, leaving it as it was."""
    now = pages._switch(True)
    pages._switch(now)
    return now


def test_the_advice_is_off_inside_and_as_it_was_after() -> None:
    for before in (True, False):
        pages._switch(before)
        with pages.ordinary_pages():
            assert _advice() is False
            assert np.arange(3).sum() == 3  # numpy works as ever
        assert _advice() is before
    pages._switch(True)


def test_overlapping_blocks_in_two_threads_restore_the_advice_once_both_end() -> None:
    pages._switch(True)
    entered, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with pages.ordinary_pages():
            entered.set()
            release.wait(5)
            seen.append(_advice())

    thread = threading.Thread(target=other)
    with pages.ordinary_pages():
        thread.start()
        assert entered.wait(5)
    # This block has ended, the other's has not: the advice stays off.
    assert _advice() is False
    release.set()
    thread.join(5)
    assert seen == [False]
    assert _advice() is True
