"""Alembic environment: runs on the connection that mineaction.store.schema hands it."""

from alembic import context

from mineaction.store.schema import include_name
from mineaction.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
