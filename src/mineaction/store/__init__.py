"""Storage: tables, migrations and the history, on SQLite and PostgreSQL+PostGIS."""

from mineaction.store import history as _history  # noqa: F401 - registers the history listener
