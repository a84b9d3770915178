"""Taking a backup: one consistent snapshot of every table, written to one file."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from mineaction.errors import ConflictError, DatabaseError, NotFoundError
from mineaction.services.backup.archive import (
    BATCH,
    FORMAT,
    ArchiveWriter,
    Manifest,
    Progress,
    TableDigest,
    codecs,
)
from mineaction.store import schema
from mineaction.store.database import Database


def backup(
    db: Database, path: Path, *, overwrite: bool = False, progress: Progress | None = None
) -> Manifest:
    """Write a backup of ``db`` to ``path`` (one SQLite file) and return its manifest.

    Every table is read in one read-only transaction, so the backup is one
    snapshot even while others keep writing.  The file appears at ``path``
    only once it is complete.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConflictError(
            f"{path} already exists; the backup would replace it.",
            hint="Choose another file name, or allow overwriting it.",
        )
    if not path.parent.is_dir():
        raise NotFoundError(
            f"Cannot write {path}: the folder {path.parent} does not exist.",
            hint="Create the folder first or choose another place.",
        )
    db.check_connection()
    if not db.has_schema():
        raise DatabaseError(
            f"{db.display_url()} holds no mineaction database: there is nothing to back up.",
            hint="Run `mineaction init` to create the schema.",
        )
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with db.engine.connect() as conn:
            manifest = _dump(snapshot(conn), tmp, progress)
        os.replace(tmp, path)
    except DBAPIError as exc:
        raise DatabaseError(
            f"The backup of {db.display_url()} failed: {exc.orig}",
            hint="Nothing was written. Check the database and try again.",
        ) from exc
    except OSError as exc:
        raise DatabaseError(
            f"The backup could not be written to {path}: {exc.strerror}.",
            hint="Check free space and permissions, or choose another place.",
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _sync_folder(path.parent)
    return manifest


def snapshot(conn: Connection) -> Connection:
    """Return ``conn`` set to read one consistent snapshot in its next transaction."""
    # PostgreSQL: every statement of the transaction sees the same snapshot.
    # SQLite: the engine emits BEGIN, and in WAL mode a read transaction sees the
    # database as of its first read until it ends, while writers carry on.
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn


def _dump(conn: Connection, tmp: Path, progress: Progress | None) -> Manifest:
    dialect = conn.dialect.name
    tables = codecs()
    with conn.begin():
        created_at = dt.datetime.now(dt.UTC)
        revision = MigrationContext.configure(conn).get_current_revision()
        head = schema.head_revision()
        if revision != head:
            raise DatabaseError(
                f"The database is at schema revision {revision}, but this mineaction "
                f"writes backups of revision {head}.",
                hint="Run `mineaction init` to bring the schema up to date, then back up.",
            )
        writer = ArchiveWriter(tmp, tables)
        try:
            digests: dict[str, TableDigest] = {}
            for codec in tables:
                total = conn.scalar(select(func.count()).select_from(codec.table)) or 0
                convert, digest = codec.to_archive(), codec.digest()
                if progress:
                    progress(codec.name, 0, total)
                result = conn.execution_options(yield_per=BATCH).execute(codec.select(dialect))
                for part in result.partitions():
                    rows = [convert(r) for r in part]
                    writer.write(codec.name, rows)
                    digest.update(rows)
                    if progress:
                        progress(codec.name, digest.rows, total)
                digests[codec.name] = TableDigest(digest.rows, digest.hexdigest())
            manifest = Manifest(
                format=FORMAT, revision=head, created_at=created_at, dialect=dialect, tables=digests
            )
            writer.finish(manifest)
        except BaseException:
            writer.abandon()
            raise
    return manifest


def _sync_folder(folder: Path) -> None:
    # Make the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
