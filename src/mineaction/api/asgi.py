"""ASGI entry point for uvicorn and other servers: ``mineaction.api.asgi:app``.

The database comes from the settings (MINEACTION_DATABASE_URL), so several
worker processes all serve the same database.
"""

from mineaction.api.app import create_app
from mineaction.config import get_settings

app = create_app(get_settings().database_url)
