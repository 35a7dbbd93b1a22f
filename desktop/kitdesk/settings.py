"""User settings: a pydantic-validated JSON file in the config dir.

Writes are atomic (temp file + fsync + rename) and keep the previous version as
``settings.json.bak``. A file that fails to parse or validate is set aside as
``settings.json.corrupt-<timestamp>`` and reported; the last good copy
(``.bak``) is used when it is valid, defaults otherwise, so the app always
starts and loses as little as possible. Keys never live here: see ``keys.py``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError, field_validator

from kitdesk.errors import UserFacingError
from kitdesk.providers.kinds import KINDS, ProviderKind, ProviderKindInfo
from kitdesk.tools.mcp_config import (
    CALL_TIMEOUT_SECONDS,
    START_TIMEOUT_SECONDS,
    McpServer,
    unique_server_ids,
)
from kitdesk.updates.config import (
    DEFAULT_FEED_URL,
    DEFAULT_UPDATES_CHOICE,
    UpdatesChoice,
    check_update_url,
)
from kitdesk.updates.problems import InsecureUrl

log = logging.getLogger(__name__)

__all__ = ["PRESETS", "Provider", "ProviderKind", "Settings", "SettingsFile", "Workflow"]
Theme = Literal["system", "light", "dark"]
# The languages the web UI ships (webui/src/chatkit/i18n.ts LANGUAGES; a test
# keeps the two lists equal), or "system" for the system's best match.
Language = Literal["system", "en", "de", "fr", "es", "ja", "zh-CN", "pt-BR", "ar"]
LANGUAGES: tuple[str, ...] = get_args(Language)
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")

MIN_TEMPERATURE = 0.0
MAX_TEMPERATURE = 2.0
ReasoningEffort = Literal["minimal", "low", "medium", "high"]


class Provider(BaseModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=100)
    kind: ProviderKind
    base_url: str = Field(min_length=1, max_length=500)
    enabled: bool = True
    default_model: str | None = Field(default=None, max_length=200)
    # Azure OpenAI needs an api-version query parameter; others ignore it.
    api_version: str | None = Field(default=None, max_length=40)
    # Names of request headers sent to a ChatKit server; their values are secrets
    # and live in the keyring (keys.py), never here.
    headers: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("name")
    @classmethod
    def _trimmed_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) <= len("https://"):
            raise ValueError("the base URL must start with http:// or https://")
        if any(ch.isspace() for ch in value):
            raise ValueError("the base URL must not contain spaces")
        return value

    @field_validator("default_model", "api_version")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.strip() or None

    @field_validator("headers")
    @classmethod
    def _header_names(cls, names: list[str]) -> list[str]:
        cleaned: list[str] = []
        for name in names:
            name = name.strip()
            if not HEADER_NAME.fullmatch(name):
                raise ValueError(
                    f"“{name[:40]}” is not a header name (letters, digits and dashes only)"
                )
            if name.lower() in {n.lower() for n in cleaned}:
                raise ValueError(f"the header {name} is listed twice")
            cleaned.append(name)
        return cleaned

    @property
    def kind_info(self) -> ProviderKindInfo:
        """What this provider's kind speaks and can do (``providers/kinds.py``)."""
        return KINDS[self.kind]

    @property
    def uses_responses_api(self) -> bool:
        return self.kind_info.uses_responses_api

    @property
    def needs_key(self) -> bool:
        return self.kind_info.needs_key


def _preset(info: ProviderKindInfo) -> Provider:
    """A new provider of a kind, as the kinds table describes it; its id is the kind."""
    return Provider(
        id=info.kind,
        name=info.preset_name,
        kind=info.kind,
        base_url=info.default_base_url,
        default_model=info.default_model,
        api_version=info.default_api_version,
    )


PRESETS: dict[ProviderKind, Provider] = {kind: _preset(info) for kind, info in KINDS.items()}


class Workflow(BaseModel):
    """An Agent Builder workflow (hosted ChatKit), run with an OpenAI provider's key."""

    id: str = Field(pattern=r"^wf_[A-Za-z0-9_-]{1,120}$")
    name: str = Field(min_length=1, max_length=100)
    provider_id: str = Field(min_length=1, max_length=64)


class Settings(BaseModel):
    version: int = 1
    providers: list[Provider] = Field(default_factory=list)
    workflows: list[Workflow] = Field(default_factory=list)
    # Who hosted ChatKit sessions are for (OpenAI scopes a workflow's threads by it);
    # made up once per install, not a person's identity.
    hosted_user: str | None = Field(default=None, max_length=100)
    default_provider: str | None = None
    default_model: str | None = Field(default=None, max_length=200)
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=20_000)
    temperature: float | None = None
    theme: Theme = "system"
    language: Language = "system"
    auto_title: bool = True
    # Model requests one turn may make while the model keeps calling tools.
    tool_step_limit: int = Field(default=10, ge=1, le=50)
    # Reasoning effort by model ref ("provider::model"), where the provider supports it.
    reasoning_effort: dict[str, ReasoningEffort] = Field(default_factory=dict)
    window: dict[str, int | bool] = Field(default_factory=dict)
    # "ask" until the person answers the first-run question; see kitdesk/updates/checker.py.
    updates: UpdatesChoice = DEFAULT_UPDATES_CHOICE
    update_feed_url: str = Field(default=DEFAULT_FEED_URL, max_length=500)

    @field_validator("temperature")
    @classmethod
    def _temperature_range(cls, value: float | None) -> float | None:
        # A custom check (not ge/le) so the message reads as one sentence.
        if value is not None and not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
            raise ValueError(f"must be between {MIN_TEMPERATURE:g} and {MAX_TEMPERATURE:g}")
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _unknown_language_is_system(cls, value: object) -> object:
        # A file from a build with another language list still loads: the UI
        # simply follows the system. (The API refuses unknown codes itself.)
        return value if value in LANGUAGES else "system"

    @field_validator("default_provider", "default_model")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.strip() or None

    @field_validator("update_feed_url")
    @classmethod
    def _secure_feed_url(cls, value: str) -> str:
        try:
            return check_update_url(value)
        except InsecureUrl as exc:
            raise ValueError(exc.message) from None

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

    # MCP servers whose tools the model may call (tools/mcp_config.py); secrets in the keyring.
    mcp_servers: list[McpServer] = Field(default_factory=list)
    mcp_start_timeout: float = Field(default=START_TIMEOUT_SECONDS, gt=0, le=600)
    mcp_call_timeout: float = Field(default=CALL_TIMEOUT_SECONDS, gt=0, le=3600)

    @field_validator("mcp_servers")
    @classmethod
    def _unique_mcp_ids(cls, servers: list[McpServer]) -> list[McpServer]:
        return unique_server_ids(servers)

    def mcp_server(self, server_id: str) -> McpServer | None:
        return next((s for s in self.mcp_servers if s.id == server_id), None)

    # The desktop window (window/shell.py): closing hides it to the tray; a finished
    # answer while the window is not focused shows a system notification.
    close_to_tray: bool = False
    notify_when_done: bool = True
    # The global shortcut that opens the quick-ask window ("Ctrl+Alt+Space"); empty: none.
    quick_ask_hotkey: str = Field(default="", max_length=60)


class SettingsNotSaved(UserFacingError):
    """The settings file could not be written (the change is not applied)."""

    status = 503
    code = "settings_not_saved"

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        super().__init__(
            f"Kitdesk could not save its settings to {path} ({reason}). Nothing was changed; "
            "check that folder's permissions and free space, then try again."
        )


class SettingsFile:
    """Loads and saves ``Settings``; remembers whether the last load had to recover.

    The server thread and the window thread both save (settings vs. window
    geometry), so read-modify-write goes through ``update`` under one lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup_path = path.with_name(path.name + ".bak")
        self.recovered_from: Path | None = None
        self._lock = threading.RLock()
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
            self.recovered_from = self._set_aside(exc)
        if self.recovered_from is None:
            # The bad file is still in place: overwriting it now would also
            # replace the good .bak, so run on defaults and leave both alone.
            return Settings()
        backup = self._read_backup()
        if backup is not None:
            log.warning("using the previous settings file %s", self.backup_path)
            with contextlib.suppress(OSError):
                # Restore it as the live file so the next start needs no recovery.
                self._write(backup)
            return backup
        return Settings()

    def _set_aside(self, exc: Exception) -> Path | None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except OSError:
            log.exception("could not move the unreadable settings file aside")
            return None
        log.warning("settings file was unreadable (%s); moved to %s", type(exc).__name__, aside)
        return aside

    def _read_backup(self) -> Settings | None:
        try:
            return Settings.model_validate_json(self.backup_path.read_bytes())
        except (ValidationError, ValueError, OSError):
            return None

    def save(self, settings: Settings) -> Settings:
        """Validate and write atomically, keeping the previous file as .bak."""
        settings = Settings.model_validate(settings.model_dump())
        with self._lock:
            try:
                self._write(settings)
            except OSError as exc:
                log.warning("could not save the settings: %s", exc)
                raise SettingsNotSaved(self.path, exc) from exc
            self._settings = settings
        return settings

    def update(self, **changes: Any) -> Settings:
        """Apply field changes to the current settings, validate, save; raises ValidationError."""
        with self._lock:
            merged = self._settings.model_dump()
            merged.update(changes)
            return self.save(Settings.model_validate(merged))

    def _write(self, settings: Settings) -> None:
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
                shutil.copy2(self.path, self.backup_path)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; not supported on Windows, where it is a no-op."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
