"""The bulk import reads the next chunk in a thread: same chunks, same errors, and it stops.

Story: while one chunk of a large file is checked and written, the next is
already being read.  The chunks must come in file order, an error in the
file must reach the import where reading it in turn would have raised it,
and an import that stops early must not leave the file being read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from mineaction.errors import ValidationError
from mineaction.intake.bulk.read_ahead import chunks_read_ahead


def test_chunks_arrive_in_order_with_the_last_one_short() -> None:
    with chunks_read_ahead(iter(range(10)), 4) as chunks:
        assert list(chunks) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_reading_error_arrives_after_the_chunks_before_it() -> None:
    def rows() -> Iterator[int]:
        yield from range(6)
        raise ValidationError("row 7 is cut short", hint="send the whole file")

    got = []
    with (
        pytest.raises(ValidationError, match="row 7 is cut short"),
        chunks_read_ahead(rows(), 4) as chunks,
    ):
        for chunk in chunks:
            got.append(chunk)
    assert got == [[0, 1, 2, 3]]  # the chunk the error was in never arrives


def test_an_import_that_stops_early_stops_the_reader_and_closes_the_file() -> None:
    closed = threading.Event()
    read = []

    def rows() -> Iterator[int]:
        try:
            for i in range(1_000_000):
                read.append(i)
                yield i
        finally:
            closed.set()

    with pytest.raises(RuntimeError), chunks_read_ahead(rows(), 10) as chunks:
        next(chunks)
        raise RuntimeError("the import failed")
    assert closed.is_set()
    assert len(read) < 100  # a few chunks ahead at most, not the whole file
    assert not any(t.name == "import-reader" for t in threading.enumerate())
