"""The web tests use the API tests' small national database and personas."""

from tests.api.conftest import world

__all__ = ["world"]
