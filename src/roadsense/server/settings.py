"""All server configuration, typed and in one place (environment variables ``ROADSENSE_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PSEUDONYM_KEY = "development-only-pseudonym-key"


class Settings(BaseSettings):
    """How the server runs. Every field can be set as ``ROADSENSE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ROADSENSE_", extra="forbid")

    environment: Literal["development", "production"] = "development"
    store: str = "var/roadsense.duckdb"
    """Where the data lives: a DuckDB file path."""
    roads: Path | None = None
    """OSM extract drawn on the map; None means the bundled Helsinki centre extract."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    """Uploads larger than this are refused with 413."""
    pseudonym_key: str = DEV_PSEUDONYM_KEY
    """Secret that turns vehicle ids into the pseudonyms shown on the dashboard."""
    hotspot_resolution: int = Field(default=10, ge=5, le=12)
    min_vehicle_km: float = Field(default=1.0, ge=0.0)
    """Exposure a cell needs before it is ranked as a hotspot."""
    min_vehicles: int = Field(default=3, ge=1)
    """Distinct vehicles a cell needs before it is ranked as a hotspot."""

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.environment != "development" and self.pseudonym_key == DEV_PSEUDONYM_KEY:
            raise ValueError("ROADSENSE_PSEUDONYM_KEY must be set to a secret outside development")
        return self
