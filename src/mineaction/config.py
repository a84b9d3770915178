"""Settings, validated once at start-up.

The database is chosen in a fixed order: an explicit ``--database`` argument,
then ``MINEACTION_DATABASE_URL``, then ``sqlite:///./mineaction.db``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mineaction.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///./mineaction.db"
DEV_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Every setting of the system; each can be given as ``MINEACTION_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MINEACTION_", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy database URL.")
    environment: Literal["development", "production", "test"] = Field(
        "development", description="Production refuses development defaults."
    )
    secret_key: str = Field(DEV_SECRET, description="Key that signs sessions and tokens.")
    country: str = Field("AZE", description="ISO3 code of the country the data must lie in.")
    country_tolerance_m: float = Field(
        1000.0, description="How far outside the country boundary a position may lie (m)."
    )
    actor: str = Field("cli", description="Name recorded in the history for CLI changes.")
    secure_cookies: bool = Field(
        False, description="Send the session cookie only over HTTPS (set behind TLS)."
    )
    session_hours: float = Field(8.0, gt=0, description="How long a sign-in lasts, in hours.")
    login_attempts: int = Field(
        5, ge=1, description="Failed sign-ins allowed per user name within the window."
    )
    login_window_minutes: int = Field(
        15, ge=1, description="The window in which failed sign-ins are counted, in minutes."
    )
    default_language: Literal["en", "az", "ru"] = Field(
        "en", description="Language of the web pages when neither a choice nor the browser says."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "MINEACTION_SECRET_KEY is still the development default; set a long random "
                f"value before running in {self.environment}"
            )
        if self.environment != "development" and len(self.secret_key) < 32:
            raise ValueError(
                "MINEACTION_SECRET_KEY is shorter than 32 characters; use a long random value "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings, read from the environment once."""
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigurationError(f"The settings are not valid: {exc}") from exc
