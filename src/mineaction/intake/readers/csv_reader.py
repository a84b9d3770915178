"""CSV files: UTF-8 or Windows-1251, any of , ; TAB | as delimiter, read a line at a time.

The file is read as bytes, one physical line at a time, and each line decoded on
its own, so that a line in another encoding is reported with its row number and
memory stays flat however long the file is. Quoted cells may span lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from mineaction.errors import Problem
from mineaction.intake.readers.base import (
    Chunk,
    OpenOptions,
    SourceRow,
    Table,
    Value,
    clean_header,
    refuse,
    row_values,
)
from mineaction.intake.readers.encoding import SAVE_AS_UTF8, detect_encoding

__all__ = ["DELIMITERS", "MAX_CELL_BYTES", "MAX_LINE_BYTES", "SAMPLE_BYTES", "CsvTable"]

#: Bytes read from the start of the file to choose the encoding and the delimiter.
SAMPLE_BYTES = 64 * 1024
#: The delimiters tried, in order of preference when two fit equally well.
DELIMITERS = ",;\t|"
#: Longest physical line accepted; a longer one is almost always not CSV at all.
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Longest cell accepted: the csv module's own limit (128 KB), left as it is because it is
#: process-wide. A longer cell nearly always means a quote mark that is never closed.
MAX_CELL_BYTES = 128 * 1024

Opener = Callable[[], IO[bytes]]


class _Lines:
    """The decoded lines of a binary stream, remembering those of the current record."""

    def __init__(self, stream: IO[bytes], encoding: str, source: str, *, line: int = 0) -> None:
        self.stream = stream
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.source = source
        self.line = line
        self.exhausted = False
        self.record: list[str] = []
        self.undecodable = False
        if encoding == "utf-8-sig" and line == 0:  # from the start of the file: skip the BOM
            stream.read(3)

    def start_record(self) -> None:
        self.record = []
        self.undecodable = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.stream.readline(MAX_LINE_BYTES)
        if not raw:
            self.exhausted = True
            raise StopIteration
        self.line += 1
        if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            refuse(
                self.source,
                f"{self.source}: line {self.line} is longer than "
                f"{MAX_LINE_BYTES // 2**20} MB, so the file is not a CSV table.",
                hint="send the table as CSV (UTF-8) or as an Excel .xlsx file",
                row=self.line,
            )
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError:
            text = raw.decode(self.encoding, errors="replace")
            self.undecodable = True
        self.record.append(text)
        return text


class CsvTable(Table):
    """A CSV file (or a CSV inside a zip), streamed record by record."""

    kind = "CSV file"

    def __init__(
        self,
        *,
        source: str,
        opener: Opener,
        size: int,
        crs: str | None = None,
    ) -> None:
        self._opener = opener
        self._size = size
        with opener() as f:
            sample = f.read(SAMPLE_BYTES)
        self.encoding = detect_encoding(sample, source=source)
        text = sample.decode(self.encoding, errors="replace")
        self.delimiter = choose_delimiter(text)
        self._bytes_per_row = _bytes_per_row(sample)
        super().__init__(source=source, columns=[], crs=crs)
        self.header_row, self.columns = self._read_header()

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> CsvTable:
        """Return the CSV file at ``path``, its encoding, delimiter and header checked."""
        return cls(
            source=path.name,
            opener=lambda: path.open("rb"),
            size=path.stat().st_size,
            crs=options.crs,
        )

    def count_hint(self) -> int | None:
        """Return an estimate from the file size and the length of the first rows."""
        if not self._bytes_per_row:
            return None
        return max(0, round(self._size / self._bytes_per_row) - self.header_row)

    def _read_header(self) -> tuple[int, list[str]]:
        """Return the header's row number and names: the first non-empty record."""
        with self._opener() as stream:
            for number, cells, _problems in self._records(self.lines(stream)):
                if any(c.strip() for c in cells):
                    return number, clean_header(cells, source=self.source, row=number)
        refuse(self.source, f"{self.source} is empty.", hint="check that you sent the right file")

    def lines(self, stream: IO[bytes], *, line: int = 0) -> _Lines:
        """Return the lines of ``stream``, read from its position, which is after ``line`` lines."""
        return _Lines(stream, self.encoding, self.source, line=line)

    def rows(self) -> Iterator[SourceRow]:
        """Yield the data rows after the header, skipping empty ones."""
        with self._opener() as stream:
            yield from self.rows_from(self.lines(stream))

    def chunks(self, size: int) -> Iterator[Chunk]:
        """Yield the rows in chunks of ``size``; plain stretches column by column (csv_columns)."""
        from mineaction.intake.readers.csv_columns import csv_chunks

        return csv_chunks(self, size)

    def rows_from(self, lines: _Lines, after: int = 0) -> Iterator[SourceRow]:
        """Yield the data rows of ``lines``, whose first record is record ``after + 1``."""
        columns = self.columns
        width = len(columns)
        for number, cells, problems in self._records(lines, after):
            if number <= self.header_row or not "".join(cells).strip():
                continue
            if len(cells) == width:  # most rows: every cell a text, none past the header
                texts: list[Value] = [c if c.strip() else None for c in cells]
                values = dict(zip(columns, texts, strict=True))
                yield SourceRow(number=number, values=values, problems=problems)
                continue
            values, extra = row_values(columns, cells, source=self.source, number=number)
            yield SourceRow(number=number, values=values, problems=problems + extra)

    def _records(
        self, lines: _Lines, number: int = 0
    ) -> Iterator[tuple[int, list[str], list[Problem]]]:
        """Yield (row number, cells, problems) for every record of ``lines``, blank ones included.

        ``number`` is the number of the record before the first one.
        """
        reader = csv.reader(lines, delimiter=self.delimiter, quotechar='"', doublequote=True)
        while True:
            number += 1
            lines.start_record()
            first_line = lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._refuse_record(exc, number, first_line)
            if lines.exhausted and not self._closed(lines.record):
                self._refuse_truncated(number, first_line)
            problems = []
            if lines.undecodable:
                problems.append(self._undecodable(number))
            yield number, cells, problems

    def _closed(self, record: list[str]) -> bool:
        """Return True if the record's text ends outside any quoted cell."""
        strict = csv.reader(io.StringIO("".join(record)), delimiter=self.delimiter, strict=True)
        try:
            for _ in strict:
                pass
        except csv.Error as exc:
            return "unexpected end of data" not in str(exc)
        return True

    def _where(self, number: int, line: int) -> str:
        return f"row {number}" if number == line else f"row {number} (line {line} of the text)"

    def _refuse_truncated(self, number: int, line: int) -> None:
        refuse(
            self.source,
            f"{self.source} ends inside a quoted cell that opens in {self._where(number, line)}: "
            "the file looks cut short, or a quote mark in that row is never closed.",
            hint='send the complete file again, or close the quote (") in that row',
            reason="unterminated quote at the end of the file",
            row=number,
        )

    def _refuse_record(self, exc: csv.Error, number: int, line: int) -> None:
        detail = str(exc)
        if "field larger than field limit" in detail:
            refuse(
                self.source,
                f"{self.source}: a cell starting in {self._where(number, line)} is longer than "
                f'{MAX_CELL_BYTES // 1024} KB; most often a quote mark (") opened there '
                "is never closed.",
                hint="close the quote in that row, or remove the stray quote mark",
                reason="unterminated quote",
                row=number,
            )
        if "NUL" in detail:
            detail = "it contains a zero byte, which text files never do"
        refuse(
            self.source,
            f"{self.source}: {self._where(number, line)} cannot be read as CSV: {detail}.",
            hint="open the file in a spreadsheet, check that row and save it again as CSV UTF-8",
            row=number,
        )

    def _undecodable(self, number: int) -> Problem:
        label = "UTF-8" if self.encoding.startswith("utf") else "Windows-1251"
        return Problem(
            reason=f"row {number} has characters that are not {label} like the rest of the "
            "file; they are shown as �",
            hint=SAVE_AS_UTF8,
            row=number,
            source=self.source,
        )


def choose_delimiter(text: str) -> str:
    """Return the delimiter that splits the sample into the most consistent rows.

    Each of , ; TAB | is tried: the one whose header has more than one column and
    whose rows most often have as many cells as the header wins; ties go to the
    delimiter csv.Sniffer picks, then to the order of ``DELIMITERS``. A file of
    one column is read with a comma.
    """
    text = text[: text.rfind("\n") + 1] or text
    try:
        sniffed = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    best, best_score = ",", (0.0, 0, 0)
    for delimiter in DELIMITERS:
        records = [r for r in _parse(text, delimiter) if r]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        fit = sum(1 for r in records if len(r) == width) / len(records)
        score = (round(fit, 2), int(delimiter == sniffed), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _parse(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))[:200]
    except csv.Error:
        return []


def _bytes_per_row(sample: bytes) -> float:
    """Return the average length of the sample's lines, or 0 for a sample of one line."""
    lines = sample.count(b"\n")
    return len(sample) / lines if lines > 1 else 0.0
