"""``/api/providers``: the configured providers, their presets and connection tests.

Keys are written through ``routes/keys.py`` and never come out: a provider's JSON
carries only ``{has_key, source}``. Routes that touch the keyring or the settings
file are plain ``def`` so FastAPI runs them in its thread pool: a Secret Service
call is a D-Bus round trip and must not stall the event loop that streams answers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter
from pydantic import ValidationError

from kitdesk.errors import UserFacingError
from kitdesk.keys import (
    ENV_PROVIDER_ID,
    InvalidKey,
    KeyringUnavailable,
    KeyStore,
    ReadOnlyKey,
    normalize_header_value,
    normalize_key,
)
from kitdesk.providers.origins import same_origin, sends_in_cleartext
from kitdesk.providers.resolver import ProviderResolver, all_providers
from kitdesk.settings import HEADER_NAME, PRESETS, Provider, ProviderKind, Settings
from kitdesk.web.bodies import Body
from kitdesk.web.errors import invalid_body
from kitdesk.web.routes.keys import any_provider, key_error, key_json
from kitdesk.web.services import ApiServices, ProviderNotFound, ReadOnlyProvider

log = logging.getLogger(__name__)

AZURE_PLACEHOLDER = "YOUR-RESOURCE"
MAX_CHECKED_URL = 2048  # longer than any real base URL


class ProviderCreate(Body):
    kind: ProviderKind
    name: str | None = None
    base_url: str | None = None
    default_model: str | None = None
    api_version: str | None = None
    enabled: bool = True
    headers: list[str] | None = None


class ProviderPatch(Body):
    name: str = ""
    base_url: str = ""
    enabled: bool = True
    default_model: str | None = None
    api_version: str | None = None
    headers: list[str] = []


class ConnectionTestBody(Body):
    kind: ProviderKind
    base_url: str | None = None
    api_version: str | None = None
    key: str | None = None
    # Test a changed configuration of a saved provider with its stored key.
    provider_id: str | None = None
    # A ChatKit server's request headers as typed in the form (name -> value); a
    # saved provider's stored values fill in the names left out.
    headers: dict[str, str] | None = None


def _saved_provider(settings: Settings, provider_id: str) -> Provider:
    """A provider the user configured (editable); the environment one is refused."""
    if provider_id == ENV_PROVIDER_ID and settings.provider(provider_id) is None:
        raise ReadOnlyProvider()
    provider = settings.provider(provider_id)
    if provider is None:
        raise ProviderNotFound(provider_id)
    return provider


def _validated_provider(fields: dict[str, Any]) -> Provider:
    try:
        provider = Provider.model_validate(fields)
    except ValidationError as exc:
        raise invalid_body(exc, "invalid_provider") from None
    if AZURE_PLACEHOLDER in provider.base_url:
        # The Azure preset's URL is a template; it cannot work until filled in.
        raise UserFacingError(
            f"base_url: replace {AZURE_PLACEHOLDER} with the name of your Azure OpenAI resource.",
            status=422,
            code="invalid_provider",
        )
    return provider


def _new_provider_id(settings: Settings, base: str) -> str:
    taken = {p.id for p in settings.providers} | {ENV_PROVIDER_ID}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _new_provider_name(settings: Settings, base: str) -> str:
    taken = {p.name for p in settings.providers}
    if base not in taken:
        return base
    n = 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def _provider_json(provider: Provider, keys: KeyStore, default_id: str | None) -> dict[str, Any]:
    data = provider.model_dump(mode="json")
    data.update(
        read_only=provider.id == ENV_PROVIDER_ID,
        needs_key=provider.needs_key,
        api=provider.kind_info.wire_api,
        is_default=provider.id == default_id,
        key=key_json(keys, provider.id),
        # Which of its request headers have a value in the keyring (never the values).
        headers_set=[h for h in provider.headers if keys.get_header(provider.id, h) is not None],
        cleartext_warning=sends_in_cleartext(provider.base_url),
    )
    return data


def _preset_json(kind: ProviderKind) -> dict[str, Any]:
    """A preset looks like a provider (its id is the kind) plus what the form needs to know."""
    preset = PRESETS[kind]
    data = preset.model_dump(mode="json")
    data.update(
        needs_key=preset.needs_key,
        api=preset.kind_info.wire_api,
    )
    return data


def _test_headers(
    settings: Settings, keys: KeyStore, body: ConnectionTestBody, provider: Provider
) -> dict[str, str]:
    """The request headers a ChatKit server's unsaved form is tested with: the typed
    values over the stored ones of a saved provider (only towards its own origin)."""
    if not provider.kind_info.is_chatkit:
        return {}
    headers: dict[str, str] = {}
    if body.provider_id is not None:
        saved = any_provider(settings, body.provider_id)
        if same_origin(saved.base_url, provider.base_url):
            for name in saved.headers:
                value = keys.get_header(saved.id, name)
                if value is not None:
                    headers[name] = value
    for name, value in (body.headers or {}).items():
        name = name.strip()
        if not HEADER_NAME.fullmatch(name):
            raise UserFacingError(
                f"“{name[:40]}” is not a header name (letters, digits and dashes only).",
                status=422,
                code="invalid_provider",
            )
        for same in [n for n in headers if n.lower() == name.lower()]:
            del headers[same]
        try:
            headers[name] = normalize_header_value(value)
        except InvalidKey as exc:
            raise key_error(exc) from None
    return headers


def _has_origin(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address (a half-typed one warns of nothing)."""
    try:
        parts = urlsplit(url.strip())
        _port = parts.port  # raises on a port that is not a number
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _stored_key(keys: KeyStore, provider_id: str) -> bool:
    """Whether the keyring holds a key for the provider (one the environment gives stays)."""
    try:
        return keys.status(provider_id).source == "keyring"
    except KeyringUnavailable:
        return False


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    settings_file = services.settings_file
    keys = services.keys
    models = services.models

    def resolver() -> ProviderResolver:
        return ProviderResolver(settings_file.settings, keys)

    @router.get("/providers")
    def list_providers() -> list[dict[str, Any]]:
        settings = settings_file.settings
        default = resolver().default_provider()
        default_id = default.id if default else None
        return [_provider_json(p, keys, default_id) for p in all_providers(settings)]

    @router.get("/providers/presets")
    def list_presets() -> list[dict[str, Any]]:
        return [_preset_json(kind) for kind in PRESETS]

    @router.get("/providers/check-url")
    def check_url(url: str = "", provider_id: str | None = None) -> dict[str, Any]:
        """What the provider form warns about an address while it is typed, by the rules
        the server enforces (``providers/origins.py``): ``cleartext`` (a key would travel
        unencrypted) and, for a saved provider (``provider_id``), ``key_cleared`` (another
        origin: saving forgets its stored key). Nothing is sent to the address."""
        if len(url) > MAX_CHECKED_URL:
            raise UserFacingError(
                f"That address is longer than {MAX_CHECKED_URL} characters.",
                status=422,
                code="invalid_url",
            )
        warnings: list[str] = []
        if sends_in_cleartext(url):
            warnings.append("cleartext")
        if provider_id is not None and _has_origin(url):
            saved = any_provider(settings_file.settings, provider_id)
            if not same_origin(saved.base_url, url) and _stored_key(keys, provider_id):
                warnings.append("key_cleared")
        return {"url": url, "warnings": warnings}

    @router.post("/providers", status_code=201)
    def create_provider(body: ProviderCreate) -> dict[str, Any]:
        settings = settings_file.settings
        preset = PRESETS[body.kind]
        fields = preset.model_dump()
        fields.update(body.model_dump(exclude_unset=True, exclude_none=True))
        fields["id"] = _new_provider_id(settings, preset.id)
        if body.name is None:
            fields["name"] = _new_provider_name(settings, preset.name)
        provider = _validated_provider(fields)
        changes: dict[str, Any] = {"providers": [*settings.providers, provider]}
        if (
            settings.default_provider is None
            and not ProviderResolver(settings, keys).is_ready_any()
        ):
            # The first provider that could answer becomes the default; one that
            # already answers (e.g. OPENAI_API_KEY) keeps that role.
            changes["default_provider"] = provider.id
        try:
            saved = settings_file.update(**changes)
        except ValidationError as exc:
            raise invalid_body(exc, "invalid_provider") from None
        # A key left behind by an earlier provider with this id must not be inherited.
        try:
            keys.delete(provider.id)
        except KeyringUnavailable:
            pass
        models.invalidate(provider.id)
        default = ProviderResolver(saved, keys).default_provider()
        return _provider_json(provider, keys, default.id if default else None)

    @router.put("/providers/{provider_id}")
    def update_provider(provider_id: str, patch: ProviderPatch) -> dict[str, Any]:
        settings = settings_file.settings
        provider = _saved_provider(settings, provider_id)
        updated = _validated_provider(
            {**provider.model_dump(), **patch.model_dump(exclude_unset=True)}
        )
        moved = not same_origin(provider.base_url, updated.base_url)
        kept = {name.lower() for name in updated.headers} if not moved else set()
        try:
            if moved:
                # The key was given for the old host: it never goes to the new one.
                keys.delete(provider_id)
            for name in provider.headers:
                # Nor do header values; a header taken off the list loses its value.
                if name.lower() not in kept:
                    keys.delete_header(provider_id, name)
        except (KeyringUnavailable, ReadOnlyKey) as exc:
            raise key_error(exc) from None
        try:
            providers = [updated if p.id == provider_id else p for p in settings.providers]
            saved = settings_file.update(providers=providers)
        except ValidationError as exc:
            raise invalid_body(exc, "invalid_provider") from None
        models.invalidate(provider_id)
        default = ProviderResolver(saved, keys).default_provider()
        return _provider_json(updated, keys, default.id if default else None)

    @router.delete("/providers/{provider_id}")
    def delete_provider(provider_id: str) -> dict[str, Any]:
        settings = settings_file.settings
        _saved_provider(settings, provider_id)
        changes: dict[str, Any] = {
            "providers": [p for p in settings.providers if p.id != provider_id]
        }
        if settings.default_provider == provider_id:
            changes.update(default_provider=None, default_model=None)
        settings_file.update(**changes)
        key_deleted = False
        try:
            for header in _saved_provider(settings, provider_id).headers:
                keys.delete_header(provider_id, header)
            key_deleted = keys.delete(provider_id)
        except KeyringUnavailable:
            # The provider is gone either way; create_provider clears a stale key.
            log.warning("could not delete the key of removed provider %s", provider_id)
        models.invalidate(provider_id)
        return {"deleted": provider_id, "key_deleted": key_deleted}

    @router.post("/providers/test")
    async def test_unsaved(body: ConnectionTestBody) -> dict[str, Any]:
        preset = PRESETS[body.kind]
        fields = preset.model_dump()
        fields.update(body.model_dump(include={"base_url", "api_version"}, exclude_none=True))
        provider = _validated_provider(fields)
        key: str | None = None
        if body.key is not None:
            try:
                key = normalize_key(body.key)
            except InvalidKey as exc:
                raise key_error(exc) from None
        elif body.provider_id is not None:
            saved = any_provider(settings_file.settings, body.provider_id)
            if not same_origin(saved.base_url, provider.base_url):
                raise UserFacingError(
                    f"The saved key of {saved.name} is only sent to {saved.base_url}. "
                    "Enter the key again to test another address.",
                    status=409,
                    code="key_bound_to_origin",
                )
            key = await asyncio.to_thread(keys.get, body.provider_id)
        headers = await asyncio.to_thread(
            _test_headers, settings_file.settings, keys, body, provider
        )
        result = await models.test_connection(provider, key, headers=headers)
        return {"ok": result.ok, "message": result.message, "model_count": result.model_count}

    @router.post("/providers/{provider_id}/test")
    async def test_saved(provider_id: str) -> dict[str, Any]:
        provider = any_provider(settings_file.settings, provider_id)
        key = await asyncio.to_thread(keys.get, provider_id)
        result = await models.test_connection(provider, key, remember=True)
        return {"ok": result.ok, "message": result.message, "model_count": result.model_count}

    return router
