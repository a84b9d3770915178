"""Restoring a backup: all of it in one transaction, checked against its checksums."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from mineaction.errors import ConflictError, DatabaseError, ValidationError
from mineaction.services.backup.archive import (
    Archive,
    Manifest,
    Progress,
    check_digest,
    codecs,
)
from mineaction.services.backup.codecs import Kind, TableCodec
from mineaction.services.rollups import MODULES as ROLLUP_MODULES
from mineaction.store import schema, spatial_ddl
from mineaction.store.database import Database
from mineaction.store.tables import SPATIAL_TABLES

_FORCE_HINT = "Restore into a new, empty database, or use --force to replace its contents."


class _Mismatch(Exception):
    """A restored table differs from the backup; raised inside the transaction to undo it."""


def restore(
    db: Database, path: Path, *, force: bool = False, progress: Progress | None = None
) -> Manifest:
    """Replace the content of ``db`` with the backup at ``path``; return the backup's manifest.

    The target must be empty (``force`` empties it first).  Everything is
    loaded in one transaction and checked table by table against the
    backup's checksums before it commits; on any error nothing changes.
    The report roll-ups, which backups leave out, are made again from the
    restored records.
    """
    tables = codecs()
    with Archive(Path(path)) as archive:
        manifest = archive.manifest
        head = schema.head_revision()
        if manifest.revision != head:
            raise ValidationError(
                f"The backup {archive.path} was made at schema revision {manifest.revision}; "
                f"this mineaction is at revision {head}.",
                hint=f"Restore it with the mineaction release whose schema is at revision "
                f"{manifest.revision}, then upgrade that database with `mineaction init`.",
            )
        archive.check_layout(tables)
        db.check_connection()
        if db.has_schema() and not force:
            # Look before `upgrade`, which would otherwise migrate a database we refuse.
            with db.engine.connect() as conn:
                _refuse_if_occupied(conn, tables)
        schema.upgrade(db)
        try:
            with db.engine.begin() as conn:
                if not force:
                    _refuse_if_occupied(conn, tables)
                with _triggers_set_aside(conn):
                    if force:
                        _empty(conn, tables)
                    for codec in tables:
                        _load(conn, archive, codec, progress)
                _after_load(conn, tables)
                for module in ROLLUP_MODULES:  # derived, not backed up: made again
                    module.rebuild(conn)
                for codec in tables:
                    _check(conn, manifest, codec)
        except _Mismatch as exc:
            raise DatabaseError(
                f"The restore into {db.display_url()} was undone: {exc}",
                hint="Nothing was changed. The target database altered values on the way in; "
                "report this together with the backup's manifest.",
            ) from exc
        except DBAPIError as exc:
            raise DatabaseError(
                f"The restore into {db.display_url()} failed: {exc.orig}",
                hint="Nothing was changed. Check the database server and try again.",
            ) from exc
    with db.engine.connect() as conn:  # every table is new: the planner's statistics afresh
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return manifest


def _occupied(conn: Connection, tables: Sequence[TableCodec]) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())
    found: dict[str, int] = {}
    for codec in tables:
        if codec.name in present and conn.scalar(select(exists().select_from(codec.table))):
            found[codec.name] = conn.scalar(select(func.count()).select_from(codec.table)) or 0
    return found


def _refuse_if_occupied(conn: Connection, tables: Sequence[TableCodec]) -> None:
    occupied = _occupied(conn, tables)
    if occupied:
        listed = ", ".join(f"{n} rows in {t}" for t, n in list(occupied.items())[:5])
        more = f" and {len(occupied) - 5} more tables" if len(occupied) > 5 else ""
        raise ConflictError(
            f"The target database is not empty: it holds {listed}{more}.", hint=_FORCE_HINT
        )


@contextmanager
def _triggers_set_aside(conn: Connection) -> Iterator[None]:
    """On SQLite, drop every trigger for the block and put each back exactly as it was.

    The audit log's triggers refuse the DELETE of a forced restore, and the
    R*Tree triggers would index row by row what ``_after_load`` indexes several
    times faster in one statement.  DDL is transactional in SQLite: if the
    block fails, the rollback brings the triggers back.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    quote = conn.dialect.identifier_preparer.quote
    triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    saved = triggers.all()
    for name, _sql in saved:
        conn.exec_driver_sql(f"DROP TRIGGER {quote(name)}")
    yield
    for _name, sql in saved:
        conn.exec_driver_sql(sql)


def _empty(conn: Connection, tables: Sequence[TableCodec]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "postgresql":
        # TRUNCATE fires no row triggers, so the append-only audit log empties too.
        names = ", ".join(quote(c.name) for c in tables)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    # SQLite, triggers set aside: the tables and their R*Trees.
    for codec in reversed(tables):
        conn.exec_driver_sql(f"DELETE FROM {quote(codec.name)}")
    for table, _column in SPATIAL_TABLES:
        conn.exec_driver_sql(f"DELETE FROM {quote(spatial_ddl.rtree_name(table))}")


def _load(conn: Connection, archive: Archive, codec: TableCodec, progress: Progress | None) -> None:
    dialect = conn.dialect.name
    stmt = codec.insert(dialect)
    keys = [f"p{i}" for i in range(len(codec.columns))]
    convert = codec.from_archive()
    digest = codec.digest()
    later = _ForwardReferences(codec)
    total = archive.manifest.tables[codec.name].rows
    if progress:
        progress(codec.name, 0, total)
    for rows in archive.batches(codec):
        digest.update(rows)
        params = [dict(zip(keys, later.hold(convert(r)), strict=True)) for r in rows]
        try:
            conn.execute(stmt, params)
        except DBAPIError as exc:
            raise DatabaseError(
                f"Table {codec.name} could not be restored: {str(exc.orig).strip()}",
                hint="Nothing was changed. The target refuses a value the backup holds (for "
                "example a polygon where PostGIS wants a multipolygon): correct it in the "
                "source database, back up again and restore that backup.",
            ) from exc
        if progress:
            progress(codec.name, digest.rows, total)
    check_digest(archive.path, archive.manifest, codec.name, digest.rows, digest.hexdigest())
    later.apply(conn)


class _ForwardReferences:
    """Rows of a self-referencing table (an area's parent) that point at later rows.

    Rows arrive in primary-key order; a reference to a row not inserted yet
    is written as NULL first and set once the whole table is in.
    """

    def __init__(self, codec: TableCodec) -> None:
        table = codec.table
        pk = list(table.primary_key.columns)
        self.pk = codec.columns.index(pk[0].name) if len(pk) == 1 else None
        self.refs = [
            codec.columns.index(fk.parent.name)
            for fk in table.foreign_keys
            if fk.column.table is table and self.pk is not None and fk.column is pk[0]
        ]
        self.table = table
        self.pending: list[tuple[int, Any, Any]] = []

    def hold(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.refs or self.pk is None:
            return row
        key = row[self.pk]
        out = list(row)
        for i in self.refs:
            if out[i] is not None and out[i] > key:
                self.pending.append((i, key, out[i]))
                out[i] = None
        return tuple(out)

    def apply(self, conn: Connection) -> None:
        # Plain SQL on purpose: a Core UPDATE would also move updated_at (onupdate).
        quote = conn.dialect.identifier_preparer.quote
        cols = list(self.table.columns)
        for i, key, value in self.pending:
            conn.execute(
                text(
                    f"UPDATE {quote(self.table.name)} SET {quote(cols[i].name)} = :value "
                    f"WHERE {quote(cols[self.pk or 0].name)} = :key"
                ),
                {"value": value, "key": key},
            )


def _after_load(conn: Connection, tables: Sequence[TableCodec]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "postgresql":
        # New records must get fresh ids: move each serial sequence past the restored ones.
        for codec in tables:
            pk = list(codec.table.primary_key.columns)
            if len(pk) != 1 or codec.kinds[codec.columns.index(pk[0].name)] is not Kind.INTEGER:
                continue
            table, column = quote(codec.name), quote(pk[0].name)
            conn.execute(
                text(
                    f"SELECT setval(seq, coalesce(m, 1), m IS NOT NULL) FROM "
                    f"(SELECT pg_get_serial_sequence(:table, :column) AS seq, "
                    f"(SELECT max({column}) FROM {table}) AS m) s WHERE seq IS NOT NULL"
                ),
                {"table": table, "column": pk[0].name},
            )
        return
    # SQLite: index every restored box in its R*Tree (spatial_ddl fills the
    # R*Trees of rows written while their triggers were off), then check.
    spatial_ddl.install(conn, SPATIAL_TABLES, ())
    for table, _column in SPATIAL_TABLES:
        rtree = quote(spatial_ddl.rtree_name(table))
        indexed = conn.exec_driver_sql(f"SELECT count(*) FROM {rtree}")
        boxed = conn.exec_driver_sql(f"SELECT count(*) FROM {quote(table)} WHERE min_x IS NOT NULL")
        if indexed.scalar() != boxed.scalar():
            raise _Mismatch(f"the spatial index of {table} does not cover its rows")


def _check(conn: Connection, manifest: Manifest, codec: TableCodec) -> None:
    convert, digest = codec.to_archive(), codec.digest()
    result = conn.execution_options(yield_per=5_000).execute(codec.select(conn.dialect.name))
    for part in result.partitions():
        digest.update([convert(r) for r in part])
    want = manifest.tables[codec.name]
    if (digest.rows, digest.hexdigest()) != (want.rows, want.sha256):
        raise _Mismatch(f"table {codec.name} differs from the backup after loading")
