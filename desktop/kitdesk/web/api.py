"""The ``/api`` routes: app status, settings, providers and their keys, models,
search and attachment files.

Everything here answers JSON, and every failure is a 4xx/5xx
``{"error": {"code", "message"}}`` whose message a person can act on. Keys go
in through ``PUT /api/providers/{id}/key`` and never come out: responses carry
only ``{has_key, source}``. Authentication, Host and Origin checks happen in
the security middleware before a request gets here.

Routes that touch the keyring or the settings file are plain ``def`` so
FastAPI runs them in its thread pool: a Secret Service call is a D-Bus round
trip and must not stall the event loop that streams answers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from chatkit.store import NotFoundError
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException as StarletteHTTPException

from kitdesk.app_info import Basics, describe_app
from kitdesk.chat.context import RequestContext
from kitdesk.errors import UserFacingError
from kitdesk.keys import (
    ENV_PROVIDER_ID,
    InvalidKey,
    KeyringUnavailable,
    KeyStore,
    ReadOnlyKey,
    backend_name,
    normalize_key,
)
from kitdesk.paths import Paths
from kitdesk.providers.catalog import ModelsCatalog
from kitdesk.providers.resolver import ProviderResolver, all_providers, split_ref
from kitdesk.settings import PRESETS, Provider, ProviderKind, Settings, SettingsFile, Theme
from kitdesk.store.sqlite import ALLOWED_MIME_TYPES, SQLiteStore
from kitdesk.web.responses import error_response
from kitdesk.web.uploads import checked_type, receive_file

log = logging.getLogger(__name__)

AZURE_PLACEHOLDER = "YOUR-RESOURCE"
MAX_SEARCH_QUERY = 500
MAX_SEARCH_LIMIT = 100
# Nothing inside an attachment may run or load anything in our origin.
ATTACHMENT_CSP = "default-src 'none'; sandbox"


@dataclass
class ApiServices:
    """What the routes need; built once by the composition root (``app.py``)."""

    paths: Paths
    settings_file: SettingsFile
    keys: KeyStore
    models: ModelsCatalog
    store: SQLiteStore
    version: str


# -- errors -----------------------------------------------------------------


class ProviderNotFound(UserFacingError):
    status = 404
    code = "provider_not_found"

    def __init__(self, provider_id: str) -> None:
        super().__init__(f"There is no provider “{provider_id}”. It may have been removed.")


class ReadOnlyProvider(UserFacingError):
    status = 409
    code = "read_only_provider"

    def __init__(self) -> None:
        super().__init__(
            "The environment provider comes from the OPENAI_API_KEY and OPENAI_BASE_URL "
            "environment variables; change them there and restart Kitdesk."
        )


class AttachmentNotFound(UserFacingError):
    status = 404
    code = "attachment_not_found"

    def __init__(self) -> None:
        super().__init__("That attachment does not exist. It may have been deleted.")


_PHRASES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not something Kitdesk knows; check the spelling",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "list_type": "must be a list",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "string_pattern_mismatch": "may use only lower-case letters, digits, “-” and “_”",
}


def readable_problem(error: ErrorDetails) -> str:
    """One pydantic error as ``"field: what is wrong"``.

    Never quotes the input: it may be an API key.
    """
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    where = ".".join(str(part) for part in error["loc"] if part not in ("body", "query", "path"))
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if not where:
        if kind == "missing":
            return "The request needs a JSON body."
        if kind in ("dict_type", "model_type", "model_attributes_type"):
            return "The request body must be a JSON object."
    if kind in _PHRASES:
        problem = _PHRASES[kind]
    elif kind == "string_too_short":
        minimum = int(ctx.get("min_length", 1))
        problem = "must not be empty" if minimum <= 1 else f"must be at least {minimum} characters"
    elif kind == "string_too_long":
        problem = f"must be at most {int(ctx.get('max_length', 0)):,} characters"
    elif kind in ("literal_error", "enum"):
        problem = f"must be one of {ctx.get('expected', 'the listed values')}"
    elif kind == "greater_than_equal":
        problem = f"must be at least {ctx.get('ge')}"
    elif kind == "less_than_equal":
        problem = f"must be at most {ctx.get('le')}"
    elif kind == "greater_than":
        problem = f"must be more than {ctx.get('gt')}"
    elif kind == "less_than":
        problem = f"must be less than {ctx.get('lt')}"
    elif kind == "value_error":
        problem = str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    else:
        message = error["msg"]
        problem = message[:1].lower() + message[1:]
    return f"{where}: {problem}" if where else problem[:1].upper() + problem[1:]


def readable_errors(errors: list[ErrorDetails], *, limit: int = 3) -> str:
    problems = [readable_problem(error) for error in errors[:limit]]
    if len(errors) > limit:
        problems.append(f"and {len(errors) - limit} more")
    text = "; ".join(problems)
    return text if text.endswith(".") else text + "."


async def _on_validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", readable_errors(list(exc.errors())))


async def _on_user_facing_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, UserFacingError)
    return error_response(exc.status, exc.code, exc.message)


async def _on_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: ("not_found", "There is nothing at this address."),
        405: ("method_not_allowed", "This address does not accept that method."),
    }
    code, message = messages.get(exc.status_code, ("http_error", str(exc.detail)))
    response = error_response(exc.status_code, code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Every error as ``{"error": {"code", "message"}}`` with a sentence for a person."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(UserFacingError, _on_user_facing_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)


def _invalid(exc: ValidationError, code: str = "invalid_settings") -> UserFacingError:
    return UserFacingError(readable_errors(list(exc.errors())), status=422, code=code)


# -- request bodies -----------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettingsPatch(_Body):
    system_prompt: str = ""
    temperature: float | None = None
    theme: Theme = "system"
    default_provider: str | None = None
    default_model: str | None = None
    auto_title: bool = True


class ProviderCreate(_Body):
    kind: ProviderKind
    name: str | None = None
    base_url: str | None = None
    default_model: str | None = None
    api_version: str | None = None
    enabled: bool = True


class ProviderPatch(_Body):
    name: str = ""
    base_url: str = ""
    enabled: bool = True
    default_model: str | None = None
    api_version: str | None = None


class KeyBody(_Body):
    key: str


class ConnectionTestBody(_Body):
    kind: ProviderKind
    base_url: str | None = None
    api_version: str | None = None
    key: str | None = None
    # Test a changed configuration of a saved provider with its stored key.
    provider_id: str | None = None


# -- helpers ------------------------------------------------------------------


def _request_context(request: Request) -> RequestContext:
    return RequestContext(origin=f"{request.url.scheme}://{request.url.netloc}")


def _saved_provider(settings: Settings, provider_id: str) -> Provider:
    """A provider the user configured (editable); the environment one is refused."""
    if provider_id == ENV_PROVIDER_ID and settings.provider(provider_id) is None:
        raise ReadOnlyProvider()
    provider = settings.provider(provider_id)
    if provider is None:
        raise ProviderNotFound(provider_id)
    return provider


def _any_provider(settings: Settings, provider_id: str) -> Provider:
    provider = next((p for p in all_providers(settings) if p.id == provider_id), None)
    if provider is None:
        raise ProviderNotFound(provider_id)
    return provider


def _validated_provider(fields: dict[str, Any]) -> Provider:
    try:
        provider = Provider.model_validate(fields)
    except ValidationError as exc:
        raise _invalid(exc, "invalid_provider") from None
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


def _key_json(keys: KeyStore, provider_id: str) -> dict[str, Any]:
    status = keys.status(provider_id)
    return {"has_key": status.has_key, "source": status.source}


def _provider_json(provider: Provider, keys: KeyStore, default_id: str | None) -> dict[str, Any]:
    data = provider.model_dump(mode="json")
    data.update(
        read_only=provider.id == ENV_PROVIDER_ID,
        needs_key=provider.needs_key,
        api="responses" if provider.uses_responses_api else "chat_completions",
        is_default=provider.id == default_id,
        key=_key_json(keys, provider.id),
    )
    return data


def _settings_json(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude={"window"})


def _preset_json(kind: ProviderKind) -> dict[str, Any]:
    """A preset looks like a provider (its id is the kind) plus what the form needs to know."""
    preset = PRESETS[kind]
    data = preset.model_dump(mode="json")
    data.update(
        needs_key=preset.needs_key,
        api="responses" if preset.uses_responses_api else "chat_completions",
    )
    return data


# -- the router -----------------------------------------------------------------


def build_api_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/api")
    settings_file = services.settings_file
    keys = services.keys
    models = services.models
    store = services.store
    upload_spool_dir = services.paths.cache_dir / "uploads"

    def resolver() -> ProviderResolver:
        return ProviderResolver(settings_file.settings, keys)

    # -- status -------------------------------------------------------------

    basics = Basics(services.paths, settings_file, keys, services.version)

    @router.get("/app")
    def app_info() -> dict[str, Any]:
        return describe_app(basics)

    @router.get("/health")
    def health() -> dict[str, Any]:
        store_status = store.check()
        return {
            "status": "ok" if store_status == "ok" else "degraded",
            "version": services.version,
            "data_dir": str(services.paths.data_dir),
            "store": store_status,
            "keyring": backend_name(),
        }

    # -- settings -------------------------------------------------------------

    @router.get("/settings")
    def get_settings() -> dict[str, Any]:
        return _settings_json(settings_file.settings)

    @router.put("/settings")
    def put_settings(patch: SettingsPatch) -> dict[str, Any]:
        changes = patch.model_dump(exclude_unset=True)
        current = settings_file.settings
        if changes.get("default_model"):
            # A model ref from the picker names its provider too.
            provider_id, model = split_ref(changes["default_model"])
            changes["default_model"] = model
            if provider_id is not None:
                changes["default_provider"] = provider_id
        provider_id = changes.get("default_provider")
        if provider_id:
            if not any(p.id == provider_id for p in all_providers(current)):
                raise UserFacingError(
                    f"default_provider: there is no provider “{provider_id}”.",
                    status=422,
                    code="invalid_settings",
                )
            if provider_id != current.default_provider and "default_model" not in changes:
                # The old default model belonged to the old provider.
                changes["default_model"] = None
        try:
            saved = settings_file.update(**changes)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return _settings_json(saved)

    # -- providers ----------------------------------------------------------------

    @router.get("/providers")
    def list_providers() -> list[dict[str, Any]]:
        settings = settings_file.settings
        default = resolver().default_provider()
        default_id = default.id if default else None
        return [_provider_json(p, keys, default_id) for p in all_providers(settings)]

    @router.get("/providers/presets")
    def list_presets() -> list[dict[str, Any]]:
        return [_preset_json(kind) for kind in PRESETS]

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
            raise _invalid(exc, "invalid_provider") from None
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
        try:
            providers = [updated if p.id == provider_id else p for p in settings.providers]
            saved = settings_file.update(providers=providers)
        except ValidationError as exc:
            raise _invalid(exc, "invalid_provider") from None
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
            key_deleted = keys.delete(provider_id)
        except KeyringUnavailable:
            # The provider is gone either way; create_provider clears a stale key.
            log.warning("could not delete the key of removed provider %s", provider_id)
        models.invalidate(provider_id)
        return {"deleted": provider_id, "key_deleted": key_deleted}

    # -- keys (write-only) --------------------------------------------------------

    def _key_error(exc: Exception) -> UserFacingError:
        if isinstance(exc, KeyringUnavailable):
            return UserFacingError(str(exc), status=503, code="keyring_unavailable")
        if isinstance(exc, ReadOnlyKey):
            return UserFacingError(str(exc), status=409, code="read_only_key")
        return UserFacingError(str(exc), status=422, code="invalid_key")

    @router.put("/providers/{provider_id}/key")
    def set_key(provider_id: str, body: KeyBody) -> dict[str, Any]:
        _any_provider(settings_file.settings, provider_id)
        try:
            keys.set(provider_id, body.key)
        except (KeyringUnavailable, ReadOnlyKey, InvalidKey) as exc:
            raise _key_error(exc) from None
        models.invalidate(provider_id)
        return {"provider_id": provider_id, "key": _key_json(keys, provider_id)}

    @router.delete("/providers/{provider_id}/key")
    def delete_key(provider_id: str) -> dict[str, Any]:
        _any_provider(settings_file.settings, provider_id)
        try:
            keys.delete(provider_id)
        except (KeyringUnavailable, ReadOnlyKey) as exc:
            raise _key_error(exc) from None
        models.invalidate(provider_id)
        return {"provider_id": provider_id, "key": _key_json(keys, provider_id)}

    # -- connection tests and models -------------------------------------------

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
                raise _key_error(exc) from None
        elif body.provider_id is not None:
            _any_provider(settings_file.settings, body.provider_id)
            key = await asyncio.to_thread(keys.get, body.provider_id)
        result = await models.test_connection(provider, key)
        return {"ok": result.ok, "message": result.message, "model_count": result.model_count}

    @router.post("/providers/{provider_id}/test")
    async def test_saved(provider_id: str) -> dict[str, Any]:
        provider = _any_provider(settings_file.settings, provider_id)
        key = await asyncio.to_thread(keys.get, provider_id)
        result = await models.test_connection(provider, key, remember=True)
        return {"ok": result.ok, "message": result.message, "model_count": result.model_count}

    @router.get("/models")
    async def list_models(refresh: bool = False) -> dict[str, Any]:
        listing = await models.list_models(settings_file.settings, refresh=refresh)
        return {
            "models": [option.to_json() for option in listing.models],
            "errors": [
                {"provider_id": problem.provider_id, "message": problem.message}
                for problem in listing.errors
            ],
        }

    # -- search -----------------------------------------------------------------

    @router.get("/search")
    async def search(
        q: str = Query("", max_length=MAX_SEARCH_QUERY),
        limit: int = Query(20, ge=1, le=MAX_SEARCH_LIMIT),
    ) -> dict[str, Any]:
        if not q.strip():
            return {"results": []}
        hits = await store.search(q, limit)
        return {"results": [hit.model_dump(mode="json") for hit in hits]}

    # -- attachments ---------------------------------------------------------------

    @router.post("/attachments/{attachment_id}/upload")
    async def upload_attachment(attachment_id: str, request: Request) -> dict[str, Any]:
        context = _request_context(request)
        try:
            attachment = await store.load_attachment(attachment_id, context)
        except NotFoundError:
            raise AttachmentNotFound() from None
        if attachment.upload_descriptor is None:
            raise UserFacingError(
                "This attachment was already uploaded; attach the file again to replace it.",
                status=409,
                code="already_uploaded",
            )
        async with receive_file(request, upload_spool_dir) as upload:
            actual = checked_type(
                recorded=attachment.mime_type,
                declared=upload.content_type,
                upload=upload,
                name=attachment.name,
            )
            data = await asyncio.to_thread(upload.read_all)
        if actual != attachment.mime_type:
            # The bytes decide (a JPEG saved as .png): the model and the
            # browser are then told the truth.
            await store.save_attachment(
                attachment.model_copy(update={"mime_type": actual}), context
            )
        try:
            done = await store.write_attachment_file(attachment_id, data)
        except NotFoundError:
            raise AttachmentNotFound() from None  # deleted while uploading
        return done.model_dump(mode="json")

    @router.get("/attachments/{attachment_id}/content")
    async def attachment_content(attachment_id: str, request: Request) -> Response:
        try:
            attachment = await store.load_attachment(attachment_id, _request_context(request))
        except NotFoundError:
            raise AttachmentNotFound() from None
        path = store.attachment_file_path(attachment_id)
        if path is None:
            raise AttachmentNotFound()
        mime = attachment.mime_type if attachment.mime_type in ALLOWED_MIME_TYPES else None
        is_image = mime is not None and mime.startswith("image/")
        media_type = mime or "application/octet-stream"
        if media_type.startswith("text/") or media_type == "application/json":
            media_type += "; charset=utf-8"
        return FileResponse(
            path,
            media_type=media_type,
            filename=attachment.name,
            content_disposition_type="inline" if is_image else "attachment",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": ATTACHMENT_CSP,
                "Cross-Origin-Resource-Policy": "same-origin",
                "Cache-Control": "private, no-cache",
            },
        )

    return router


__all__ = [
    "ApiServices",
    "build_api_router",
    "install_error_handlers",
    "readable_errors",
]
