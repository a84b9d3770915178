"""The backup file: an SQLite database anyone can open with ``sqlite3``.

It holds one table per table of the national database, with the same name
and columns (values in the form described in ``codecs``), plus:

- ``backup_manifest`` (key, value): format, schema revision, creation time
  (UTC), the source's dialect and the software version;
- ``backup_tables`` (position, name, rows, sha256): per table, in load order;
- ``backup_columns`` (table_name, position, column_name, encoding).

``PRAGMA application_id`` marks the file as a mineaction backup and
``PRAGMA user_version`` is its format version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from mineaction import __version__
from mineaction.errors import NotFoundError, ValidationError
from mineaction.services.backup.codecs import STORAGE, TableCodec
from mineaction.store.tables import Base

FORMAT = 1
APPLICATION_ID = int.from_bytes(b"MINA", "big")
BATCH = 5_000

Progress = Callable[[str, int, int], None]


class TableDigest(NamedTuple):
    """How many rows a table holds in a backup, and the SHA-256 of them."""

    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: format, schema revision, when, from which backend, and per table."""

    format: int
    revision: str
    created_at: dt.datetime
    dialect: str
    tables: dict[str, TableDigest]


def codecs() -> list[TableCodec]:
    """Return the codec of every table, in foreign-key (load) order.

    Derived tables (the report roll-ups) are left out: a restore rebuilds them.
    """
    return [TableCodec.of(t) for t in Base.metadata.sorted_tables if not t.info.get("derived")]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ArchiveWriter:
    """Writes a new backup file; nothing in it counts until ``finish``."""

    def __init__(self, path: Path, tables: Sequence[TableCodec]) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.path = path
        # A half-written file is thrown away, never renamed, so no journal is needed.
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            f"application_id = {APPLICATION_ID}",
            f"user_version = {FORMAT}",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")
        self.conn.execute("CREATE TABLE backup_manifest (key TEXT PRIMARY KEY, value TEXT)")
        self.conn.execute(
            "CREATE TABLE backup_tables (position INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL UNIQUE, rows INTEGER NOT NULL, sha256 TEXT NOT NULL)"
        )
        self.conn.execute(
            "CREATE TABLE backup_columns (table_name TEXT, position INTEGER, "
            "column_name TEXT, encoding TEXT, PRIMARY KEY (table_name, position))"
        )
        self._inserts: dict[str, str] = {}
        for codec in tables:
            cols = ", ".join(
                f"{_q(c)} {STORAGE[k]}" for c, k in zip(codec.columns, codec.kinds, strict=True)
            )
            pk = ", ".join(_q(codec.columns[i]) for i in codec.pk_positions)
            self.conn.execute(f"CREATE TABLE {_q(codec.name)} ({cols}, PRIMARY KEY ({pk}))")
            self.conn.executemany(
                "INSERT INTO backup_columns VALUES (?, ?, ?, ?)",
                [
                    (codec.name, i, c, str(k))
                    for i, (c, k) in enumerate(zip(codec.columns, codec.kinds, strict=True))
                ],
            )
            marks = ", ".join("?" * len(codec.columns))
            self._inserts[codec.name] = f"INSERT INTO {_q(codec.name)} VALUES ({marks})"

    def write(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows (in backup form) to ``table``."""
        self.conn.executemany(self._inserts[table], rows)

    def finish(self, manifest: Manifest) -> None:
        """Write the manifest, commit, and flush the file to disk."""
        facts = {
            "format": str(manifest.format),
            "revision": manifest.revision,
            "created_at": manifest.created_at.isoformat(),
            "dialect": manifest.dialect,
            "software": f"mineaction {__version__}",
        }
        self.conn.executemany("INSERT INTO backup_manifest VALUES (?, ?)", facts.items())
        self.conn.executemany(
            "INSERT INTO backup_tables VALUES (?, ?, ?, ?)",
            [(i, name, d.rows, d.sha256) for i, (name, d) in enumerate(manifest.tables.items())],
        )
        self.conn.execute("COMMIT")
        self.conn.close()
        with open(self.path, "rb+") as f:
            os.fsync(f.fileno())

    def abandon(self) -> None:
        """Close without committing."""
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


def _not_a_backup(path: Path, why: str) -> ValidationError:
    return ValidationError(
        f"{path} is not a mineaction backup: {why}.",
        hint="Give the file written by `mineaction backup` (or backup() in the services).",
    )


def _damaged(path: Path, why: str) -> ValidationError:
    return ValidationError(
        f"The backup {path} is damaged: {why}.",
        hint="Nothing was changed. Use another copy of the backup; this one cannot be trusted.",
    )


class Archive:
    """An opened backup file (read-only) and its manifest."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise NotFoundError(
                f"There is no backup file at {path}.",
                hint="Check the path and the current directory.",
            )
        if not path.is_file():
            raise _not_a_backup(path, "it is a directory, not a file")
        self.path = path
        try:
            self.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise ValidationError(
                f"The backup {path} cannot be opened: {exc}.",
                hint="Check that the file is readable.",
            ) from exc
        try:
            self.manifest = self._read_manifest()
        except BaseException:
            self.conn.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def _read_manifest(self) -> Manifest:
        try:
            app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise _not_a_backup(self.path, f"it is not an SQLite database ({exc})") from exc
        if app_id != APPLICATION_ID:
            raise _not_a_backup(self.path, "it is not marked as one (application_id)")
        if version > FORMAT:
            raise ValidationError(
                f"The backup {self.path} has format {version}, newer than this mineaction "
                f"({__version__}) reads (format {FORMAT}).",
                hint="Restore it with the newer mineaction release that made it.",
            )
        try:
            facts = dict(self.conn.execute("SELECT key, value FROM backup_manifest"))
            tables = {
                name: TableDigest(rows, sha)
                for name, rows, sha in self.conn.execute(
                    "SELECT name, rows, sha256 FROM backup_tables ORDER BY position"
                )
            }
            return Manifest(
                format=int(facts["format"]),
                revision=facts["revision"],
                created_at=dt.datetime.fromisoformat(facts["created_at"]),
                dialect=facts["dialect"],
                tables=tables,
            )
        except (sqlite3.DatabaseError, KeyError, ValueError) as exc:
            raise _damaged(self.path, f"its manifest cannot be read ({exc})") from exc

    def check_layout(self, tables: Sequence[TableCodec]) -> None:
        """Refuse a file whose tables or columns differ from what this software stores."""
        expected = [c.name for c in tables]
        if list(self.manifest.tables) != expected:
            missing = sorted(set(expected) - set(self.manifest.tables))
            extra = sorted(set(self.manifest.tables) - set(expected))
            raise _damaged(
                self.path,
                f"its tables differ from this schema's "
                f"(missing: {missing or 'none'}, unknown: {extra or 'none'})",
            )
        for codec in tables:
            try:
                stored = [
                    (r[0], r[1])
                    for r in self.conn.execute(
                        "SELECT column_name, encoding FROM backup_columns WHERE table_name = ? "
                        "ORDER BY position",
                        (codec.name,),
                    )
                ]
                present = [r[1] for r in self.conn.execute(f"PRAGMA table_info({_q(codec.name)})")]
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, str(exc)) from exc
            wanted = [(c, str(k)) for c, k in zip(codec.columns, codec.kinds, strict=True)]
            if stored != wanted or present != codec.columns:
                raise _damaged(self.path, f"the columns of {codec.name} differ from this schema's")

    def batches(self, codec: TableCodec, size: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
        """Yield ``codec``'s rows from the file in primary-key order, ``size`` at a time."""
        cols = ", ".join(_q(c) for c in codec.columns)
        pk = ", ".join(_q(codec.columns[i]) for i in codec.pk_positions)
        try:
            cur = self.conn.execute(f"SELECT {cols} FROM {_q(codec.name)} ORDER BY {pk}")
            while rows := cur.fetchmany(size):
                yield rows
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, f"table {codec.name} cannot be read ({exc})") from exc


def check_digest(path: Path, manifest: Manifest, name: str, rows: int, sha256: str) -> None:
    """Raise if a table read from the backup file does not match its manifest entry."""
    want = manifest.tables[name]
    if want.rows != rows:
        raise _damaged(path, f"table {name} holds {rows} rows, its manifest says {want.rows}")
    if want.sha256 != sha256:
        raise _damaged(path, f"the checksum of table {name} does not match its manifest")


def verify(path: Path, *, progress: Progress | None = None) -> Manifest:
    """Recheck every table of the backup at ``path`` against its manifest; return the manifest.

    Raises NotFoundError for a missing file and ValidationError for a file
    that is not a backup or whose content no longer matches its checksums.
    """
    tables = codecs()
    with Archive(Path(path)) as archive:
        archive.check_layout(tables)
        for codec in tables:
            digest = codec.digest()
            total = archive.manifest.tables[codec.name].rows
            for rows in archive.batches(codec):
                digest.update(rows)
                if progress:
                    progress(codec.name, digest.rows, total)
            check_digest(
                archive.path, archive.manifest, codec.name, digest.rows, digest.hexdigest()
            )
        return archive.manifest
