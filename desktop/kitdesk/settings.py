"""User settings: a pydantic-validated JSON file in the config dir.

Writes are atomic (temp file + rename) and keep the previous version as
``settings.json.bak``. A file that fails to parse or validate is set aside as
``settings.json.corrupt-<timestamp>`` and reported, and defaults are used, so
the app always starts. Keys never live here: see ``keys.py``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

ProviderKind = Literal["openai", "azure", "openrouter", "ollama", "lmstudio", "custom"]
Theme = Literal["system", "light", "dark"]


class Provider(BaseModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=100)
    kind: ProviderKind
    base_url: str = Field(min_length=1, max_length=500)
    enabled: bool = True
    default_model: str | None = Field(default=None, max_length=200)
    # Azure OpenAI needs an api-version query parameter; others ignore it.
    api_version: str | None = Field(default=None, max_length=40)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("the base URL must start with http:// or https://")
        return value

    @property
    def uses_responses_api(self) -> bool:
        """OpenAI itself gets the Responses API; every compatible server gets Chat Completions."""
        return self.kind == "openai"

    @property
    def needs_key(self) -> bool:
        return self.kind in ("openai", "azure", "openrouter")


PRESETS: dict[ProviderKind, Provider] = {
    "openai": Provider(
        id="openai",
        name="OpenAI",
        kind="openai",
        base_url="https://api.openai.com/v1",
        default_model="gpt-4.1-mini",
    ),
    "azure": Provider(
        id="azure",
        name="Azure OpenAI",
        kind="azure",
        base_url="https://YOUR-RESOURCE.openai.azure.com/openai/v1",
        api_version="preview",
    ),
    "openrouter": Provider(
        id="openrouter",
        name="OpenRouter",
        kind="openrouter",
        base_url="https://openrouter.ai/api/v1",
        default_model="openai/gpt-4.1-mini",
    ),
    "ollama": Provider(
        id="ollama", name="Ollama", kind="ollama", base_url="http://127.0.0.1:11434/v1"
    ),
    "lmstudio": Provider(
        id="lmstudio", name="LM Studio", kind="lmstudio", base_url="http://127.0.0.1:1234/v1"
    ),
    "custom": Provider(
        id="custom", name="Custom", kind="custom", base_url="http://127.0.0.1:8000/v1"
    ),
}


class Settings(BaseModel):
    version: int = 1
    providers: list[Provider] = Field(default_factory=list)
    default_provider: str | None = None
    default_model: str | None = Field(default=None, max_length=200)
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=20_000)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    theme: Theme = "system"
    auto_title: bool = True
    window: dict[str, int | bool] = Field(default_factory=dict)

    @field_validator("providers")
    @classmethod
    def _unique_ids(cls, providers: list[Provider]) -> list[Provider]:
        seen: set[str] = set()
        for provider in providers:
            if provider.id in seen:
                raise ValueError(f"two providers share the id {provider.id!r}")
            seen.add(provider.id)
        return providers

    def provider(self, provider_id: str) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)


class SettingsFile:
    """Loads and saves ``Settings``; remembers whether the last load had to recover."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered_from: Path | None = None
        self._settings = self._load()

    @property
    def settings(self) -> Settings:
        return self._settings

    def _load(self) -> Settings:
        if not self.path.exists():
            return Settings()
        try:
            return Settings.model_validate_json(self.path.read_bytes())
        except (ValidationError, ValueError, OSError) as exc:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            try:
                os.replace(self.path, aside)
                self.recovered_from = aside
            except OSError:
                log.exception("could not move the unreadable settings file aside")
            log.warning("settings file was unreadable (%s); moved to %s", type(exc).__name__, aside)
            return Settings()

    def save(self, settings: Settings) -> Settings:
        """Validate and write atomically, keeping the previous file as .bak."""
        settings = Settings.model_validate(settings.model_dump())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(settings.model_dump(mode="json"), indent=2).encode()
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.exists():
                # Copy, not move: the live file must exist at every instant.
                shutil.copy2(self.path, self.path.with_name(self.path.name + ".bak"))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._settings = settings
        return settings
