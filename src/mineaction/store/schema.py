"""Creating and upgrading the schema with Alembic, on either backend."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError, ProgrammingError

from mineaction.errors import DatabaseError
from mineaction.store.database import Database


def include_name(name: str | None, type_: str, _parents: object = None) -> bool:
    """Tell Alembic which database objects the models own.

    SQLite's R*Trees and PostGIS's GiST indexes (both made by spatial_ddl) and
    PostGIS's own tables are not declared in the models, so autogenerate must
    neither drop nor compare them.
    """
    if type_ == "table" and name is not None:
        return not (name.startswith("rtree_") or name in ("spatial_ref_sys",))
    if type_ == "index" and name is not None:
        return not name.startswith("gix_")
    return True


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", "mineaction.store:migrations")
    return cfg


def head_revision() -> str:
    """Return the newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


def current_revision(db: Database) -> str | None:
    """Return the database's schema revision, or None before ``init``."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Create the schema, or bring it up to ``revision``; safe to run again."""
    db.check_connection()
    if db.dialect == "postgresql":
        _require_postgis(db)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _require_postgis(db: Database) -> None:
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    except (OperationalError, ProgrammingError) as exc:
        raise DatabaseError(
            f"PostGIS is not available in {db.display_url()}: {str(exc.orig).strip()}",
            hint="Install it on the server (Debian: apt-get install postgresql-15-postgis-3) "
            "or ask the database administrator to run CREATE EXTENSION postgis.",
        ) from exc
