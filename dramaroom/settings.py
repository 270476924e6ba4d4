"""Process settings, read once at the front door from the environment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the models are; nothing here is ever written to a trace or log."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    model: str | None = Field(default=None, alias="DRAMAROOM_MODEL")
    structured_method: Literal["auto", "json_schema", "function_calling", "json_mode"] | None = Field(
        default=None, alias="DRAMAROOM_STRUCTURED_METHOD"
    )

    @property
    def endpoint_configured(self) -> bool:
        """True when the user pointed dramaroom at a real model endpoint."""
        return bool(self.openai_base_url or self.openai_api_key)
