"""Backup and restore of the national database, on SQLite and PostgreSQL+PostGIS alike.

A backup is one SQLite file (see ``archive``) holding every table in a
backend-neutral form, with a manifest of row counts and SHA-256 checksums.
A laptop's SQLite database can be restored on a PostGIS server and back::

    manifest = backup(db, Path("2025-03-01.mabackup"))
    verify(Path("2025-03-01.mabackup"))
    restore(other_db, Path("2025-03-01.mabackup"), force=False)
    assert checksums(other_db) == manifest.tables   # the live tables, digested alike

``progress(table_name, rows_done, rows_total)`` is called as tables move.
"""

from mineaction.services.backup.archive import Manifest, Progress, TableDigest, verify
from mineaction.services.backup.checksums import checksums
from mineaction.services.backup.dump import backup
from mineaction.services.backup.load import restore

__all__ = [
    "Manifest",
    "Progress",
    "TableDigest",
    "backup",
    "checksums",
    "restore",
    "verify",
]
