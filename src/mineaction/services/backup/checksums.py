"""Per-table checksums of a live database, in the same form a backup's manifest keeps.

Each table's digest is computed over its rows in backup form (see
``codecs``): backend-independent, so a SQLite database and the PostGIS
database it was restored into give the same digests, table by table.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from mineaction.errors import DatabaseError
from mineaction.services.backup.archive import BATCH, Progress, TableDigest, codecs
from mineaction.services.backup.dump import snapshot
from mineaction.store.database import Database


def checksums(db: Database, *, progress: Progress | None = None) -> dict[str, TableDigest]:
    """Return every table's row count and SHA-256, read in one consistent snapshot.

    The same transaction discipline as ``backup``: one read-only snapshot,
    so the digests describe one moment even while others write.
    """
    db.check_connection()
    if not db.has_schema():
        raise DatabaseError(
            f"{db.display_url()} holds no mineaction database: there is nothing to checksum.",
            hint="Run `mineaction init` to create the schema.",
        )
    out: dict[str, TableDigest] = {}
    try:
        with db.engine.connect() as raw:
            conn = snapshot(raw)
            with conn.begin():
                dialect = conn.dialect.name
                for codec in codecs():
                    convert, digest = codec.to_archive(), codec.digest()
                    total = conn.scalar(select(func.count()).select_from(codec.table)) or 0
                    result = conn.execution_options(yield_per=BATCH).execute(codec.select(dialect))
                    for part in result.partitions():
                        digest.update([convert(r) for r in part])
                        if progress:
                            progress(codec.name, digest.rows, total)
                    out[codec.name] = TableDigest(digest.rows, digest.hexdigest())
    except DBAPIError as exc:
        raise DatabaseError(
            f"The checksums of {db.display_url()} could not be computed: {exc.orig}",
            hint="Check that the database is reachable and its schema is up to date "
            "(`mineaction db upgrade`).",
        ) from exc
    return out
