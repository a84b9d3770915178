"""One error hierarchy for every face of the system.

Each error carries a stable machine-readable ``code``, the HTTP status an API
would answer with, a ``message`` safe to show to any user (what happened and
why) and an optional ``hint`` (what to do next).  The CLI prints message and
hint and exits non-zero; the API renders the same fields as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, why it is wrong, how to fix it."""

    reason: str
    field: str | None = None
    value: Any = None
    hint: str | None = None
    row: int | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready dict."""
        return {
            "source": self.source,
            "row": self.row,
            "field": self.field,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
            "hint": self.hint,
        }


class MineActionError(Exception):
    """Base of every error a user may see."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def as_dict(self) -> dict[str, Any]:
        """Return the error in the shape the API answers with."""
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class ConfigurationError(MineActionError):
    """The settings are missing, contradictory or unsafe."""

    code = "configuration"
    http_status = 500


class DatabaseError(MineActionError):
    """The database cannot be reached or is not in the expected state."""

    code = "database"
    http_status = 503


class BusyError(DatabaseError):
    """Another change held the database longer than a writer may wait; try again later."""

    code = "busy"
    http_status = 503


class WorkerStopped(MineActionError):
    """A helper process the command started ended before it answered (killed, out of memory)."""

    code = "worker_stopped"
    http_status = 500


class NotFoundError(MineActionError):
    """A record that was named does not exist."""

    code = "not_found"
    http_status = 404


class ConflictError(MineActionError):
    """The change was based on a stale version or clashes with existing data."""

    code = "conflict"
    http_status = 409


class ValidationError(MineActionError):
    """An input broke one or more rules; ``problems`` says which and where."""

    code = "invalid"
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems: list[Problem] = list(problems or [])

    def as_dict(self) -> dict[str, Any]:
        """Return the error with its problems in the API shape."""
        body = super().as_dict()
        body["error"]["problems"] = [p.as_dict() for p in self.problems]
        return body


class GeometryError(ValidationError):
    """A geometry is empty, invalid, swapped or outside the country."""

    code = "invalid_geometry"


class LedgerError(ValidationError):
    """A land release would break the ledger (release more than the hazard holds)."""

    code = "land_release_ledger"
