"""``/api/providers/{id}/key`` and ``/api/providers/{id}/headers/{name}``: keys and
secret request-header values go in (to the OS keyring) and never come out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kitdesk.errors import UserFacingError
from kitdesk.keys import InvalidKey, KeyringUnavailable, KeyStore, ReadOnlyKey
from kitdesk.providers.resolver import all_providers
from kitdesk.settings import Provider, Settings
from kitdesk.web.bodies import Body
from kitdesk.web.services import ApiServices, ProviderNotFound


class KeyBody(Body):
    key: str


class HeaderBody(Body):
    value: str


def key_json(keys: KeyStore, provider_id: str) -> dict[str, Any]:
    status = keys.status(provider_id)
    return {"has_key": status.has_key, "source": status.source}


def key_error(exc: Exception) -> UserFacingError:
    if isinstance(exc, KeyringUnavailable):
        return UserFacingError(str(exc), status=503, code="keyring_unavailable")
    if isinstance(exc, ReadOnlyKey):
        return UserFacingError(str(exc), status=409, code="read_only_key")
    return UserFacingError(str(exc), status=422, code="invalid_key")


def any_provider(settings: Settings, provider_id: str) -> Provider:
    provider = next((p for p in all_providers(settings) if p.id == provider_id), None)
    if provider is None:
        raise ProviderNotFound(provider_id)
    return provider


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    settings_file = services.settings_file
    keys = services.keys
    models = services.models

    @router.put("/providers/{provider_id}/key")
    def set_key(provider_id: str, body: KeyBody) -> dict[str, Any]:
        any_provider(settings_file.settings, provider_id)
        try:
            keys.set(provider_id, body.key)
        except (KeyringUnavailable, ReadOnlyKey, InvalidKey) as exc:
            raise key_error(exc) from None
        models.invalidate(provider_id)
        return {"provider_id": provider_id, "key": key_json(keys, provider_id)}

    @router.delete("/providers/{provider_id}/key")
    def delete_key(provider_id: str) -> dict[str, Any]:
        any_provider(settings_file.settings, provider_id)
        try:
            keys.delete(provider_id)
        except (KeyringUnavailable, ReadOnlyKey) as exc:
            raise key_error(exc) from None
        models.invalidate(provider_id)
        return {"provider_id": provider_id, "key": key_json(keys, provider_id)}

    def listed_header(provider_id: str, header: str) -> str:
        provider = any_provider(settings_file.settings, provider_id)
        name = next((h for h in provider.headers if h.lower() == header.lower()), None)
        if name is None:
            raise UserFacingError(
                f"“{provider.name}” has no header named {header[:64]}. Add the name to the "
                "provider first.",
                status=404,
                code="header_not_found",
            )
        return name

    @router.put("/providers/{provider_id}/headers/{header}")
    def set_header(provider_id: str, header: str, body: HeaderBody) -> dict[str, Any]:
        name = listed_header(provider_id, header)
        try:
            keys.set_header(provider_id, name, body.value)
        except (KeyringUnavailable, ReadOnlyKey, InvalidKey) as exc:
            raise key_error(exc) from None
        return {"provider_id": provider_id, "header": name, "has_value": True}

    @router.delete("/providers/{provider_id}/headers/{header}")
    def delete_header(provider_id: str, header: str) -> dict[str, Any]:
        name = listed_header(provider_id, header)
        try:
            keys.delete_header(provider_id, name)
        except (KeyringUnavailable, ReadOnlyKey) as exc:
            raise key_error(exc) from None
        return {"provider_id": provider_id, "header": name, "has_value": False}

    return router
